package assets_test

import (
	"context"
	"testing"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/testenv"
	"github.com/marquee-ott/marquee/uploads"
)

// Only a PROCESSING asset is marked encrypted (the ingest does it before the
// upload); marking it again changes nothing, a PENDING one is a Conflict and
// another tenant's is NotFound.
func TestMarkEncrypted(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	tenant, other := testenv.MustTenant(t, f.db), testenv.MustTenant(t, f.db)
	a, err := f.assets.Create(ctx, tenant, f.mustUpload(t, tenant, uploads.KindSource, "video/mp4", []byte("video")))
	if err != nil {
		t.Fatal(err)
	}
	if a.Encrypted {
		t.Fatal("a new asset is encrypted")
	}
	if _, err := f.assets.MarkEncrypted(ctx, tenant, a.ID); !errs.Is(err, errs.KindConflict) {
		t.Errorf("a PENDING asset: %v, want Conflict", err)
	}
	if _, err := f.assets.MarkProcessing(ctx, tenant, a.ID); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		got, err := f.assets.MarkEncrypted(ctx, tenant, a.ID)
		if err != nil || !got.Encrypted {
			t.Fatalf("mark %d: %+v, %v", i, got, err)
		}
	}
	if _, err := f.assets.MarkEncrypted(ctx, other, a.ID); !errs.Is(err, errs.KindNotFound) {
		t.Errorf("another tenant: %v, want NotFound", err)
	}
	if got, _ := f.assets.Get(ctx, tenant, a.ID); !got.Encrypted {
		t.Error("the mark did not stick")
	}
}
