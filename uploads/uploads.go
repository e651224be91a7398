// Package uploads brings files into a tenant's blob storage: resumable
// uploads (the tus protocol; the HTTP side is api/uploads.go, this package
// only decides and records), fetches from a URL in the background, and
// sidecar captions (SRT, WebVTT) and extra audio tracks with their language
// and kind. It enforces the size and type limits and the tenant's storage
// quota (tenants.Quotas) before a byte is taken, checks captions when they
// arrive (SRT is converted to WebVTT beside the source), and records each
// completed file with its size and SHA-256, emitting upload.completed in the
// same transaction: the ingest workflow starts from that event.
//
// It is not for what a file is once it is in (probing, transcoding: package
// media) nor for where it belongs in the catalog (package catalog).
package uploads

import (
	"mime"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
)

// ID identifies an upload.
type ID = uuid.UUID

// Kind is what an upload is for.
type Kind string

// Kinds.
const (
	KindSource  Kind = "source"  // a title's video, to be ingested
	KindCaption Kind = "caption" // a sidecar SRT or WebVTT file
	KindAudio   Kind = "audio"   // an extra audio track (another language, descriptive audio)
)

// TrackKind says what a sidecar track is for.
type TrackKind string

// Track kinds; empty is none (a source, or an ordinary dubbed audio track).
const (
	TrackSubtitles        TrackKind = "subtitles"         // a translation of the dialogue
	TrackCaptions         TrackKind = "captions"          // for the deaf and hard of hearing (SDH): dialogue and sounds
	TrackDescriptiveAudio TrackKind = "descriptive_audio" // audio description for the blind and partially sighted
)

// State is where an upload is.
type State string

// States: pending (created, no bytes yet) → uploading → complete or failed.
const (
	StatePending   State = "pending"
	StateUploading State = "uploading"
	StateComplete  State = "complete"
	StateFailed    State = "failed"
)

// Upload is one file coming into (or in) a tenant's storage.
type Upload struct {
	ID          ID
	Tenant      tenants.ID
	Kind        Kind
	State       State
	Filename    string
	ContentType string
	Language    string    // BCP 47 (en, pt-BR); empty for sources
	TrackKind   TrackKind // empty for sources and ordinary audio tracks
	// Size is the declared size (tus) or, for a URL, the size once known.
	Size     int64
	Received int64
	SHA256   string // hex, once complete
	// Key is the blob key of the file once complete:
	// tenants/{tenant}/uploads/{id}/source.
	Key string
	// CaptionsKey is the WebVTT version of captions, once complete: the
	// source itself when it was WebVTT, captions.vtt beside it when it was SRT.
	CaptionsKey string
	SourceURL   string // for a URL ingest
	Failure     string // why it failed, for people
	// AutoIngest: the upload is ingested as soon as it completes (a source
	// only), onto IngestTitle when not nil. See package lifecycle.
	AutoIngest  bool
	IngestTitle *uuid.UUID
	CreatedBy   *uuid.UUID
	CreatedAt   time.Time
	CompletedAt *time.Time
}

// Progress is the fraction received, 0 to 1 (0 while the size is unknown).
func (u Upload) Progress() float64 {
	switch {
	case u.State == StateComplete:
		return 1
	case u.Size <= 0:
		return 0
	}
	return min(float64(u.Received)/float64(u.Size), 1)
}

// Prefix is where a tenant's uploads live in blob storage.
func Prefix(tenant tenants.ID, id ID) string {
	return "tenants/" + tenant.String() + "/uploads/" + id.String() + "/"
}

// SourceKey is where an upload's bytes are stored once complete.
func SourceKey(tenant tenants.ID, id ID) string { return Prefix(tenant, id) + "source" }

// captionsKey is where captions converted to WebVTT are stored.
func captionsKey(tenant tenants.ID, id ID) string { return Prefix(tenant, id) + "captions.vtt" }

// CreateInput starts a resumable upload.
type CreateInput struct {
	Filename    string
	Size        int64
	ContentType string
	Kind        Kind
	Language    *string
	TrackKind   *TrackKind
	// AutoIngest: ingest the source as soon as it completes, onto TitleID
	// when given (see AutoIngest).
	AutoIngest bool
	TitleID    *uuid.UUID
}

// AutoIngest asks for a source upload to be ingested as soon as it completes,
// without a second call: upload.completed carries the request and package
// lifecycle starts the ingest from it.
type AutoIngest struct {
	Enabled bool
	// Title, when not nil, gets the asset once it is READY.
	Title *uuid.UUID
}

// URLInput fetches a file from a URL.
type URLInput struct {
	URL         string
	Filename    *string // default: the URL's last path segment
	ContentType *string // default: what the server says
	Kind        Kind
	Language    *string
	TrackKind   *TrackKind
	// AutoIngest: ingest the source as soon as it completes, onto TitleID
	// when given (see AutoIngest).
	AutoIngest bool
	TitleID    *uuid.UUID
}

// Limits are what an upload may be, per kind. The storage quota
// (tenants.Quotas) comes on top.
type Limits struct {
	MaxSourceBytes, MaxCaptionBytes, MaxAudioBytes int64
	SourceTypes, CaptionTypes, AudioTypes          []string // content types, lower case
}

func (l Limits) forKind(k Kind) (maxBytes int64, types []string) {
	switch k {
	case KindSource:
		return l.MaxSourceBytes, l.SourceTypes
	case KindCaption:
		return l.MaxCaptionBytes, l.CaptionTypes
	case KindAudio:
		return l.MaxAudioBytes, l.AudioTypes
	}
	return 0, nil
}

// captionExts are the caption formats we read.
var captionExts = []string{".srt", ".vtt"}

// meta is the validated description of an upload.
type meta struct {
	kind        Kind
	filename    string
	contentType string
	language    string
	track       TrackKind
	ingest      AutoIngest
}

// validateMeta checks what every upload declares; size is checked apart
// because a URL's is known only later.
func (l Limits) validateMeta(kind Kind, filename, contentType string, language *string, track *TrackKind) (meta, error) {
	m := meta{kind: kind, filename: strings.TrimSpace(filename), contentType: normalizeType(contentType)}
	_, types := l.forKind(kind)
	if types == nil {
		return m, errs.InvalidField("kind", "unknown upload kind %q: use SOURCE, CAPTION or AUDIO", kind)
	}
	if m.filename == "" || len(m.filename) > 255 || strings.ContainsAny(m.filename, "/\\\x00") {
		return m, errs.InvalidField("filename", "give the file's name (at most 255 characters, no slashes)")
	}
	if err := l.checkType(kind, m.contentType); err != nil {
		return m, err
	}
	if kind == KindCaption && !slices.Contains(captionExts, strings.ToLower(path.Ext(m.filename))) {
		return m, errs.InvalidField("filename", "captions must be SRT (.srt) or WebVTT (.vtt) files")
	}
	if language != nil {
		m.language = strings.TrimSpace(*language)
	}
	switch {
	case kind == KindSource && m.language != "":
		// A source's languages are in its streams; media probes them.
		return m, errs.InvalidField("language", "a source's language is read from the file: give a language only for captions and audio tracks")
	case kind != KindSource && m.language == "":
		return m, errs.InvalidField("language", "give the %s track's language (a BCP 47 tag such as en or pt-BR)", kind)
	case m.language != "" && !validLanguage(m.language):
		return m, errs.InvalidField("language", "%q is not a language tag (BCP 47, such as en, es-419 or pt-BR)", m.language)
	}
	if track != nil {
		m.track = *track
	}
	switch kind {
	case KindSource:
		if m.track != "" {
			return m, errs.InvalidField("captionKind", "a source has no caption kind")
		}
	case KindCaption:
		if m.track == "" {
			m.track = TrackSubtitles
		}
		if m.track != TrackSubtitles && m.track != TrackCaptions {
			return m, errs.InvalidField("captionKind", "captions are SUBTITLES or CAPTIONS (for the deaf and hard of hearing)")
		}
	case KindAudio:
		if m.track != "" && m.track != TrackDescriptiveAudio {
			return m, errs.InvalidField("captionKind", "an audio track is DESCRIPTIVE_AUDIO or has no kind")
		}
	}
	return m, nil
}

// checkType refuses a content type the kind does not accept.
func (l Limits) checkType(kind Kind, contentType string) error {
	if _, types := l.forKind(kind); !slices.Contains(types, normalizeType(contentType)) {
		return errs.InvalidField("contentType", "%q is not accepted for a %s upload: use one of %s",
			contentType, kind, strings.Join(types, ", "))
	}
	return nil
}

// checkSize refuses a size over the kind's limit.
func (l Limits) checkSize(kind Kind, size int64) error {
	maxBytes, _ := l.forKind(kind)
	if size < 0 {
		return errs.InvalidField("size", "the size cannot be negative")
	}
	if size == 0 {
		return errs.InvalidField("size", "the file is empty")
	}
	if maxBytes > 0 && size > maxBytes {
		return errs.InvalidField("size", "a %s upload may be at most %d bytes; this one is %d", kind, maxBytes, size)
	}
	return nil
}

// normalizeType lower-cases a content type and drops its parameters.
func normalizeType(ct string) string {
	if t, _, err := mime.ParseMediaType(ct); err == nil {
		return t
	}
	return strings.ToLower(strings.TrimSpace(ct))
}

// validLanguage accepts BCP 47-shaped tags: a 2–3 letter primary language
// and subtags of 1–8 letters or digits. (Whether the language exists is the
// player's concern; a malformed tag would break manifests.)
func validLanguage(tag string) bool {
	parts := strings.Split(tag, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 || len(tag) > 35 {
		return false
	}
	for i, p := range parts {
		if len(p) == 0 || len(p) > 8 {
			return false
		}
		for _, c := range p {
			letter := (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
			if !letter && (i == 0 || c < '0' || c > '9') {
				return false
			}
		}
	}
	return true
}
