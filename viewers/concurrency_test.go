package viewers_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/mail"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/viewers"
)

func service(tb testing.TB) (*viewers.Service, *mail.Folder) {
	tb.Helper()
	signer, err := viewers.NewSigner([]byte(strings.Repeat("s", 32)))
	if err != nil {
		tb.Fatal(err)
	}
	box := &mail.Folder{Dir: filepath.Join(tb.TempDir(), "mail")}
	return &viewers.Service{DB: testenv.DB(tb), Mail: box, Signer: signer}, box
}

func mustViewer(tb testing.TB, s *viewers.Service, box *mail.Folder, tenant viewers.TenantID, email string) viewers.Tokens {
	tb.Helper()
	ctx := context.Background()
	if err := s.SignUp(ctx, tenant, viewers.SignUpInput{Email: email, Password: "correct-horse-42"}); err != nil {
		tb.Fatal(err)
	}
	msgs, err := box.List(email)
	if err != nil || len(msgs) == 0 {
		tb.Fatalf("no code mailed: %v", err)
	}
	code := msgs[0].Text[strings.Index(msgs[0].Text, ": ")+2:][:6]
	tok, err := s.VerifyEmail(ctx, tenant, email, code, "correct-horse-42", viewers.DeviceInput{Name: "Laptop", Platform: viewers.PlatformWeb})
	if err != nil {
		tb.Fatal(err)
	}
	return tok
}

// Invariant: of simultaneous exchanges of one refresh token, exactly one gets
// a new pair; the others see a reuse, which revokes the family, so the
// winner's new refresh token is revoked as well.
func TestConcurrentRefreshesOfOneTokenYieldOnePair(t *testing.T) {
	s, box := service(t)
	tenant := testenv.MustTenant(t, s.DB)
	tok := mustViewer(t, s, box, tenant, "race@example.com")
	var wg sync.WaitGroup
	results := make([]error, 8)
	pairs := make([]viewers.Tokens, 8)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pairs[i], results[i] = s.Refresh(context.Background(), tenant, tok.RefreshToken)
		}()
	}
	wg.Wait()
	won := -1
	for i, err := range results {
		switch {
		case err == nil && won >= 0:
			t.Fatalf("two refreshes of one token succeeded")
		case err == nil:
			won = i
		case !errs.Is(err, errs.KindUnauthorized):
			t.Fatalf("refresh %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no refresh succeeded")
	}
	if _, err := s.Refresh(context.Background(), tenant, pairs[won].RefreshToken); !errs.Is(err, errs.KindUnauthorized) {
		t.Fatalf("the winner's token after the family's revocation: %v", err)
	}
}

// Invariant: simultaneous sign-ins on new devices never take the account
// past its device limit.
func TestConcurrentSignInsStayWithinTheDeviceLimit(t *testing.T) {
	s, box := service(t)
	tenant := testenv.MustTenant(t, s.DB)
	if err := s.SetDeviceLimit(context.Background(), tenant, 3); err != nil {
		t.Fatal(err)
	}
	tok := mustViewer(t, s, box, tenant, "many@example.com") // device 1
	var wg sync.WaitGroup
	errsOut := make([]error, 6)
	for i := range errsOut {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errsOut[i] = s.SignIn(context.Background(), tenant, viewers.SignInInput{Email: "many@example.com", Password: "correct-horse-42",
				Device: viewers.DeviceInput{Name: "TV", Platform: viewers.PlatformRoku}})
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errsOut {
		if err == nil {
			ok++
		} else if !errs.Is(err, errs.KindConflict) {
			t.Fatal(err)
		}
	}
	devices, err := s.Devices(context.Background(), tenant, tok.Viewer)
	if err != nil {
		t.Fatal(err)
	}
	if ok != 2 || len(devices) != 3 {
		t.Fatalf("%d sign-ins succeeded, %d devices; want 2 and 3", ok, len(devices))
	}
}
