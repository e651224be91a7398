package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
	"github.com/marquee-ott/marquee/testenv"
)

// The spine's figure: a tenant-scoped GraphQL query through the whole stack
// (auth, permission check, tenant binding, gqlgen, HTTP) against a plain
// net/http handler running the same SQL statement with pgx (tenant id in the
// WHERE, no tenant binding) and writing the same JSON, on the same PostgreSQL.
// MARQUEE_BENCH_FIRST sets the page (20: the whole team of 20; 1 shows the
// fixed cost of a request).
const teamQuery = `{ team(first: %d) { edges { node { id email name role } } } }`

func BenchmarkSpineTeamQuery(b *testing.B) {
	m := pt.Start(b, func(c *platform.Config) { c.MaxComplexity = 100000 })
	ten := pt.SignUp(b, m)
	for i := 0; i < 19; i++ {
		pt.AddStaff(b, m, ten, fmt.Sprintf("s%02d@%s.example.com", i, ten.Slug), "EDITOR")
	}
	tenant := uuid.MustParse(ten.ID)
	first := envInt("MARQUEE_BENCH_FIRST", 20)
	// The app role sees no rows outside a tenant transaction, so the baseline
	// reads as the migrating role: same SQL, same server, no tenant binding.
	// It gets the same uuid codec as ours (db.RegisterTypes): a fair baseline
	// is the best plain pgx, not pgx's default.
	pcfg, err := pgxpool.ParseConfig(testenv.OwnerURL(b))
	if err != nil {
		b.Fatal(err)
	}
	pcfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error { db.RegisterTypes(c.TypeMap()); return nil }
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	bare := httptest.NewServer(bareTeamHandler(b, pool, tenant, first))
	defer bare.Close()

	body, _ := json.Marshal(map[string]string{"query": fmt.Sprintf(teamQuery, first)})
	full := func() *http.Request {
		r, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", strings.NewReader(string(body)))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+ten.Owner.Token)
		return r
	}
	plain := func() *http.Request { r, _ := http.NewRequest(http.MethodGet, bare.URL, nil); return r }
	checkSame(b, full(), plain())

	workers, per := envInt("MARQUEE_BENCH_WORKERS", 8), envInt("MARQUEE_BENCH_REQUESTS", 1500)
	rounds := envInt("MARQUEE_BENCH_ROUNDS", 6)
	var baseRate, fullRate float64
	var baseP99, fullP99 time.Duration
	if os.Getenv("MARQUEE_BENCH_CPUPROFILE") != "" {
		// A profile is of the full stack alone: one round each, bare first.
		baseRate, baseP99 = load(b, plain, workers, per)
		stop := profile(b, "MARQUEE_BENCH_CPUPROFILE")
		fullRate, fullP99 = load(b, full, workers, per)
		stop()
	} else {
		baseRate, baseP99, fullRate, fullP99 = compare(b, plain, full, workers, per, rounds)
	}
	b.ReportMetric(baseRate, "bare-req/s")
	b.ReportMetric(fullRate, "full-req/s")
	b.ReportMetric(float64(baseP99.Microseconds()), "bare-p99-µs")
	b.ReportMetric(float64(fullP99.Microseconds()), "full-p99-µs")
	b.ReportMetric(fullRate/baseRate, "ratio")
	b.Logf("bare %.0f req/s p99 %v | full stack %.0f req/s p99 %v | ratio %.2f", baseRate, baseP99, fullRate, fullP99, fullRate/baseRate)
}

// bareTeamHandler is the baseline: the same statement the full stack sends
// (the text sqlc generated for tenants' ListStaffPage, read from its file so
// the two cannot drift), the same rows, the same JSON shape.
func bareTeamHandler(b *testing.B, pool *pgxpool.Pool, tenant uuid.UUID, first int) http.Handler {
	sql := generatedSQL(b, "../tenants/internal/tenantsql/queries.sql.go", "listStaffPage")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rows, err := pool.Query(r.Context(), sql, tenant, 0, first) // $2 skip, $3 take
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		type node struct {
			ID    uuid.UUID `json:"id"`
			Email string    `json:"email"`
			Name  string    `json:"name"`
			Role  string    `json:"role"`
		}
		var edges []map[string]node
		for rows.Next() {
			var n node
			var tenantID uuid.UUID
			var verified *time.Time
			var created time.Time
			if err := rows.Scan(&n.ID, &tenantID, &n.Email, &n.Name, &n.Role, &verified, &created); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			n.Role = strings.ToUpper(n.Role)
			edges = append(edges, map[string]node{"node": n})
		}
		if rows.Err() != nil {
			http.Error(w, rows.Err().Error(), 500)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"team": map[string]any{"edges": edges}}})
	})
}

// generatedSQL returns the text of the constant name in a file sqlc generated.
func generatedSQL(b *testing.B, path, name string) string {
	src, err := os.ReadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(src), "const "+name+" = `")
	sql, _, closed := strings.Cut(rest, "`")
	if !ok || !closed {
		b.Fatalf("%s: no constant %s", path, name)
	}
	return sql
}

func checkSame(b *testing.B, full, plain *http.Request) {
	var a, c map[string]any
	for req, v := range map[*http.Request]*map[string]any{full: &a, plain: &c} {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_ = json.NewDecoder(res.Body).Decode(v)
		res.Body.Close()
	}
	ja, _ := json.Marshal(a)
	jc, _ := json.Marshal(c)
	if string(ja) != string(jc) {
		b.Fatalf("the two handlers answer differently:\n%s\n%s", ja, jc)
	}
}

// compare loads two handlers in alternating rounds (per/rounds requests per
// worker each), so that load drifting on a shared machine weighs on both
// alike, and returns each one's requests a second and p99 over its rounds.
func compare(b *testing.B, first, second func() *http.Request, workers, per, rounds int) (float64, time.Duration, float64, time.Duration) {
	n := max(per/rounds, 1)
	var lat [2][]time.Duration
	var took [2]time.Duration
	var cpu [2]cpuSnapshot
	for r := 0; r < rounds; r++ {
		for i, mk := range []func() *http.Request{first, second} {
			c0 := cpuNow()
			l, d := requests(b, mk, workers, n)
			c1 := cpuNow()
			lat[i] = append(lat[i], l...)
			took[i] += d
			cpu[i].self += c1.self - c0.self
			cpu[i].postgres += c1.postgres - c0.postgres
		}
	}
	rate := func(i int) float64 { return float64(len(lat[i])) / took[i].Seconds() }
	for i, name := range []string{"first", "second"} {
		per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(len(lat[i])) }
		b.Logf("%s: CPU per request: this process %.0f µs, PostgreSQL %.0f µs", name, per(cpu[i].self), per(cpu[i].postgres))
	}
	return rate(0), p99(lat[0]), rate(1), p99(lat[1])
}

func p99(lat []time.Duration) time.Duration {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	return lat[len(lat)*99/100]
}

// load runs workers×per requests and returns requests a second and the p99.
func load(b *testing.B, mk func() *http.Request, workers, per int) (float64, time.Duration) {
	lat, elapsed := requests(b, mk, workers, per)
	return float64(len(lat)) / elapsed.Seconds(), p99(lat)
}

// requests runs workers×per requests and returns each one's latency and the
// time they all took.
func requests(b *testing.B, mk func() *http.Request, workers, per int) ([]time.Duration, time.Duration) {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	lat := make([]time.Duration, workers*per)
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				t0 := time.Now()
				res, err := client.Do(mk())
				if err != nil || res.StatusCode != 200 {
					b.Errorf("request: %v %v", err, res)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				lat[w*per+i] = time.Since(t0)
			}
		}(w)
	}
	wg.Wait()
	return lat, time.Since(start)
}

// profile writes a CPU profile of what follows to the file named by the
// environment variable env, when it is set: the whole-run profile is mostly set-up.
func profile(b *testing.B, env string) func() {
	path := os.Getenv(env)
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
