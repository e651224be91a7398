package devstack

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgBin holds Debian's PostgreSQL 15 server binaries.
const pgBin = "/usr/lib/postgresql/15/bin"

// appRole is db.AppRole, repeated so the stack does not depend on the schema
// package; a test keeps the two equal.
const appRole = "marquee_app"

// pgAccount is the operating-system account the cluster runs as: PostgreSQL
// refuses to run as root, so as root we drop to the postgres user.
type pgAccount struct {
	cred *syscall.Credential // nil: run as ourselves
	name string
	gids []uint32
}

func (s *Stack) startPostgres(ctx context.Context) error {
	acct, err := lookupPGAccount()
	if err != nil {
		return err
	}
	data, sock := filepath.Join(s.o.DataDir, "pg"), filepath.Join(s.o.DataDir, "run")
	if err := s.preparePGDirs(acct, data, sock); err != nil {
		return err
	}
	if err := s.initdb(ctx, acct, data); err != nil {
		return err
	}
	c, err := s.spawn("postgres", syscall.SIGINT, acct.cred, s.postgresArgv(data, sock)...)
	if err != nil {
		return err
	}
	super := s.URLs().SuperuserURLFor("postgres")
	if err := waitReady(ctx, c, 30*time.Second, func(ctx context.Context) error { return pingPG(ctx, super) }); err != nil {
		return err
	}
	if err := ensureDatabases(ctx, super); err != nil {
		return fmt.Errorf("devstack: postgres set-up: %w", err)
	}
	s.o.Log.Info("devstack: postgres ready", "port", s.ports.pg)
	return nil
}

// postgresArgv runs the postmaster directly (not via pg_ctl) so it is our
// child and its death reaches Done. SIGINT, its stop signal, is the "fast"
// shutdown pg_ctl stop -m fast would send.
func (s *Stack) postgresArgv(data, sock string) []string {
	argv := []string{
		filepath.Join(pgBin, "postgres"), "-D", data,
		"-p", strconv.Itoa(s.ports.pg),
		"-c", "listen_addresses=" + loopback,
		"-c", "unix_socket_directories=" + sock,
		// parallel test packages each hold a small pool, plus Keto's
		"-c", "max_connections=300",
	}
	if s.o.Ephemeral {
		// Test clusters are thrown away: durability only costs time.
		argv = append(argv, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	return argv
}

// initdb creates the cluster once; an existing one (PG_VERSION present) is
// kept, and a half-made one from an interrupted initdb is made again.
func (s *Stack) initdb(ctx context.Context, acct pgAccount, data string) error {
	if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err == nil {
		return nil
	}
	if err := clearDir(data); err != nil {
		return err
	}
	pwfile := filepath.Join(s.o.DataDir, "run", "pwfile")
	if err := writeOwned(pwfile, []byte(DevPassword+"\n"), acct); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	s.o.Log.Info("devstack: creating the PostgreSQL cluster", "dir", data)
	return s.runOnce(ctx, "postgres", acct.cred,
		filepath.Join(pgBin, "initdb"), "-D", data, "-U", "postgres", "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8")
}

// ensureDatabases makes the databases and the application role exist with the
// properties the design relies on, whatever state an older data folder left.
func ensureDatabases(ctx context.Context, superURL string) error {
	conn, err := pgx.Connect(ctx, superURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	for _, name := range []string{"marquee", "keto"} {
		if err := ensureDatabase(ctx, conn, name); err != nil {
			return err
		}
	}
	return ensureAppRole(ctx, conn)
}

func ensureDatabase(ctx context.Context, conn *pgx.Conn, name string) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// ensureAppRole creates or corrects marquee_app: it must never be a superuser
// or bypass RLS, or the tenant isolation tests would pass for the wrong reason.
func ensureAppRole(ctx context.Context, conn *pgx.Conn) error {
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)", appRole).Scan(&exists); err != nil {
		return fmt.Errorf("look up role %s: %w", appRole, err)
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// DDL takes no parameters; both values are constants of this package.
	stmt := fmt.Sprintf("%s ROLE %s LOGIN PASSWORD '%s' NOSUPERUSER NOBYPASSRLS NOCREATEROLE NOCREATEDB",
		verb, pgx.Identifier{appRole}.Sanitize(), DevPassword)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s role %s: %w", verb, appRole, err)
	}
	return nil
}

func pingPG(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

func lookupPGAccount() (pgAccount, error) {
	if os.Geteuid() != 0 {
		return pgAccount{}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return pgAccount{}, fmt.Errorf("devstack: running as root, PostgreSQL needs the postgres user (apt-get install postgresql creates it): %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	acct := pgAccount{name: u.Username, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	groups, _ := u.GroupIds()
	for _, g := range groups {
		if n, err := strconv.ParseUint(g, 10, 32); err == nil {
			acct.gids = append(acct.gids, uint32(n))
		}
	}
	if !slices.Contains(acct.gids, uint32(gid)) {
		acct.gids = append(acct.gids, uint32(gid))
	}
	return acct, nil
}

// preparePGDirs makes the cluster and socket folders, owned by the account
// the cluster runs as and private to it, after checking that account can
// reach them at all.
func (s *Stack) preparePGDirs(acct pgAccount, dirs ...string) error {
	if err := checkTraversable(acct, s.o.DataDir); err != nil {
		return err
	}
	// A unix socket path is limited to 107 bytes; say so rather than let
	// postgres fail with a message about a path nobody chose.
	if sock := filepath.Join(dirs[len(dirs)-1], ".s.PGSQL.00000"); len(sock) > 100 {
		return fmt.Errorf("devstack: data folder %s is too deep for PostgreSQL's socket path (%d bytes, max 100): choose a shorter one", s.o.DataDir, len(sock))
	}
	for _, d := range dirs {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
		if err := chownTo(d, acct); err != nil {
			return err
		}
		if err := os.Chmod(d, 0o700); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
	}
	return nil
}

// checkTraversable fails when the cluster's account cannot enter dir or one
// of its parents, naming the folder: initdb's own message would only say
// "permission denied" about a path deep inside.
func checkTraversable(acct pgAccount, dir string) error {
	if acct.cred == nil {
		return nil
	}
	var chain []string
	for p := dir; ; p = filepath.Dir(p) {
		chain = append(chain, p)
		if p == filepath.Dir(p) {
			break
		}
	}
	slices.Reverse(chain) // from / down, to report the outermost blocker
	for _, p := range chain {
		st, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
		if !canEnter(st, acct) {
			return fmt.Errorf("devstack: PostgreSQL runs as user %s, which cannot enter %s (mode %v): make it searchable (chmod o+x %s) or choose a data folder under /tmp", acct.name, p, st.Mode().Perm(), p)
		}
	}
	return nil
}

func canEnter(st os.FileInfo, acct pgAccount) bool {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return true // cannot tell: let initdb speak
	}
	perm := st.Mode().Perm()
	switch {
	case sys.Uid == acct.cred.Uid:
		return perm&0o100 != 0
	case slices.Contains(acct.gids, sys.Gid):
		return perm&0o010 != 0
	default:
		return perm&0o001 != 0
	}
}

func chownTo(path string, acct pgAccount) error {
	if acct.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(acct.cred.Uid), int(acct.cred.Gid)); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return nil
}

func writeOwned(path string, b []byte, acct pgAccount) error {
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	return chownTo(path, acct)
}

// clearDir empties dir but keeps it (and its ownership) for initdb, which
// wants an empty folder.
func clearDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("devstack: %w", err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
			return fmt.Errorf("devstack: %w", err)
		}
	}
	return nil
}
