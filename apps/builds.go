package apps

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/errs"
)

// BuildID identifies one build.
type BuildID = uuid.UUID

// BuildStatus is where a build stands. Builds of one platform of one
// workspace run one at a time, oldest first: a build requested while
// another of its platform is QUEUED or RUNNING stays QUEUED until they end.
type BuildStatus string

// Build statuses.
const (
	StatusQueued    BuildStatus = "QUEUED"
	StatusRunning   BuildStatus = "RUNNING"
	StatusSucceeded BuildStatus = "SUCCEEDED"
	StatusFailed    BuildStatus = "FAILED"
)

// Finished reports whether a build in s has ended.
func (s BuildStatus) Finished() bool { return s == StatusSucceeded || s == StatusFailed }

// Trigger is why a build was made.
type Trigger string

// Triggers: a staff member asked, or the branding changed and the
// platform rebuilds on branding changes (Settings.AutoRebuild).
const (
	TriggerManual   Trigger = "MANUAL"
	TriggerBranding Trigger = "BRANDING"
)

// Build is one build of one platform's app.
type Build struct {
	ID          BuildID
	TenantID    uuid.UUID
	Platform    Platform
	Version     string // semantic version, "1.4.0"
	BuildNumber int    // per workspace and platform, only goes up
	Status      BuildStatus
	Trigger     Trigger
	RequestedBy string // a staff member's or key's label, or "" for a rebuild
	Warnings    []string
	Error       string // why it FAILED
	// ArtifactName and ArtifactSize describe the download (SUCCEEDED).
	ArtifactName string
	ArtifactSize int64
	HasArtifact  bool
	HasListing   bool // a store listing pack was made
	HasLog       bool // the full log is in blob storage (finished)
	CreatedAt    time.Time
	StartedAt    *time.Time
	FinishedAt   *time.Time

	artifactKey, listingKey, logKey, brandingHash string
}

// LogLine is one line of a build's log, numbered from 1.
type LogLine struct {
	No   int
	Text string
}

// BuildPage asks for a page of builds, newest first.
type BuildPage struct {
	Platform *Platform
	First    int    // 1 to 100; 0 means 20
	After    string // a Build.Cursor
}

type buildCursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// Cursor is the opaque position just after b in a listing.
func (b Build) Cursor() string {
	j, _ := json.Marshal(buildCursor{At: b.CreatedAt, ID: b.ID})
	return base64.RawURLEncoding.EncodeToString(j)
}

func (p BuildPage) cursor() (*buildCursor, error) {
	if p.After == "" {
		return nil, nil
	}
	var c buildCursor
	j, err := base64.RawURLEncoding.DecodeString(p.After)
	if err != nil || json.Unmarshal(j, &c) != nil {
		return nil, errs.InvalidField("after", "malformed cursor")
	}
	return &c, nil
}

// Settings is a workspace's app configuration beside its branding.
type Settings struct {
	// BundleID is the reverse-DNS application id; empty means
	// DefaultBundleID(slug).
	BundleID    string
	Version     Version // Build is ignored: each build numbers itself
	Description string
	Keywords    []string
	// Name replaces the branding's app name in the apps (for a name too long
	// for a store); ShortName is the home-screen label (≤ 12).
	Name, ShortName string
	// AutoRebuild lists the platforms rebuilt when the branding changes.
	AutoRebuild []Platform
	UpdatedAt   time.Time
}

// SettingsUpdate changes some settings; nil fields stay as they are.
type SettingsUpdate struct {
	BundleID     *string
	Major, Minor *int
	Patch        *int
	Description  *string
	Keywords     *[]string
	Name         *string
	ShortName    *string
	AutoRebuild  *[]Platform
}

// DefaultBundleID is tv.marquee.<slug> with the slug's characters that a
// bundle id segment cannot hold removed ("acme-tv" → "tv.marquee.acmetv").
func DefaultBundleID(slug string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(slug) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	seg := b.String()
	if seg == "" || seg[0] < 'a' {
		seg = "app" + seg
	}
	return "tv.marquee." + seg
}
