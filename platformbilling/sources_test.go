package platformbilling_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/outbox"
	"github.com/marquee-ott/marquee/platformbilling"
	"github.com/marquee-ott/marquee/testenv"
)

func (e *env) mustAsset(t *testing.T, tenant uuid.UUID, status string, durationMs int64) uuid.UUID {
	t.Helper()
	id := uuid.New()
	err := e.db.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO media_assets (tenant_id, id, upload_id, status, source_key, duration_ms, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'k', $5, now(), now())`, tenant, id, uuid.New(), status, durationMs)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (e *env) mustSession(t *testing.T, tenant uuid.UUID, started time.Time, watched time.Duration, ended, preview bool) uuid.UUID {
	t.Helper()
	id := uuid.New()
	var endedAt *time.Time
	if ended {
		x := started.Add(watched)
		endedAt = &x
	}
	var by *uuid.UUID
	if preview {
		x := uuid.New()
		by = &x
	}
	err := e.db.InTenant(context.Background(), tenant, func(tx db.Tx) error {
		_, err := tx.Exec(context.Background(), `INSERT INTO playback_sessions (tenant_id, id, asset_id, preview_by, started_at, heartbeat_at, expires_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, tenant, id, uuid.New(), by, started, started.Add(watched), started.Add(watched+2*time.Minute), endedAt)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func quantity(t *testing.T, svc *platformbilling.Service, tenant uuid.UUID, m platformbilling.Metric) float64 {
	t.Helper()
	u, err := svc.Usage(context.Background(), tenant, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, mu := range u.Metrics {
		if mu.Metric == m {
			return mu.Quantity
		}
	}
	return -1
}

// asset.ready (through the outbox consumer) counts the READY asset's
// minutes once, however often the event is consumed; another tenant's
// asset id counts nothing for this one.
func TestEncodedMinutesFromAssetReady(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a, b := testenv.MustTenant(t, e.db), testenv.MustTenant(t, e.db)
	asset := e.mustAsset(t, a, "READY", 90_000)
	consume := e.svc.Consumers()["asset.ready"]
	for i := 0; i < 2; i++ {
		if err := consume.Consume(ctx, a, outbox.Event{ID: uuid.New(), Type: "asset.ready", ObjectType: "asset", ObjectID: asset.String()}); err != nil {
			t.Fatal(err)
		}
	}
	if q := quantity(t, e.svc, a, platformbilling.EncodedMinutes); q != 1.5 {
		t.Fatalf("encoded minutes %v", q)
	}
	if err := e.svc.RecordEncoding(ctx, b, asset); !errs.Is(err, errs.KindNotFound) {
		t.Fatalf("B metering A's asset: %v", err)
	}
	pending := e.mustAsset(t, a, "PROCESSING", 60_000)
	if err := e.svc.RecordEncoding(ctx, a, pending); err != nil {
		t.Fatal(err)
	}
	if q := quantity(t, e.svc, a, platformbilling.EncodedMinutes); q != 1.5 {
		t.Fatalf("a processing asset counted: %v", q)
	}
}

// app_build.finished (through the outbox consumer) counts a SUCCEEDED build
// once however often it is consumed; a FAILED build and an unreadable event
// count nothing.
func TestAppBuildsFromFinishedBuilds(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := testenv.MustTenant(t, e.db)
	consume := e.svc.Consumers()[platformbilling.EventAppBuildFinished]
	event := func(id uuid.UUID, status string) outbox.Event {
		return outbox.Event{ID: uuid.New(), Type: platformbilling.EventAppBuildFinished, ObjectType: "app_build", ObjectID: id.String(),
			Payload: json.RawMessage(`{"status":"` + status + `","platform":"ROKU"}`)}
	}
	ok, failed := uuid.New(), uuid.New()
	for _, ev := range []outbox.Event{event(ok, "SUCCEEDED"), event(ok, "SUCCEEDED"), event(failed, "FAILED"),
		{ID: uuid.New(), Type: platformbilling.EventAppBuildFinished, ObjectID: "not-a-uuid", Payload: json.RawMessage(`{}`)}} {
		if err := consume.Consume(ctx, a, ev); err != nil {
			t.Fatal(err)
		}
	}
	if q := quantity(t, e.svc, a, platformbilling.AppBuilds); q != 1 {
		t.Fatalf("app builds %v, want 1", q)
	}
}

// Each ended or expired viewer session counts its watched time once;
// sessions still live and staff previews count nothing.
func TestStreamedHoursFromEndedSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := testenv.MustTenant(t, e.db)
	now := e.clock.Now()
	e.mustSession(t, a, now.Add(-2*time.Hour), 90*time.Minute, true, false)    // ended: 1.5 h
	e.mustSession(t, a, now.Add(-time.Hour), 30*time.Minute, false, false)     // expired (no heartbeat for 30 min): 0.5 h
	e.mustSession(t, a, now.Add(-10*time.Minute), 9*time.Minute, false, false) // live
	e.mustSession(t, a, now.Add(-2*time.Hour), time.Hour, true, true)          // a staff preview
	n, err := e.svc.MeterTenantPlayback(ctx, a)
	if err != nil || n != 2 {
		t.Fatalf("metered %d %v", n, err)
	}
	if n, err := e.svc.MeterTenantPlayback(ctx, a); err != nil || n != 0 {
		t.Fatalf("metered again %d %v", n, err)
	}
	if q := quantity(t, e.svc, a, platformbilling.StreamedHours); q != 2 {
		t.Fatalf("streamed hours %v", q)
	}
}

// The daily storage snapshot counts GB / days-in-month once per tenant and
// day.
func TestStoredGBDailySnapshot(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := testenv.MustTenant(t, e.db)
	fresh, err := e.svc.SnapshotTenantStorage(ctx, a)
	if err != nil || !fresh {
		t.Fatalf("snapshot %v %v", fresh, err)
	}
	if again, err := e.svc.SnapshotTenantStorage(ctx, a); err != nil || again {
		t.Fatalf("snapshot twice in a day %v %v", again, err)
	}
	now := e.clock.Now()
	days := float64(time.Date(now.Year(), now.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day())
	want := float64(int64(3/days*1e6+0.5)) / 1e6
	if q := quantity(t, e.svc, a, platformbilling.StoredGB); q != want {
		t.Fatalf("stored GB-months %v, want %v", q, want)
	}
}

// Record against a bare INSERT of the same row, for the ratio.
func BenchmarkRecord(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	tenant := testenv.MustTenant(b, e.db)
	b.Run("Record", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := e.svc.Record(ctx, tenant, platformbilling.AppBuilds, 1, "bench-"+uuid.NewString()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("BareInsert", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			err := e.db.InTenant(ctx, tenant, func(tx db.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO usage_records (tenant_id, id, metric, quantity_micros, idempotency_key, occurred_at, recorded_at, next_attempt_at)
					VALUES ($1, $2, 'app_builds', 1000000, $3, now(), now(), now())`, tenant, uuid.New(), "bare-"+uuid.NewString())
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// The worker's loop meters ended sessions and the day's storage and reports
// them to Stripe without being asked twice, and stops with its context.
func TestRunMetersAndReports(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	p := e.mustPlan(t, "Growth", 4900)
	a := testenv.MustTenant(t, e.db)
	if _, err := e.svc.ChoosePlan(ctx, owner(a), p.ID); err != nil {
		t.Fatal(err)
	}
	e.mustSession(t, a, e.clock.Now().Add(-time.Hour), 30*time.Minute, true, false)
	done := make(chan struct{})
	go func() { defer close(done); e.svc.Run(ctx, 20*time.Millisecond) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := e.svc.ReportStates(context.Background(), a)
		if err != nil {
			t.Fatal(err)
		}
		if st[platformbilling.StateReported] == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("states %v after 20 s", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
	names := map[string]bool{}
	for _, r := range e.fake.meterEvents(a) {
		names[r.Form.Get("event_name")] = true
	}
	if len(e.fake.meterEvents(a)) != 2 || !names["marquee_streamed_hours"] || !names["marquee_stored_gb"] {
		t.Fatalf("meter events %v", names)
	}
}
