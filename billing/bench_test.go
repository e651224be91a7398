package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/marquee-ott/marquee/billing"
	"github.com/marquee-ott/marquee/billing/internal/billingsql"
	"github.com/marquee-ott/marquee/catalog"
	"github.com/marquee-ott/marquee/testenv"
)

// BenchmarkEntitlementCheck measures Check on the playback hot path, cached
// (warm) and uncached, against a bare query of the same rows (the same SQL
// on a plain pool as the migrating role: no tenant binding, no model), and
// prints the ratios. 8 workers; MARQUEE_BENCH_REQUESTS checks each (default 3000).
//
//	bin/marquee stack -- go test ./billing -run '^$' -bench EntitlementCheck -benchtime 1x
func BenchmarkEntitlementCheck(b *testing.B) {
	e := newEnvB(b)
	ctx := context.Background()
	tenant := e.mustSVODTenant(b)
	titles := make([]catalog.Title, 20)
	for i := range titles {
		ti, err := e.cat.CreateTitle(ctx, tenant, catalog.TitleInput{Kind: catalog.KindMovie,
			Localizations: []catalog.Localization{{Language: "en", Title: fmt.Sprint("Film ", i)}}})
		if err != nil {
			b.Fatal(err)
		}
		titles[i] = ti
	}
	viewers := make([]uuid.UUID, 200)
	for i := range viewers {
		viewers[i] = uuid.New()
		for j := 0; j < 3; j++ { // a library grant, a title grant, one ended
			in := billing.GrantInput{Viewer: viewers[i], Scope: billing.ScopeTitle, Title: &titles[(i+j)%len(titles)].ID, Ads: j == 1,
				Until: e.clock.Now().Add(time.Duration(j+1) * time.Hour)}
			if j == 0 {
				in.Scope, in.Title = billing.ScopeLibrary, nil
			}
			if _, err := e.svc.Grant(ctx, tenant, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	e.svc.CacheTTL = time.Hour
	pool, err := pgxpool.New(ctx, testenv.OwnerURL(b))
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	workers, per := 8, benchInt("MARQUEE_BENCH_REQUESTS", 3000)
	pick := func(w, i int) (uuid.UUID, catalog.Title) {
		return viewers[(w*per+i)%len(viewers)], titles[(w*7+i)%len(titles)]
	}
	bare := func(w, i int) error {
		v, ti := pick(w, i)
		_, err := billingsql.New(pool).CheckRows(ctx, billingsql.CheckRowsParams{TenantID: tenant, TitleID: ti.ID, ViewerID: v, Now: e.clock.Now()})
		return err
	}
	uncached := func(w, i int) error {
		v, ti := pick(w, i)
		_, err := e.svc.CheckUncached(ctx, tenant, v, ti.ID)
		return err
	}
	cachedCheck := func(w, i int) error {
		v, ti := pick(w, i)
		d, err := e.svc.Check(ctx, tenant, v, uuid.Nil, ti)
		if err == nil && !d.Allowed {
			err = fmt.Errorf("not allowed: %+v", d)
		}
		return err
	}
	bareRate, bareP99 := run(b, bare, workers, per)
	unRate, unP99 := run(b, uncached, workers, per)
	run(b, cachedCheck, workers, per) // warm every (viewer, title)
	caRate, caP99 := run(b, cachedCheck, workers, per)
	b.ReportMetric(caRate, "cached-checks/s")
	b.ReportMetric(float64(caP99.Nanoseconds())/1000, "cached-p99-µs")
	b.ReportMetric(unRate, "uncached-checks/s")
	b.ReportMetric(float64(unP99.Microseconds()), "uncached-p99-µs")
	b.ReportMetric(bareRate, "bare-queries/s")
	b.ReportMetric(float64(bareP99.Microseconds()), "bare-p99-µs")
	b.Logf("bare query %.0f/s p99 %v | uncached check %.0f/s p99 %v (%.2f× bare) | cached check %.0f/s p99 %v (%.1f× bare)",
		bareRate, bareP99, unRate, unP99, unRate/bareRate, caRate, caP99, caRate/bareRate)
	if caP99 > 100*time.Microsecond {
		b.Errorf("cached check p99 %v, goal under 100 µs", caP99)
	}
}

// BenchmarkWebhookProcessing measures verified webhook processing: distinct
// customer.subscription.updated events (signature check, tenant routing,
// refetch from an in-memory Stripe, record + ledger write in one
// transaction), 4 at a time, against the signature check alone.
//
//	bin/marquee stack -- go test ./billing -run '^$' -bench WebhookProcessing -benchtime 1x
func BenchmarkWebhookProcessing(b *testing.B) {
	e := newEnvB(b)
	tenant, acct := e.mustSellingTenant(b)
	plan, err := e.svc.CreatePlan(context.Background(), tenant, libraryPlan(false, 0))
	if err != nil {
		b.Fatal(err)
	}
	n := benchInt("MARQUEE_BENCH_EVENTS", 2000)
	payloads := make([][]byte, n)
	headers := make([]string, n)
	for i := range payloads {
		id := fmt.Sprintf("sub_bench_%d", i)
		s := sub(id, tenant, uuid.New(), plan.Prices[0], "active", e.clock.Now().Add(30*24*time.Hour))
		e.fake.setSub(id, s)
		payloads[i], _ = json.Marshal(event("customer.subscription.updated", acct, s))
		headers[i] = sign(b, payloads[i], secret, time.Now())
	}
	verify := func(w, i int) error {
		_, err := webhook.ConstructEventWithOptions(payloads[w*n/4+i], headers[w*n/4+i], secret,
			webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
		return err
	}
	process := func(w, i int) error {
		return e.svc.HandleWebhook(context.Background(), payloads[w*n/4+i], headers[w*n/4+i])
	}
	sigRate, _ := run(b, verify, 4, n/4)
	rate, p99 := run(b, process, 4, n/4)
	b.ReportMetric(rate, "events/s")
	b.ReportMetric(float64(p99.Microseconds()), "p99-µs")
	b.ReportMetric(sigRate, "signature-checks/s")
	b.Logf("webhooks %.0f events/s p99 %v | signature check alone %.0f/s (%.3f×)", rate, p99, sigRate, rate/sigRate)
}

func newEnvB(b *testing.B) *env {
	b.Helper()
	return newEnvOnTB(b, testenv.DB(b), testenv.Stripe(b))
}

// run calls f workers×per times, workers at a time, and returns calls a
// second and the p99 latency.
func run(b *testing.B, f func(w, i int) error, workers, per int) (float64, time.Duration) {
	lat := make([]time.Duration, workers*per)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				t0 := time.Now()
				if err := f(w, i); err != nil {
					b.Error(err)
					return
				}
				lat[w*per+i] = time.Since(t0)
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return float64(workers*per) / elapsed.Seconds(), lat[len(lat)*99/100]
}

func benchInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
