package cdn_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/cdn"
	"github.com/marquee-ott/marquee/lifecycle"
	"github.com/marquee-ott/marquee/outbox"
)

// A purge reaches the receiver signed with the operator's secret, listing the
// asset's prefix and paths; a receiver with another secret rejects it, and a
// non-2xx answer is an error for the workflow to retry.
func TestHTTPPurgerSignsAndListsPaths(t *testing.T) {
	const secret = "purge-secret"
	var got cdn.Request
	var verr error
	status := http.StatusNoContent
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		verr = outbox.VerifySignature(secret, r.Header.Get(cdn.SignatureHeader), body, time.Now(), 5*time.Minute)
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("got %s %s", r.Method, r.Header.Get("Content-Type"))
		}
		if err := json.Unmarshal(body, &got); err != nil {
			t.Errorf("body: %v", err)
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	tenant, asset := uuid.New(), uuid.New()
	prefix := "tenants/" + tenant.String() + "/assets/" + asset.String() + "/"
	req := lifecycle.PurgeRequest{Tenant: tenant, Asset: asset, Prefix: prefix,
		Paths: []string{"/" + prefix + "hls/master.m3u8", "/" + prefix + "dash/manifest.mpd"}}
	p := &cdn.HTTPPurger{URL: srv.URL, Secret: secret}
	if err := p.Purge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if verr != nil {
		t.Fatalf("signature: %v", verr)
	}
	if got.Tenant != tenant.String() || got.Asset != asset.String() || got.Prefix != "/"+prefix ||
		len(got.Paths) != 2 || got.Paths[0] != req.Paths[0] || got.Paths[1] != req.Paths[1] {
		t.Fatalf("received %+v", got)
	}

	wrong := &cdn.HTTPPurger{URL: srv.URL, Secret: "not-the-secret"}
	if err := wrong.Purge(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if verr != outbox.ErrSignatureMismatch {
		t.Fatalf("a wrong secret verified: %v", verr)
	}

	status = http.StatusBadGateway
	if err := p.Purge(context.Background(), req); err == nil {
		t.Fatal("a 502 was taken for a purge")
	}
}
