package catalog

import (
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/marquee-ott/marquee/errs"
)

var (
	errInvalidPage = errs.InvalidField("first", "pages hold 1 to %d items", maxTake)
	languageRe     = regexp.MustCompile(`^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$`)
	countryRe      = regexp.MustCompile(`^[A-Z]{2}$`)
	handleRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{1,39}$`)
	blobKeyRe      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,500}$`)
)

// TitleInput creates a title. Episodes name their season (the series follows
// from it) and number; trailers and extras may name a series.
type TitleInput struct {
	Kind            Kind
	DefaultLanguage string // "en" when empty
	Localizations   []Localization
	Genres          []string
	Tags            []string
	Rating          *Rating
	Availability    *Availability
	DurationSeconds *int
	ReleaseYear     *int
	Vertical        *bool
	AssetID         *AssetID
	Artwork         []Artwork
	SeriesID        *SeriesID
	SeasonID        *SeasonID
	EpisodeNumber   *int
	CreatorID       *CreatorID
}

// TitleUpdate changes a title; nil (or a nil list) leaves a field alone. A
// given list replaces the whole list; a given Availability replaces the whole
// window; a Rating with an empty System removes the rating.
type TitleUpdate struct {
	DefaultLanguage *string
	Localizations   []Localization
	Genres          []string
	Tags            []string
	Rating          *Rating
	Availability    *Availability
	DurationSeconds *int
	ReleaseYear     *int
	Vertical        *bool
	Artwork         []Artwork
	SeriesID        *SeriesID
	SeasonID        *SeasonID
	EpisodeNumber   *int
	CreatorID       *CreatorID
}

// TitleFilter narrows a list of titles; nil fields do not filter. Query
// searches (full text, and trigrams for typos) and orders by relevance.
type TitleFilter struct {
	Kind      *Kind
	Status    *Status
	SeriesID  *SeriesID
	SeasonID  *SeasonID
	CreatorID *CreatorID
	Genre     *string
	Tag       *string
	Vertical  *bool
	Query     *string
}

// apply copies the update onto t.
func (u TitleUpdate) apply(t *Title) {
	if u.DefaultLanguage != nil {
		t.DefaultLanguage = *u.DefaultLanguage
	}
	if u.Localizations != nil {
		t.Localizations = u.Localizations
	}
	if u.Genres != nil {
		t.Genres = u.Genres
	}
	if u.Tags != nil {
		t.Tags = u.Tags
	}
	if u.Rating != nil {
		t.Rating = u.Rating
		if u.Rating.System == "" {
			t.Rating = nil
		}
	}
	if u.Availability != nil {
		t.Availability = *u.Availability
	}
	if u.DurationSeconds != nil {
		t.DurationSeconds = u.DurationSeconds
	}
	if u.ReleaseYear != nil {
		t.ReleaseYear = u.ReleaseYear
	}
	if u.Vertical != nil {
		t.Vertical = *u.Vertical
	}
	if u.Artwork != nil {
		t.Artwork = u.Artwork
	}
	if u.SeriesID != nil {
		t.SeriesID = u.SeriesID
	}
	if u.SeasonID != nil {
		t.SeasonID = u.SeasonID
	}
	if u.EpisodeNumber != nil {
		t.EpisodeNumber = u.EpisodeNumber
	}
	if u.CreatorID != nil {
		t.CreatorID = u.CreatorID
	}
}

// validate normalizes t and reports its first problem.
func (t *Title) validate() error {
	if !t.Kind.Valid() {
		return errs.InvalidField("kind", "unknown kind %q", t.Kind)
	}
	var err error
	if t.DefaultLanguage, t.Localizations, err = validLocalizations(t.DefaultLanguage, t.Localizations); err != nil {
		return err
	}
	if t.Genres, err = validLabels("genres", t.Genres); err != nil {
		return err
	}
	if t.Tags, err = validLabels("tags", t.Tags); err != nil {
		return err
	}
	if err := validRating(t.Rating); err != nil {
		return err
	}
	if err := t.Availability.normalize(); err != nil {
		return err
	}
	switch {
	case t.DurationSeconds != nil && (*t.DurationSeconds < 0 || *t.DurationSeconds > 100*3600):
		return errs.InvalidField("durationSeconds", "duration must be 0 to 360000 seconds")
	case t.ReleaseYear != nil && (*t.ReleaseYear < 1800 || *t.ReleaseYear > 3000):
		return errs.InvalidField("releaseYear", "release year must be between 1800 and 3000")
	case t.Kind == KindEpisode && t.SeasonID == nil:
		return errs.InvalidField("seasonId", "an episode belongs to a season")
	case t.Kind != KindEpisode && t.SeasonID != nil:
		return errs.InvalidField("seasonId", "only episodes belong to a season")
	case t.Kind == KindEpisode && t.EpisodeNumber == nil:
		return errs.InvalidField("episodeNumber", "an episode has a number")
	case t.Kind != KindEpisode && t.EpisodeNumber != nil:
		return errs.InvalidField("episodeNumber", "only episodes have an episode number")
	case t.EpisodeNumber != nil && (*t.EpisodeNumber < 0 || *t.EpisodeNumber > 100_000):
		return errs.InvalidField("episodeNumber", "episode number must be 0 to 100000")
	case t.SeriesID != nil && t.Kind != KindEpisode && t.Kind != KindTrailer && t.Kind != KindExtra:
		return errs.InvalidField("seriesId", "only episodes, trailers and extras belong to a series")
	}
	return validArtwork(t.Artwork)
}

func validLocalizations(def string, ls []Localization) (string, []Localization, error) {
	def = strings.TrimSpace(def)
	if def == "" {
		def = "en"
	}
	if !languageRe.MatchString(def) {
		return "", nil, errs.InvalidField("defaultLanguage", "%q is not a language tag (e.g. en, pt-BR)", def)
	}
	seen := map[string]bool{}
	out := make([]Localization, 0, len(ls))
	hasDefault := false
	for _, l := range ls {
		l.Language, l.Title, l.Synopsis = strings.TrimSpace(l.Language), strings.TrimSpace(l.Title), strings.TrimSpace(l.Synopsis)
		key := strings.ToLower(l.Language)
		switch {
		case !languageRe.MatchString(l.Language):
			return "", nil, errs.InvalidField("localizations", "%q is not a language tag (e.g. en, pt-BR)", l.Language)
		case seen[key]:
			return "", nil, errs.InvalidField("localizations", "language %s is given twice", l.Language)
		case l.Title == "" || len(l.Title) > 300:
			return "", nil, errs.InvalidField("localizations", "the %s title must be 1 to 300 characters", l.Language)
		case len(l.Synopsis) > 5000:
			return "", nil, errs.InvalidField("localizations", "the %s synopsis is over 5000 characters", l.Language)
		}
		seen[key] = true
		if strings.EqualFold(l.Language, def) {
			hasDefault = true
			out = slices.Insert(out, 0, l) // the default first
			continue
		}
		out = append(out, l)
	}
	if !hasDefault {
		return "", nil, errs.InvalidField("localizations", "give at least the title in the default language (%s)", def)
	}
	return def, out, nil
}

// validLabels trims, lower-cases and de-duplicates genres or tags.
func validLabels(field string, in []string) ([]string, error) {
	out := make([]string, 0, len(in))
	for _, s := range in {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" || len(s) > 50 {
			return nil, errs.InvalidField(field, "each of %s must be 1 to 50 characters", field)
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > 50 {
		return nil, errs.InvalidField(field, "at most 50 %s", field)
	}
	return out, nil
}

func validRating(r *Rating) error {
	if r == nil {
		return nil
	}
	r.System, r.Value = strings.TrimSpace(r.System), strings.TrimSpace(r.Value)
	switch {
	case r.System == "" || len(r.System) > 20 || r.Value == "" || len(r.Value) > 20:
		return errs.InvalidField("rating", "a rating has a system and a value (e.g. MPAA, PG-13), each up to 20 characters")
	case r.MinAge != nil && (*r.MinAge < 0 || *r.MinAge > 21):
		return errs.InvalidField("rating", "a rating's minimum age is 0 to 21")
	}
	return nil
}

func (a *Availability) normalize() error {
	if a.Start != nil && a.End != nil && !a.End.After(*a.Start) {
		return errs.InvalidField("availability", "the window must end after it starts")
	}
	if a.Start != nil {
		t := a.Start.UTC()
		a.Start = &t
	}
	if a.End != nil {
		t := a.End.UTC()
		a.End = &t
	}
	cs := make([]string, 0, len(a.Countries))
	for _, c := range a.Countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if !countryRe.MatchString(c) {
			return errs.InvalidField("availability", "%q is not an ISO 3166-1 alpha-2 country code", c)
		}
		if !slices.Contains(cs, c) {
			cs = append(cs, c)
		}
	}
	a.Countries = cs
	return nil
}

func validArtwork(as []Artwork) error {
	if len(as) > 50 {
		return errs.InvalidField("artwork", "at most 50 images")
	}
	for _, a := range as {
		switch {
		case !a.Role.Valid():
			return errs.InvalidField("artwork", "unknown artwork role %q", a.Role)
		case !blobKeyRe.MatchString(a.Key) || strings.Contains(a.Key, ".."):
			return errs.InvalidField("artwork", "%q is not a blob key", a.Key)
		case a.Width < 1 || a.Height < 1 || a.Width > 16384 || a.Height > 16384:
			return errs.InvalidField("artwork", "artwork is 1 to 16384 pixels each way")
		}
	}
	return nil
}

func validImage(field string, im *Image) error {
	if im == nil {
		return nil
	}
	if !blobKeyRe.MatchString(im.Key) || strings.Contains(im.Key, "..") {
		return errs.InvalidField(field, "%q is not a blob key", im.Key)
	}
	if im.Width < 1 || im.Height < 1 || im.Width > 16384 || im.Height > 16384 {
		return errs.InvalidField(field, "an image is 1 to 16384 pixels each way")
	}
	return nil
}

// SeriesInput creates a series.
type SeriesInput struct {
	DefaultLanguage string
	Localizations   []Localization
	Genres          []string
	Tags            []string
	Rating          *Rating
	Artwork         []Artwork
}

// SeriesUpdate changes a series; nil leaves a field alone (see TitleUpdate).
type SeriesUpdate struct {
	DefaultLanguage *string
	Localizations   []Localization
	Genres          []string
	Tags            []string
	Rating          *Rating
	Artwork         []Artwork
}

func (u SeriesUpdate) apply(s *Series) {
	if u.DefaultLanguage != nil {
		s.DefaultLanguage = *u.DefaultLanguage
	}
	if u.Localizations != nil {
		s.Localizations = u.Localizations
	}
	if u.Genres != nil {
		s.Genres = u.Genres
	}
	if u.Tags != nil {
		s.Tags = u.Tags
	}
	if u.Rating != nil {
		s.Rating = u.Rating
		if u.Rating.System == "" {
			s.Rating = nil
		}
	}
	if u.Artwork != nil {
		s.Artwork = u.Artwork
	}
}

func (s *Series) validate() error {
	var err error
	if s.DefaultLanguage, s.Localizations, err = validLocalizations(s.DefaultLanguage, s.Localizations); err != nil {
		return err
	}
	if s.Genres, err = validLabels("genres", s.Genres); err != nil {
		return err
	}
	if s.Tags, err = validLabels("tags", s.Tags); err != nil {
		return err
	}
	if err := validRating(s.Rating); err != nil {
		return err
	}
	return validArtwork(s.Artwork)
}

// SeasonInput creates a season.
type SeasonInput struct {
	Number   int
	Name     string
	Synopsis string
}

// SeasonUpdate changes a season; nil leaves a field alone.
type SeasonUpdate struct {
	Number   *int
	Name     *string
	Synopsis *string
}

func (s *Season) validate() error {
	s.Name, s.Synopsis = strings.TrimSpace(s.Name), strings.TrimSpace(s.Synopsis)
	switch {
	case s.Number < 0 || s.Number > 10_000:
		return errs.InvalidField("number", "a season's number is 0 to 10000")
	case len(s.Name) > 300:
		return errs.InvalidField("name", "a season's name is up to 300 characters")
	case len(s.Synopsis) > 5000:
		return errs.InvalidField("synopsis", "a season's synopsis is up to 5000 characters")
	}
	return nil
}

// CollectionInput creates a collection: hand-picked (no Rule; add titles with
// SetCollectionItems) or rule-based (Rule given).
type CollectionInput struct {
	Name        string
	Description string
	CreatorID   *CreatorID
	Rule        *Rule
}

// CollectionUpdate changes a collection; nil leaves a field alone. A Rule
// replaces a rule-based collection's rule; a hand-picked one takes none.
type CollectionUpdate struct {
	Name        *string
	Description *string
	CreatorID   *CreatorID
	Rule        *Rule
}

func (c *Collection) validate() error {
	c.Name, c.Description = strings.TrimSpace(c.Name), strings.TrimSpace(c.Description)
	switch {
	case c.Name == "" || len(c.Name) > 200:
		return errs.InvalidField("name", "a collection's name is 1 to 200 characters")
	case len(c.Description) > 5000:
		return errs.InvalidField("description", "a collection's description is up to 5000 characters")
	case (c.Kind == CollectionRule) != (c.Rule != nil):
		return errs.InvalidField("rule", "only rule-based collections have a rule")
	}
	if r := c.Rule; r != nil {
		for _, k := range r.Kinds {
			if !k.Valid() {
				return errs.InvalidField("rule", "unknown kind %q", k)
			}
		}
		var err error
		if r.Genres, err = validLabels("genres", r.Genres); err != nil {
			return err
		}
		if r.Tags, err = validLabels("tags", r.Tags); err != nil {
			return err
		}
		if r.Sort == "" {
			r.Sort = SortNewest
		}
		if r.Sort != SortNewest && r.Sort != SortTitle {
			return errs.InvalidField("rule", "unknown sort %q", r.Sort)
		}
		if r.YearFrom != nil && r.YearTo != nil && *r.YearTo < *r.YearFrom {
			return errs.InvalidField("rule", "the year range ends before it starts")
		}
	}
	return nil
}

// RailInput adds a rail to the home page, at Position (0-based; nil or past
// the end: last).
type RailInput struct {
	CollectionID CollectionID
	Heading      string
	Position     *int
}

// RailUpdate changes a rail; nil leaves a field alone. Move it with MoveRail.
type RailUpdate struct {
	CollectionID *CollectionID
	Heading      *string
}

func validHeading(h string) (string, error) {
	h = strings.TrimSpace(h)
	if len(h) > 200 {
		return "", errs.InvalidField("heading", "a rail's heading is up to 200 characters")
	}
	return h, nil
}

// CreatorInput creates a creator.
type CreatorInput struct {
	Handle string
	Name   string
	Bio    string
	Avatar *Image
}

// CreatorUpdate changes a creator; nil leaves a field alone.
type CreatorUpdate struct {
	Handle *string
	Name   *string
	Bio    *string
	Avatar *Image
}

func (c *Creator) validate() error {
	c.Handle = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Handle), "@"))
	c.Name, c.Bio = strings.TrimSpace(c.Name), strings.TrimSpace(c.Bio)
	switch {
	case !handleRe.MatchString(c.Handle):
		return errs.InvalidField("handle", "a handle is 2 to 40 lowercase letters, digits, '.', '_' or '-'")
	case c.Name == "" || len(c.Name) > 200:
		return errs.InvalidField("name", "a creator's name is 1 to 200 characters")
	case len(c.Bio) > 5000:
		return errs.InvalidField("bio", "a bio is up to 5000 characters")
	}
	return validImage("avatar", c.Avatar)
}

// NormalizeCountry returns an ISO country code in upper case, or "" when s is
// not one.
func NormalizeCountry(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if countryRe.MatchString(s) {
		return s
	}
	return ""
}

func (a Audience) at(now time.Time) Audience {
	if a.At.IsZero() {
		a.At = now
	}
	a.Country = NormalizeCountry(a.Country)
	return a
}
