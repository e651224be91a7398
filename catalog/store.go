package catalog

import (
	"encoding/json"
	"strings"

	"github.com/marquee-ott/marquee/catalog/internal/catalogsql"
)

// The JSON documents stored on catalog rows. Their field names are the stored
// format: change them only with a migration.
type (
	localizationDoc struct {
		Language string `json:"language"`
		Title    string `json:"title"`
		Synopsis string `json:"synopsis,omitempty"`
	}
	ratingDoc struct {
		System string `json:"system"`
		Value  string `json:"value"`
		MinAge *int   `json:"min_age,omitempty"`
	}
	imageDoc struct {
		Role   string `json:"role,omitempty"`
		Key    string `json:"key"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	}
)

func encodeLocalizations(ls []Localization) []byte {
	docs := make([]localizationDoc, len(ls))
	for i, l := range ls {
		docs[i] = localizationDoc(l)
	}
	b, _ := json.Marshal(docs)
	return b
}

func decodeLocalizations(b []byte) []Localization {
	var docs []localizationDoc
	_ = json.Unmarshal(b, &docs)
	out := make([]Localization, len(docs))
	for i, d := range docs {
		out[i] = Localization(d)
	}
	return out
}

func encodeRating(r *Rating) []byte {
	if r == nil {
		return nil
	}
	b, _ := json.Marshal(ratingDoc{System: r.System, Value: r.Value, MinAge: r.MinAge})
	return b
}

func decodeRating(b []byte) *Rating {
	if len(b) == 0 {
		return nil
	}
	var d ratingDoc
	if json.Unmarshal(b, &d) != nil || d.System == "" {
		return nil
	}
	return &Rating{System: d.System, Value: d.Value, MinAge: d.MinAge}
}

func encodeArtwork(as []Artwork) []byte {
	docs := make([]imageDoc, len(as))
	for i, a := range as {
		docs[i] = imageDoc{Role: string(a.Role), Key: a.Key, Width: a.Width, Height: a.Height}
	}
	b, _ := json.Marshal(docs)
	return b
}

func decodeArtwork(b []byte) []Artwork {
	var docs []imageDoc
	_ = json.Unmarshal(b, &docs)
	out := make([]Artwork, len(docs))
	for i, d := range docs {
		out[i] = Artwork{Role: ArtworkRole(d.Role), Key: d.Key, Width: d.Width, Height: d.Height}
	}
	return out
}

func encodeImage(im *Image) []byte {
	if im == nil {
		return nil
	}
	b, _ := json.Marshal(imageDoc{Key: im.Key, Width: im.Width, Height: im.Height})
	return b
}

func decodeImage(b []byte) *Image {
	if len(b) == 0 {
		return nil
	}
	var d imageDoc
	if json.Unmarshal(b, &d) != nil || d.Key == "" {
		return nil
	}
	return &Image{Key: d.Key, Width: d.Width, Height: d.Height}
}

func intPtr(p *int32) *int {
	if p == nil {
		return nil
	}
	v := int(*p)
	return &v
}

func int32Ptr(p *int) *int32 {
	if p == nil {
		return nil
	}
	v := int32(*p)
	return &v
}

func titleFromRow(r catalogsql.Title) Title {
	return Title{
		ID: r.ID, Kind: Kind(r.Kind), Status: Status(r.Status), DefaultLanguage: r.DefaultLanguage,
		Localizations: decodeLocalizations(r.Localizations), Genres: r.Genres, Tags: r.Tags,
		Rating:          decodeRating(r.Rating),
		Availability:    Availability{Start: r.AvailableFrom, End: r.AvailableUntil, Countries: r.Countries},
		DurationSeconds: intPtr(r.DurationSeconds), ReleaseYear: intPtr(r.ReleaseYear), Vertical: r.Vertical,
		AssetID: r.AssetID, Artwork: decodeArtwork(r.Artwork), SeriesID: r.SeriesID, SeasonID: r.SeasonID,
		SeasonNumber: intPtr(r.SeasonNumber), EpisodeNumber: intPtr(r.EpisodeNumber), CreatorID: r.CreatorID,
		PublishedAt: r.PublishedAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// searchColumns builds a title's search text: every localized title (weighted
// more, and matched by trigrams) and the synopses, genres and tags.
func (t Title) searchColumns() (sortTitle, searchTitle, searchBody string) {
	var titles, body []string
	for _, l := range t.Localizations {
		titles = append(titles, l.Title)
		if l.Synopsis != "" {
			body = append(body, l.Synopsis)
		}
	}
	body = append(body, t.Genres...)
	body = append(body, t.Tags...)
	return strings.ToLower(t.DisplayTitle()), strings.Join(titles, " \u2022 "), strings.Join(body, " ")
}

func insertTitleParams(tenant TenantID, t Title) catalogsql.InsertTitleParams {
	sortT, searchT, body := t.searchColumns()
	return catalogsql.InsertTitleParams{
		TenantID: tenant, ID: t.ID, Kind: string(t.Kind), Status: string(t.Status), DefaultLanguage: t.DefaultLanguage,
		Localizations: encodeLocalizations(t.Localizations), Genres: t.Genres, Tags: t.Tags, Rating: encodeRating(t.Rating),
		AvailableFrom: t.Availability.Start, AvailableUntil: t.Availability.End, Countries: t.Availability.Countries,
		DurationSeconds: int32Ptr(t.DurationSeconds), ReleaseYear: int32Ptr(t.ReleaseYear), Vertical: t.Vertical,
		AssetID: t.AssetID, Artwork: encodeArtwork(t.Artwork), SeriesID: t.SeriesID, SeasonID: t.SeasonID,
		SeasonNumber: int32Ptr(t.SeasonNumber), EpisodeNumber: int32Ptr(t.EpisodeNumber), CreatorID: t.CreatorID,
		PublishedAt: t.PublishedAt, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
		SortTitle: sortT, SearchTitle: searchT, SearchBody: body,
	}
}

func updateTitleParams(tenant TenantID, t Title) catalogsql.UpdateTitleParams {
	p := insertTitleParams(tenant, t)
	return catalogsql.UpdateTitleParams{
		Status: p.Status, DefaultLanguage: p.DefaultLanguage, Localizations: p.Localizations, Genres: p.Genres,
		Tags: p.Tags, Rating: p.Rating, AvailableFrom: p.AvailableFrom, AvailableUntil: p.AvailableUntil,
		Countries: p.Countries, DurationSeconds: p.DurationSeconds, ReleaseYear: p.ReleaseYear, Vertical: p.Vertical,
		AssetID: p.AssetID, Artwork: p.Artwork, SeriesID: p.SeriesID, SeasonID: p.SeasonID, SeasonNumber: p.SeasonNumber,
		EpisodeNumber: p.EpisodeNumber, CreatorID: p.CreatorID, PublishedAt: p.PublishedAt, UpdatedAt: p.UpdatedAt,
		SortTitle: p.SortTitle, SearchTitle: p.SearchTitle, SearchBody: p.SearchBody, TenantID: tenant, ID: t.ID,
	}
}

func seriesFromRow(r catalogsql.Series) Series {
	return Series{ID: r.ID, Status: Status(r.Status), DefaultLanguage: r.DefaultLanguage,
		Localizations: decodeLocalizations(r.Localizations), Genres: r.Genres, Tags: r.Tags,
		Rating: decodeRating(r.Rating), Artwork: decodeArtwork(r.Artwork), PublishedAt: r.PublishedAt,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func seasonFromRow(r catalogsql.Season) Season {
	return Season{ID: r.ID, SeriesID: r.SeriesID, Number: int(r.Number), Name: r.Name, Synopsis: r.Synopsis,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func creatorFromRow(r catalogsql.Creator) Creator {
	return Creator{ID: r.ID, Handle: r.Handle, Name: r.Name, Bio: r.Bio, Avatar: decodeImage(r.Avatar),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func collectionFromRow(r catalogsql.Collection) Collection {
	c := Collection{ID: r.ID, Kind: CollectionKind(r.Kind), Name: r.Name, Description: r.Description,
		CreatorID: r.CreatorID, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if c.Kind == CollectionRule {
		kinds := make([]Kind, len(r.RuleKinds))
		for i, k := range r.RuleKinds {
			kinds[i] = Kind(k)
		}
		c.Rule = &Rule{Kinds: kinds, Genres: r.RuleGenres, Tags: r.RuleTags, YearFrom: intPtr(r.RuleYearFrom),
			YearTo: intPtr(r.RuleYearTo), Sort: Sort(r.RuleSort)}
	}
	return c
}

// ruleColumns flattens a collection's rule (none for hand-picked ones).
func (c Collection) ruleColumns() (kinds, genres, tags []string, from, to *int32, sort string) {
	kinds, genres, tags, sort = []string{}, []string{}, []string{}, string(SortNewest)
	if r := c.Rule; r != nil {
		for _, k := range r.Kinds {
			kinds = append(kinds, string(k))
		}
		genres, tags, from, to, sort = r.Genres, r.Tags, int32Ptr(r.YearFrom), int32Ptr(r.YearTo), string(r.Sort)
	}
	return
}

func railFromRow(r catalogsql.Rail) Rail {
	return Rail{ID: r.ID, CollectionID: r.CollectionID, Heading: r.Heading, Position: int(r.Position), CreatedAt: r.CreatedAt}
}
