package devstack

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/marquee-ott/marquee/authz"
)

// ketoConfig is Keto v0.13's configuration (keys from its
// embedx/config.schema.json). Every API listens on loopback; the namespaces
// are the repo's OPL file.
const ketoConfig = `version: v0.13.0-alpha.0
dsn: %s
log:
  level: warn
  format: text
namespaces:
  location: %s
serve:
  read:
    host: %s
    port: %d
  write:
    host: %s
    port: %d
  opl:
    host: %s
    port: %d
  metrics:
    host: %s
    port: %d
`

func renderKetoConfig(dsn, oplPath string, p ports) string {
	loc := (&url.URL{Scheme: "file", Path: oplPath}).String()
	return fmt.Sprintf(ketoConfig, dsn, loc,
		loopback, p.ketoRead, loopback, p.ketoWrite, loopback, p.ketoOPL, loopback, p.ketoMetrics)
}

// startKeto writes Keto's config and the OPL, migrates its database and
// serves. The OPL is rewritten on every start so Keto enforces the model of
// the code that started it.
func (s *Stack) startKeto(ctx context.Context) error {
	dir := filepath.Join(s.o.DataDir, "keto")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	opl, cfg := filepath.Join(dir, "namespaces.keto.ts"), filepath.Join(dir, "keto.yml")
	if err := os.WriteFile(opl, authz.OPL, 0o644); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	dsn := pgURL("postgres", loopback, s.ports.pg, "keto")
	if err := os.WriteFile(cfg, []byte(renderKetoConfig(dsn, opl, s.ports)), 0o600); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	bin := filepath.Join(s.o.BinDir, "keto")
	if err := s.runOnce(ctx, "keto", nil, bin, "migrate", "up", "--yes", "-c", cfg); err != nil {
		return err
	}
	// --sqa-opt-out: no telemetry calls home from a dev machine or CI.
	c, err := s.spawn("keto", syscall.SIGTERM, nil, bin, "serve", "--sqa-opt-out", "-c", cfg)
	if err != nil {
		return err
	}
	ready := s.URLs().KetoReadURL + "/health/ready"
	if err := waitReady(ctx, c, 60*time.Second, func(ctx context.Context) error { return httpOK(ctx, ready, nil) }); err != nil {
		return err
	}
	s.o.Log.Info("devstack: keto ready", "read", s.URLs().KetoReadURL, "write", s.URLs().KetoWriteURL)
	return nil
}

// httpOK GETs u and wants a 200.
func httpOK(ctx context.Context, u string, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, strings.TrimSpace(resp.Status))
	}
	return nil
}
