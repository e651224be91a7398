package viewers

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/tenants"
	"github.com/marquee-ott/marquee/viewers/internal/viewersql"
)

// ProfileInput is a new profile. A kids profile needs a RatingCeiling, with
// its MinAge (the catalog's ratings carry the minimum age they mean).
type ProfileInput struct {
	Name          string
	Avatar        *string
	Language      *string
	Kids          *bool
	RatingCeiling *catalog.Rating
	// Pin locks the profile: selecting it needs these 4 digits.
	Pin *string
}

// ProfileUpdate changes a profile; nil fields stay. A RatingCeiling with an
// empty System removes the ceiling (not allowed on a kids profile); an empty
// Pin removes the PIN.
type ProfileUpdate struct {
	Name          *string
	Avatar        *string
	Language      *string
	Kids          *bool
	RatingCeiling *catalog.Rating
	Pin           *string
}

var (
	avatarRe   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)
	languageRe = regexp.MustCompile(`^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$`)
	pinRe      = regexp.MustCompile(`^[0-9]{4}$`)
)

// pinHash hashes a new PIN ("" for none) after checking its shape.
func pinHash(pin string) (string, error) {
	if pin == "" {
		return "", nil
	}
	if !pinRe.MatchString(pin) {
		return "", errs.InvalidField("pin", "a profile PIN is 4 digits")
	}
	return tenants.HashPassword(pin), nil
}

func errNoProfile(id ProfileID) error { return errs.NotFound("no profile %s", id) }

var errSelectProfile = errs.Invalid("select a profile first (selectProfile)")

func validProfileName(n string) error {
	if n == "" || len([]rune(n)) > 40 {
		return errs.InvalidField("name", "a profile name is 1 to 40 characters")
	}
	return nil
}

func (p *Profile) validate() error {
	p.Name = strings.TrimSpace(p.Name)
	if err := validProfileName(p.Name); err != nil {
		return err
	}
	if p.Avatar != "" && !avatarRe.MatchString(p.Avatar) {
		return errs.InvalidField("avatar", "an avatar is one of the app's avatar ids: lowercase letters, digits, - and _, up to 40")
	}
	if p.Language != "" && (!languageRe.MatchString(p.Language) || len(p.Language) > 35) {
		return errs.InvalidField("language", "%q is not a BCP 47 language tag (like en or pt-BR)", p.Language)
	}
	if c := p.RatingCeiling; c != nil {
		c.System, c.Value = strings.TrimSpace(c.System), strings.TrimSpace(c.Value)
		switch {
		case c.System == "" || len(c.System) > 20 || c.Value == "" || len(c.Value) > 20:
			return errs.InvalidField("ratingCeiling", "a rating ceiling has a system and a value (e.g. MPAA, PG), each up to 20 characters")
		case c.MinAge == nil || *c.MinAge < 0 || *c.MinAge > 21:
			return errs.InvalidField("ratingCeiling", "a rating ceiling needs the minimum age its rating means, 0 to 21")
		}
	}
	if p.Kids && p.RatingCeiling == nil {
		return errs.InvalidField("ratingCeiling", "a kids profile needs a rating ceiling")
	}
	return nil
}

// CreateProfile adds a profile to the principal's account, up to MaxProfiles.
func (s *Service) CreateProfile(ctx context.Context, p Principal, in ProfileInput) (Profile, error) {
	pr := Profile{ID: uuid.Must(uuid.NewV7()), Viewer: p.Viewer, Name: in.Name, Avatar: deref(in.Avatar), Language: deref(in.Language),
		Kids: deref(in.Kids), RatingCeiling: in.RatingCeiling}
	if err := pr.validate(); err != nil {
		return Profile{}, err
	}
	var err error
	if pr.pinHash, err = pinHash(deref(in.Pin)); err != nil {
		return Profile{}, err
	}
	pr.PinProtected = pr.pinHash != ""
	err = s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		if err := q.LockViewer(ctx, viewersql.LockViewerParams{TenantID: p.Tenant, ID: p.Viewer}); err != nil {
			return err
		}
		n, err := q.CountProfiles(ctx, viewersql.CountProfilesParams{TenantID: p.Tenant, ViewerID: p.Viewer})
		if err != nil {
			return err
		}
		if n >= MaxProfiles {
			return errs.Conflict("an account has at most %d profiles", MaxProfiles)
		}
		pr.CreatedAt = s.now()
		return q.CreateProfile(ctx, viewersql.CreateProfileParams{TenantID: p.Tenant, ID: pr.ID, ViewerID: p.Viewer, Name: pr.Name,
			Avatar: pr.Avatar, Language: pr.Language, Kids: pr.Kids, RatingCeiling: encodeCeiling(pr.RatingCeiling), PinHash: pr.pinHash, CreatedAt: pr.CreatedAt})
	})
	if err != nil {
		return Profile{}, fmt.Errorf("viewers.CreateProfile: %w", err)
	}
	return pr, nil
}

// UpdateProfile changes one of the principal's profiles.
func (s *Service) UpdateProfile(ctx context.Context, p Principal, id ProfileID, up ProfileUpdate) (Profile, error) {
	var pr Profile
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		row, err := q.GetProfile(ctx, viewersql.GetProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id})
		if db.IsNoRows(err) {
			return errNoProfile(id)
		} else if err != nil {
			return err
		}
		pr = profileFromRow(row)
		if up.Name != nil {
			pr.Name = *up.Name
		}
		if up.Avatar != nil {
			pr.Avatar = *up.Avatar
		}
		if up.Language != nil {
			pr.Language = *up.Language
		}
		if up.Kids != nil {
			pr.Kids = *up.Kids
		}
		if up.RatingCeiling != nil {
			pr.RatingCeiling = up.RatingCeiling
			if up.RatingCeiling.System == "" {
				pr.RatingCeiling = nil
			}
		}
		if err := pr.validate(); err != nil {
			return err
		}
		if up.Pin != nil {
			if pr.pinHash, err = pinHash(*up.Pin); err != nil {
				return err
			}
			pr.PinProtected = pr.pinHash != ""
		}
		return q.UpdateProfile(ctx, viewersql.UpdateProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id, Name: pr.Name,
			Avatar: pr.Avatar, Language: pr.Language, Kids: pr.Kids, RatingCeiling: encodeCeiling(pr.RatingCeiling), PinHash: pr.pinHash})
	})
	if err != nil {
		return Profile{}, fmt.Errorf("viewers.UpdateProfile: %w", err)
	}
	return pr, nil
}

// DeleteProfile deletes one of the principal's profiles with its list and
// progress; tokens bound to it stop refreshing. The last profile stays.
func (s *Service) DeleteProfile(ctx context.Context, p Principal, id ProfileID) error {
	err := s.DB.InTenant(ctx, p.Tenant, func(tx db.Tx) error {
		q := viewersql.New(tx)
		if err := q.LockViewer(ctx, viewersql.LockViewerParams{TenantID: p.Tenant, ID: p.Viewer}); err != nil {
			return err
		}
		if _, err := q.GetProfile(ctx, viewersql.GetProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id}); db.IsNoRows(err) {
			return errNoProfile(id)
		} else if err != nil {
			return err
		}
		if n, err := q.CountProfiles(ctx, viewersql.CountProfilesParams{TenantID: p.Tenant, ViewerID: p.Viewer}); err != nil {
			return err
		} else if n <= 1 {
			return errs.Invalid("an account keeps at least one profile")
		}
		_, err := q.DeleteProfile(ctx, viewersql.DeleteProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: id})
		return err
	})
	if err != nil {
		return fmt.Errorf("viewers.DeleteProfile: %w", err)
	}
	return nil
}

// Profiles lists an account's profiles, oldest first.
func (s *Service) Profiles(ctx context.Context, tenant TenantID, viewer ViewerID) ([]Profile, error) {
	var out []Profile
	err := s.DB.ReadTenant(ctx, tenant, func(tx db.Querier) error {
		rows, err := viewersql.New(tx).ListProfiles(ctx, viewersql.ListProfilesParams{TenantID: tenant, ViewerID: viewer})
		out = make([]Profile, 0, len(rows))
		for _, r := range rows {
			out = append(out, profileFromRow(r))
		}
		return err
	})
	return out, err
}

// CurrentProfile is the principal's selected profile (for playback: its
// rating ceiling, through Profile.Allows). Without one selected it is Invalid.
func (s *Service) CurrentProfile(ctx context.Context, p Principal) (Profile, error) {
	if p.Profile == uuid.Nil {
		return Profile{}, errSelectProfile
	}
	var pr Profile
	err := s.DB.ReadTenant(ctx, p.Tenant, func(tx db.Querier) error {
		row, err := viewersql.New(tx).GetProfile(ctx, viewersql.GetProfileParams{TenantID: p.Tenant, ViewerID: p.Viewer, ID: p.Profile})
		if db.IsNoRows(err) {
			return errNoProfile(p.Profile)
		}
		pr = profileFromRow(row)
		return err
	})
	return pr, err
}

func profileFromRow(r viewersql.ViewerProfile) Profile {
	return Profile{ID: r.ID, Viewer: r.ViewerID, Name: r.Name, Avatar: r.Avatar, Language: r.Language, Kids: r.Kids,
		RatingCeiling: decodeCeiling(r.RatingCeiling), CreatedAt: r.CreatedAt, PinProtected: r.PinHash != "", pinHash: r.PinHash}
}
