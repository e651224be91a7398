package console_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/platform/platformtest"
)

// An owner turns "encrypt new assets" on from the Security page and the
// ingest would encrypt; an editor, who cannot manage the workspace, does not
// see the control.
func TestSecurityPageTogglesEncryptNewAssets(t *testing.T) {
	m := platformtest.Start(t, nil)
	tn := platformtest.SignUp(t, m)
	b := newBrowser(t)
	signIn(b, m.URL(), tn.Slug, tn.Email)

	b.open("#/security")
	b.wait("the content protection card", `document.getElementById('encrypt-new-assets') && document.getElementById('encrypt-new-assets').checked === false`)
	b.labelled()
	b.click("encrypt-new-assets")
	b.wait("saved on", `document.getElementById('encrypt-new-assets').dataset.saved === 'true'`)
	b.noBanner()
	if on, err := m.ContentKeys.EncryptNewAssets(context.Background(), uuid.MustParse(tn.ID)); err != nil || !on {
		t.Fatalf("setting after the toggle: %v, %v", on, err)
	}
	b.open("#/overview")
	b.open("#/security")
	b.wait("still on after a reload", `document.getElementById('encrypt-new-assets')?.checked === true`)

	email := "ed-" + suffix() + "@" + tn.Slug + ".example.com"
	platformtest.AddStaff(t, m, tn, email, "EDITOR")
	ed := newBrowser(t)
	signIn(ed, m.URL(), tn.Slug, email)
	ed.open("#/security")
	ed.wait("security loaded", `document.getElementById('session-list')?.dataset.loaded === 'true'`)
	if eval[bool](ed, `!!document.getElementById('encryption-card')`) {
		t.Error("an editor sees the encryption setting")
	}
}
