// Package catalog is what a tenant offers to watch and how its apps present it:
// titles (movies, episodes, shorts, trailers, extras) with localized metadata,
// genres, tags, content ratings, availability windows and artwork references;
// series and seasons; creators; collections (hand-picked or rule-based); the
// home page's rails; the shorts feed; and search (PostgreSQL full text with
// trigrams for typos).
//
// Staff calls (Create…, Update…, Publish…) are audited and emit outbox events in
// the same tenant transaction. Storefront reads take an Audience and return
// only published titles available to it now. The catalog does not hold media:
// a title refers to a media asset by id (package media), and artwork and
// avatars are blob keys the upload flow fills in. Viewers' entitlements and
// kids' ceilings come with viewers and billing.
package catalog

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Identifiers.
type (
	TenantID     = uuid.UUID
	TitleID      = uuid.UUID
	SeriesID     = uuid.UUID
	SeasonID     = uuid.UUID
	CollectionID = uuid.UUID
	RailID       = uuid.UUID
	CreatorID    = uuid.UUID
	AssetID      = uuid.UUID
)

// Kind is what a title is.
type Kind string

// Title kinds.
const (
	KindMovie   Kind = "movie"
	KindEpisode Kind = "episode"
	KindShort   Kind = "short"
	KindTrailer Kind = "trailer"
	KindExtra   Kind = "extra"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	switch k {
	case KindMovie, KindEpisode, KindShort, KindTrailer, KindExtra:
		return true
	}
	return false
}

// Status is where a title or series is in its life.
type Status string

// Statuses. Only published titles reach the storefront.
const (
	StatusDraft       Status = "draft"
	StatusPublished   Status = "published"
	StatusUnpublished Status = "unpublished"
)

// Localization is a title's (or series') metadata in one language.
type Localization struct {
	Language string // BCP 47, e.g. "en", "pt-BR"
	Title    string
	Synopsis string
}

// Rating is a content rating: a system and its value (MPAA PG-13, BBFC 12A,
// FSK 16), with the minimum age it means, for kids' ceilings.
type Rating struct {
	System string
	Value  string
	MinAge *int
}

// Availability is when and where a title may be watched. Nil ends are open;
// an empty Countries list means everywhere.
type Availability struct {
	Start     *time.Time
	End       *time.Time
	Countries []string // ISO 3166-1 alpha-2, upper case
}

// At reports whether the window is open at t in country ("" when unknown: then
// only titles without a country list match).
func (a Availability) At(t time.Time, country string) bool {
	if a.Start != nil && t.Before(*a.Start) {
		return false
	}
	if a.End != nil && !t.Before(*a.End) {
		return false
	}
	return len(a.Countries) == 0 || slices.Contains(a.Countries, strings.ToUpper(country))
}

// ArtworkRole is what an image is for.
type ArtworkRole string

// Artwork roles.
const (
	ArtPoster    ArtworkRole = "poster"
	ArtBackdrop  ArtworkRole = "backdrop"
	ArtThumbnail ArtworkRole = "thumbnail"
	ArtLogo      ArtworkRole = "logo"
)

// Valid reports whether r is a known role.
func (r ArtworkRole) Valid() bool {
	switch r {
	case ArtPoster, ArtBackdrop, ArtThumbnail, ArtLogo:
		return true
	}
	return false
}

// Artwork is one image of a title in one size: a role may have several sizes
// (the app platforms each want their own), told apart by width and height.
type Artwork struct {
	Role   ArtworkRole
	Key    string // blob key
	Width  int
	Height int
}

// Image is a picture that is not artwork by role: a creator's avatar.
type Image struct {
	Key    string
	Width  int
	Height int
}

// Title is one thing to watch.
type Title struct {
	ID              TitleID
	Kind            Kind
	Status          Status
	DefaultLanguage string
	Localizations   []Localization // the default language's first
	Genres          []string
	Tags            []string
	Rating          *Rating
	Availability    Availability
	DurationSeconds *int
	ReleaseYear     *int
	Vertical        bool     // shot for phones; shorts in the feed are vertical
	AssetID         *AssetID // the media asset that plays; nil until one is attached
	Artwork         []Artwork
	SeriesID        *SeriesID // episodes; trailers and extras of a series
	SeasonID        *SeasonID // episodes
	SeasonNumber    *int
	EpisodeNumber   *int
	CreatorID       *CreatorID
	PublishedAt     *time.Time // first publication
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Localized returns the title's metadata in language, falling back to its
// default language (and, for a synopsis missing in language, the default's).
func (t Title) Localized(language string) Localization {
	return localize(t.Localizations, t.DefaultLanguage, language)
}

// DisplayTitle is the title in its default language.
func (t Title) DisplayTitle() string { return t.Localized(t.DefaultLanguage).Title }

// DisplaySynopsis is the synopsis in the default language.
func (t Title) DisplaySynopsis() string { return t.Localized(t.DefaultLanguage).Synopsis }

// AvailableTo reports whether a viewer in a's country may see t at a's moment.
func (t Title) AvailableTo(a Audience) bool {
	return t.Status == StatusPublished && t.Availability.At(a.At, a.Country)
}

// ArtworkFor returns the title's artwork in role (every role when role is "").
func (t Title) ArtworkFor(role ArtworkRole) []Artwork { return artworkFor(t.Artwork, role) }

func artworkFor(all []Artwork, role ArtworkRole) []Artwork {
	if role == "" {
		return all
	}
	out := []Artwork{}
	for _, a := range all {
		if a.Role == role {
			out = append(out, a)
		}
	}
	return out
}

func localize(ls []Localization, def, language string) Localization {
	var d, exact, prefix *Localization
	for i := range ls {
		l := &ls[i]
		switch {
		case strings.EqualFold(l.Language, language):
			exact = l
		case prefix == nil && language != "" && strings.EqualFold(baseLanguage(l.Language), baseLanguage(language)):
			prefix = l
		}
		if strings.EqualFold(l.Language, def) {
			d = l
		}
	}
	if d == nil && len(ls) > 0 {
		d = &ls[0]
	}
	out := Localization{Language: def}
	if d != nil {
		out = *d
	}
	pick := exact
	if pick == nil {
		pick = prefix
	}
	if pick != nil {
		out.Language, out.Title = pick.Language, pick.Title
		if pick.Synopsis != "" {
			out.Synopsis = pick.Synopsis
		}
	}
	return out
}

func baseLanguage(tag string) string {
	base, _, _ := strings.Cut(tag, "-")
	return base
}

// Series is a show made of seasons of episodes.
type Series struct {
	ID              SeriesID
	Status          Status
	DefaultLanguage string
	Localizations   []Localization
	Genres          []string
	Tags            []string
	Rating          *Rating
	Artwork         []Artwork
	PublishedAt     *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Localized returns the series' metadata in language, with the same fallback
// as Title.Localized.
func (s Series) Localized(language string) Localization {
	return localize(s.Localizations, s.DefaultLanguage, language)
}

// DisplayTitle is the series' title in its default language.
func (s Series) DisplayTitle() string { return s.Localized(s.DefaultLanguage).Title }

// DisplaySynopsis is the series' synopsis in its default language.
func (s Series) DisplaySynopsis() string { return s.Localized(s.DefaultLanguage).Synopsis }

// ArtworkFor returns the series' artwork in role (every role when role is "").
func (s Series) ArtworkFor(role ArtworkRole) []Artwork { return artworkFor(s.Artwork, role) }

// Season is one season of a series.
type Season struct {
	ID        SeasonID
	SeriesID  SeriesID
	Number    int
	Name      string
	Synopsis  string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// CollectionKind says how a collection gets its titles.
type CollectionKind string

// Collection kinds.
const (
	CollectionManual CollectionKind = "manual" // hand-picked, in order
	CollectionRule   CollectionKind = "rule"   // every published title matching Rule
)

// Sort orders a rule-based collection.
type Sort string

// Sorts.
const (
	SortNewest Sort = "newest" // most recently published first
	SortTitle  Sort = "title"  // by default-language title
)

// Rule selects a rule-based collection's titles: each non-empty list must
// match (kinds: one of; genres and tags: any of), years are inclusive.
type Rule struct {
	Kinds    []Kind
	Genres   []string
	Tags     []string
	YearFrom *int
	YearTo   *int
	Sort     Sort
}

// Collection is a list of titles, hand-picked or by rule, possibly
// programmed by a creator.
type Collection struct {
	ID          CollectionID
	Kind        CollectionKind
	Name        string
	Description string
	CreatorID   *CreatorID
	Rule        *Rule // rule-based collections only
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Rail is one row of the home page, showing a collection.
type Rail struct {
	ID           RailID
	CollectionID CollectionID
	Heading      string // shown instead of the collection's name when set
	Position     int    // 0-based
	CreatedAt    time.Time
}

// Creator is a person or channel whose profile apps show, and who may
// program collections.
type Creator struct {
	ID        CreatorID
	Handle    string
	Name      string
	Bio       string
	Avatar    *Image
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Audience is who a storefront read is for: the viewer's country (ISO code;
// "" when unknown) and language, at a moment (zero: now).
type Audience struct {
	Country  string
	Language string
	At       time.Time
}

// Page is an offset page: Take items after skipping Skip.
type Page struct {
	Skip int
	Take int
}

// maxTake bounds every page; callers may take one more item than they show,
// to know whether there is a next page.
const maxTake = 200

func (p Page) valid() (Page, error) {
	if p.Take <= 0 {
		p.Take = 50
	}
	if p.Take > maxTake+1 || p.Skip < 0 || p.Skip > 100_000 {
		return p, errInvalidPage
	}
	return p, nil
}
