package viewers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/testenv"
)

func age(n int) *int { return &n }

func TestProfileAllowsUpToItsCeiling(t *testing.T) {
	kid := Profile{Kids: true, RatingCeiling: &catalog.Rating{System: "MPAA", Value: "PG", MinAge: age(8)}}
	for _, c := range []struct {
		r    *catalog.Rating
		want bool
	}{
		{nil, false}, // unrated: unknown, so not under a ceiling
		{&catalog.Rating{System: "MPAA", Value: "G", MinAge: age(0)}, true},
		{&catalog.Rating{System: "BBFC", Value: "PG", MinAge: age(8)}, true},
		{&catalog.Rating{System: "MPAA", Value: "PG-13", MinAge: age(13)}, false},
		{&catalog.Rating{System: "MPAA", Value: "PG"}, true}, // no age: the ceiling's own rating only
		{&catalog.Rating{System: "MPAA", Value: "R"}, false},
	} {
		if got := kid.Allows(c.r); got != c.want {
			t.Errorf("Allows(%+v) = %v, want %v", c.r, got, c.want)
		}
	}
	if !(Profile{}).Allows(nil) || !(Profile{}).Allows(&catalog.Rating{System: "MPAA", Value: "NC-17", MinAge: age(18)}) {
		t.Error("a profile without a ceiling refused something")
	}
}

// Invariant: an access token verifies only with the key it was signed with,
// for the tenant it names as audience, before it expires; a token of the
// right key for another tenant is refused like garbage.
func TestAccessTokensAreBoundToKeyTenantAndTime(t *testing.T) {
	secret := []byte(strings.Repeat("k", 32))
	s, err := NewSigner(secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewSigner([]byte("short")); err == nil {
		t.Fatal("a short secret was accepted")
	}
	other, _ := NewSigner([]byte(strings.Repeat("x", 32)))
	now := time.Now()
	p := Principal{Tenant: uuid.New(), Viewer: uuid.New(), Profile: uuid.New(), Device: uuid.New()}
	tok, err := s.sign(p, now)
	if err != nil || !LooksLikeAccessToken(tok) {
		t.Fatalf("sign: %q %v", tok, err)
	}
	if got, _, err := s.verify(tok, p.Tenant, now.Add(AccessTTL-time.Second)); err != nil || got != p {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	for name, fn := range map[string]func() error{
		"expired":      func() error { _, _, err := s.verify(tok, p.Tenant, now.Add(AccessTTL+time.Second)); return err },
		"other tenant": func() error { _, _, err := s.verify(tok, uuid.New(), now); return err },
		"other key":    func() error { _, _, err := other.verify(tok, p.Tenant, now); return err },
		"tampered":     func() error { _, _, err := s.verify(tok[:len(tok)-2]+"xx", p.Tenant, now); return err },
		"alg none":     func() error { _, _, err := s.verify("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", p.Tenant, now); return err },
		"empty":        func() error { _, _, err := s.verify("", p.Tenant, now); return err },
		"refresh as jwt": func() error {
			_, _, err := s.verify(newSecret(p.Tenant, uuid.New()).format(prefixRefresh), p.Tenant, now)
			return err
		},
	} {
		if err := fn(); err != errBadAccess {
			t.Errorf("%s: %v, want the one refusal", name, err)
		}
	}
	// Signing out revokes in this process at once: the clock reads a
	// millisecond after tok was issued.
	svc := &Service{Signer: s, Now: func() time.Time { return now.Add(time.Millisecond) }}
	if _, err := svc.Authenticate(context.Background(), p.Tenant, tok); err != nil {
		t.Fatal(err)
	}
	svc.revoke(p.Device)
	if _, err := svc.Authenticate(context.Background(), p.Tenant, tok); err != errBadAccess {
		t.Fatalf("a revoked device's token: %v", err)
	}
	// A token issued after the revocation (signing in again) works, even in
	// the revocation's own millisecond.
	later, _ := s.sign(p, now.Add(time.Millisecond))
	if _, err := svc.Authenticate(context.Background(), p.Tenant, later); err != nil {
		t.Fatalf("a token issued after the revocation: %v", err)
	}
}

func TestUserCodes(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		c := newUserCode()
		n, ok := normalizeUserCode(c)
		if !ok || n != c || len(c) != 9 {
			t.Fatalf("code %q normalizes to %q, %v", c, n, ok)
		}
		seen[c] = true
	}
	if len(seen) < 199 {
		t.Fatalf("%d distinct codes of 200", len(seen))
	}
	for in, want := range map[string]string{"bcdf-ghjk": "BCDF-GHJK", " BCDF GHJK ": "BCDF-GHJK", "bcdfghjk": "BCDF-GHJK"} {
		if got, ok := normalizeUserCode(in); !ok || got != want {
			t.Errorf("normalizeUserCode(%q) = %q, %v", in, got, ok)
		}
	}
	for _, bad := range []string{"", "BCDF-GHJ", "BCDF-GHJKL", "ABCD-EFGH", "0000-0000", "BCDF-GHJ1"} {
		if _, ok := normalizeUserCode(bad); ok {
			t.Errorf("normalizeUserCode(%q) accepted", bad)
		}
	}
}

// The user code and the opaque secrets are parsed from outside input.
func FuzzNormalizeUserCode(f *testing.F) {
	for _, s := range []string{"BCDF-GHJK", "bcdfghjk", "", "----", "ẞẞẞẞ-ẞẞẞẞ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, ok := normalizeUserCode(s); ok {
			if len(c) != 9 || c[4] != '-' || strings.Trim(c[:4]+c[5:], userCodeAlphabet) != "" {
				t.Fatalf("%q → %q", s, c)
			}
		}
	})
}

func FuzzParseSecret(f *testing.F) {
	f.Add(newSecret(uuid.New(), uuid.New()).format(prefixRefresh))
	f.Add("mqr_")
	f.Add("mqr_!!!")
	f.Fuzz(func(t *testing.T, s string) {
		if sec, ok := parseSecret(s, prefixRefresh); ok {
			if got, ok := parseSecret(sec.format(prefixRefresh), prefixRefresh); !ok || got.id != sec.id || got.tenant != sec.tenant {
				t.Fatalf("round trip of %q failed", s)
			}
		}
	})
}

// BenchmarkAuthenticate is the cost of a viewer request's token check: a JWT
// signature and claims, no database.
func BenchmarkAuthenticate(b *testing.B) {
	s, _ := NewSigner([]byte(strings.Repeat("k", 32)))
	svc := &Service{Signer: s}
	p := Principal{Tenant: uuid.New(), Viewer: uuid.New(), Profile: uuid.New(), Device: uuid.New()}
	tok, _ := s.sign(p, time.Now())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, p.Tenant, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// A revocation in one API process reaches the others through PostgreSQL:
// process b refuses a token process a revoked, without waiting for it to
// expire, and still accepts a token issued afterwards.
func TestRevocationReachesOtherProcesses(t *testing.T) {
	d := testenv.DB(t)
	signer, err := NewSigner([]byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	a, b := &Service{DB: d, Signer: signer}, &Service{DB: d, Signer: signer}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Listen(ctx) }()
	t.Cleanup(func() { stop(); <-done })

	p := Principal{Tenant: uuid.New(), Viewer: uuid.New(), Profile: uuid.New(), Device: uuid.New()}
	old, err := signer.sign(p, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Authenticate(ctx, p.Tenant, old); err != nil {
		t.Fatal(err)
	}
	// b may not be listening yet when a announces: announce until b hears.
	deadline := time.Now().Add(10 * time.Second)
	for {
		a.revoke(p.Device)
		if _, err := b.Authenticate(ctx, p.Tenant, old); err == errBadAccess {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("process b still accepts the token process a revoked")
		}
		time.Sleep(50 * time.Millisecond)
	}
	fresh, _ := signer.sign(p, time.Now().Add(time.Millisecond))
	if _, err := b.Authenticate(ctx, p.Tenant, fresh); err != nil {
		t.Fatalf("a token issued after the revocation: %v", err)
	}
}
