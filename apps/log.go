package apps

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/marquee-ott/marquee/apps/internal/appssql"
	"github.com/marquee-ott/marquee/db"
	"github.com/marquee-ott/marquee/tenants"
)

// buildLog is a build's log as a packager writes it: each complete line is
// appended to app_build_logs at once (followers see it live). A failure to
// store a line is logged and the build goes on: the log is a view, not the
// build.
type buildLog struct {
	s        *Service
	ctx      context.Context
	tenant   tenants.ID
	id       BuildID
	next     int
	pending  []byte
	progress func()
}

func (s *Service) newLog(ctx context.Context, tenant tenants.ID, id BuildID) *buildLog {
	n, err := s.logLength(ctx, tenant, id)
	if err != nil {
		s.log().Warn("apps: build log", "build", id, "err", err)
	}
	return &buildLog{s: s, ctx: ctx, tenant: tenant, id: id, next: n + 1}
}

func (l *buildLog) Write(p []byte) (int, error) {
	l.pending = append(l.pending, p...)
	for {
		i := bytes.IndexByte(l.pending, '\n')
		if i < 0 {
			return len(p), nil
		}
		l.line(string(bytes.TrimRight(l.pending[:i], "\r")))
		l.pending = l.pending[i+1:]
	}
}

// flush writes a last line without its newline.
func (l *buildLog) flush() {
	if len(l.pending) > 0 {
		l.line(string(l.pending))
		l.pending = nil
	}
}

func (l *buildLog) Printf(format string, args ...any) { l.line(fmt.Sprintf(format, args...)) }

// line appends text, one numbered line per line of it: the stored log
// (one line per line, see Finish) then numbers them as the database did.
func (l *buildLog) line(text string) {
	for _, t := range strings.Split(strings.TrimRight(text, "\r\n"), "\n") {
		l.append(strings.TrimRight(t, "\r"))
	}
}

func (l *buildLog) append(text string) {
	if len(text) > 4000 {
		text = text[:4000] + "…"
	}
	err := l.s.DB.InTenant(l.ctx, l.tenant, func(tx db.Tx) error {
		return appssql.New(tx).AppendLog(l.ctx, appssql.AppendLogParams{TenantID: l.tenant, BuildID: l.id, LineNo: int32(l.next), Line: text})
	})
	if err != nil {
		l.s.log().Warn("apps: build log", "build", l.id, "err", err)
		return
	}
	l.next++
	if l.progress != nil {
		l.progress()
	}
}
