package devstack

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/marquee-ott/marquee/db"
)

// These tests cover the stack's pure parts. Starting services is exercised by
// every `make test`, which runs through `marquee stack`; a second stack inside
// a test would only duplicate that, slowly.

func TestEphemeralPortsAreDistinct(t *testing.T) {
	p, err := choosePorts(true)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]string{}
	for _, np := range p.named() {
		if np.port == 0 {
			continue // the Temporal UI is off in ephemeral stacks
		}
		if other, dup := seen[np.port]; dup {
			t.Errorf("%s and %s share port %d", np.name, other, np.port)
		}
		seen[np.port] = np.name
	}
	if len(seen) != 9 {
		t.Errorf("want 9 ports, got %d: %v", len(seen), seen)
	}
}

func TestTakenDevPortIsNamed(t *testing.T) {
	l, err := net.Listen("tcp", net.JoinHostPort(loopback, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	err = checkFree(ports{pg: port})
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(port)+" (postgres)") || !strings.Contains(err.Error(), "already in use") {
		t.Fatalf("want an error naming port %d as postgres's, got %v", port, err)
	}
}

func TestKetoConfigPointsAtOPLAndLoopbackPorts(t *testing.T) {
	p := ports{ketoRead: 1001, ketoWrite: 1002, ketoOPL: 1003, ketoMetrics: 1004}
	cfg := renderKetoConfig("postgres://u:p@127.0.0.1:5/keto?sslmode=disable", "/data/keto/namespaces.keto.ts", p)
	for _, want := range []string{
		"location: file:///data/keto/namespaces.keto.ts",
		"dsn: postgres://u:p@127.0.0.1:5/keto?sslmode=disable",
		"port: 1001", "port: 1002", "port: 1003", "port: 1004",
		"level: warn",
	} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
	if strings.Count(cfg, "host: "+loopback) != 4 {
		t.Errorf("every API should listen on %s only:\n%s", loopback, cfg)
	}
}

func TestAppRoleMatchesDB(t *testing.T) {
	if appRole != db.AppRole {
		t.Fatalf("devstack creates role %q but db grants to %q", appRole, db.AppRole)
	}
}

func TestSuperuserURLForNamesTheDatabase(t *testing.T) {
	u := URLs{PGHost: loopback, PGPort: 5432}
	got := u.SuperuserURLFor("marquee_template")
	want := "postgres://postgres:" + DevPassword + "@127.0.0.1:5432/marquee_template?sslmode=disable"
	if got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestUnreachableDataFolderIsNamed(t *testing.T) {
	// Under /tmp (mode 1777) so the only closed folder is the one made here.
	parent, err := os.MkdirTemp("/tmp", "devstack-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	closed := filepath.Join(parent, "closed")
	if err := os.MkdirAll(filepath.Join(closed, "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	// A made-up account that owns nothing here and is in no group of ours.
	stranger := pgAccount{name: "stranger", cred: &syscall.Credential{Uid: 54321, Gid: 54321}, gids: []uint32{54321}}
	err = checkTraversable(stranger, filepath.Join(closed, "data"))
	if err == nil || !strings.Contains(err.Error(), closed+" ") {
		t.Fatalf("want an error naming %s, got %v", closed, err)
	}
}

func TestWipeKeepsUnrelatedFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"pg/PG_VERSION", "logs/keto.log", "temporal.db", "temporal.db-wal", "notes.txt"} {
		p := filepath.Join(dir, f)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := wipe(dir); err != nil {
		t.Fatal(err)
	}
	left, _ := os.ReadDir(dir)
	if len(left) != 1 || left[0].Name() != "notes.txt" {
		t.Fatalf("want only notes.txt left, got %v", left)
	}
}

func TestTailKeepsTheLastLines(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.log")
	var b strings.Builder
	for i := range 100 {
		b.WriteString("line " + strconv.Itoa(i) + "\n")
	}
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	got := tail(p)
	if !strings.HasSuffix(got, "line 99") || strings.Contains(got, "line 79\n") {
		t.Fatalf("unexpected tail:\n%s", got)
	}
}
