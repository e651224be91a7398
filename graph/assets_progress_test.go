package graph_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/media/mediatest"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

// assetProgress streams an asset as the worker (another process, as far as
// the API knows: the change reaches it through NOTIFY) takes it from PENDING
// through PROCESSING with its percent to READY, then completes. Another
// workspace subscribing to the asset gets NOT_FOUND.
func TestAssetProgressSubscription(t *testing.T) {
	m := pt.Start(t, nil)
	ten := pt.SignUp(t, m)

	upload := pt.MustClipUpload(t, m, uuid.MustParse(ten.ID), mediatest.Clip{Width: 320, Height: 180, Audio: 2})
	// No worker yet: the ingest waits on its task queue, PENDING.
	d := ten.Owner.Must(t, `mutation($u: ID!) { ingestUpload(uploadId: $u) { id } }`, map[string]any{"u": upload.String()})
	asset := pt.Str(d, "ingestUpload", "id")
	query := `subscription { assetProgress(id: "` + asset + `") { id status percent failureReason } }`

	other := pt.SignUp(t, m)
	c, err := subscribe(t, m, map[string]any{"authorization": "Bearer " + other.Owner.Token}, query)
	if err != nil {
		t.Fatal(err)
	}
	if typ, payload := read(t, c, 10*time.Second); (typ != "error" && typ != "next") || !strings.Contains(payload, "NOT_FOUND") || strings.Contains(payload, `"status"`) {
		t.Fatalf("another workspace's subscription: %s %s", typ, payload)
	}

	c, err = subscribe(t, m, map[string]any{"authorization": "Bearer " + ten.Owner.Token}, query)
	if err != nil {
		t.Fatal(err)
	}
	first := progress(t, c)
	if first.Status != "PENDING" || first.ID != asset {
		t.Fatalf("first message = %+v, want the asset PENDING", first)
	}

	pt.RunWorker(t, m)

	order := map[string]int{"PENDING": 0, "PROCESSING": 1, "READY": 2, "FAILED": 2}
	got := []assetState{first}
	sawPercent := false
	for last := first; last.Status != "READY"; {
		a := progress(t, c)
		if a.Status == "FAILED" {
			t.Fatalf("the ingest failed: %+v", a)
		}
		if order[a.Status] < order[last.Status] || (a.Status == last.Status && a.Percent < last.Percent) {
			t.Fatalf("out of order: %+v after %+v (all: %+v)", a, last, got)
		}
		if a.Status == "PROCESSING" && a.Percent > 0 {
			sawPercent = true
		}
		got = append(got, a)
		last = a
	}
	t.Logf("states: %+v", got)
	if !sawPercent || got[len(got)-1].Percent != 100 {
		t.Fatalf("no percent while PROCESSING, or not 100 when READY: %+v", got)
	}
	processing := false
	for _, a := range got {
		processing = processing || a.Status == "PROCESSING"
	}
	if !processing {
		t.Fatalf("never PROCESSING: %+v", got)
	}
	if typ, payload := read(t, c, 10*time.Second); typ != "complete" {
		t.Fatalf("after READY: %s %s, want complete", typ, payload)
	}
}

type assetState struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Percent int    `json:"percent"`
}

// progress reads the next assetProgress message, waiting for the transcode.
func progress(t *testing.T, c *websocket.Conn) assetState {
	t.Helper()
	typ, payload := read(t, c, time.Minute)
	var p struct {
		Data struct {
			AssetProgress assetState `json:"assetProgress"`
		} `json:"data"`
		Errors []any `json:"errors"`
	}
	if typ != "next" || json.Unmarshal([]byte(payload), &p) != nil || len(p.Errors) > 0 {
		t.Fatalf("unexpected %s: %s", typ, payload)
	}
	return p.Data.AssetProgress
}

// read returns the next message's type and payload other than ping and pong.
func read(t *testing.T, c *websocket.Conn, wait time.Duration) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		var msg wsMsg
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			t.Fatalf("reading the subscription: %v", err)
		}
		if msg.Type != "ping" && msg.Type != "pong" {
			return msg.Type, string(msg.Payload)
		}
	}
}
