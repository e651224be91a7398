package graph_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/marquee-ott/marquee/platform"
	pt "github.com/marquee-ott/marquee/platform/platformtest"
)

type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribe opens a graphql-transport-ws connection with init as its
// connection_init payload and starts query. It returns the connection, or the
// error the server closed it with.
func subscribe(t *testing.T, m *platform.Main, init map[string]any, query string) (*websocket.Conn, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	url := "ws" + strings.TrimPrefix(m.URL(), "http") + "/graphql"
	c, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.CloseNow() })
	payload, _ := json.Marshal(init)
	if err := wsjson.Write(ctx, c, wsMsg{Type: "connection_init", Payload: payload}); err != nil {
		t.Fatal(err)
	}
	var ack wsMsg
	if err := wsjson.Read(ctx, c, &ack); err != nil {
		return nil, err
	}
	if ack.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", ack.Type)
	}
	q, _ := json.Marshal(map[string]any{"query": query})
	if err := wsjson.Write(ctx, c, wsMsg{ID: "1", Type: "subscribe", Payload: q}); err != nil {
		t.Fatal(err)
	}
	return c, nil
}

func next(t *testing.T, c *websocket.Conn) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for {
		var msg wsMsg
		if err := wsjson.Read(ctx, c, &msg); err != nil {
			t.Fatalf("reading the subscription: %v", err)
		}
		if msg.Type == "next" {
			return string(msg.Payload)
		}
		if msg.Type != "ping" && msg.Type != "pong" {
			t.Fatalf("unexpected %s: %s", msg.Type, msg.Payload)
		}
	}
}

const staffChanged = `subscription { staffChanged { kind staff { email role } } }`

// A team change reaches the tenant's subscribers live, and only them:
// tenant B's subscriber's first message is B's own change, not A's earlier one.
func TestStaffChangedReachesOnlyItsTenant(t *testing.T) {
	m := pt.Start(t, nil)
	a, b := pt.SignUp(t, m), pt.SignUp(t, m)
	subA, err := subscribe(t, m, map[string]any{"authorization": "Bearer " + a.Owner.Token}, staffChanged)
	if err != nil {
		t.Fatal(err)
	}
	subB, err := subscribe(t, m, map[string]any{"authorization": "Bearer " + b.Owner.Token}, staffChanged)
	if err != nil {
		t.Fatal(err)
	}
	_, idA := pt.AddStaff(t, m, a, "live@"+a.Slug+".example.com", "EDITOR")
	if got := next(t, subA); !strings.Contains(got, `"joined"`) || !strings.Contains(got, "live@"+a.Slug) {
		t.Fatalf("A's subscriber got %s", got)
	}
	a.Owner.Must(t, `mutation($id: ID!) { changeStaffRole(id: $id, role: ANALYST) { id } }`, map[string]any{"id": idA})
	if got := next(t, subA); !strings.Contains(got, `"role_changed"`) || !strings.Contains(got, `"ANALYST"`) {
		t.Fatalf("A's subscriber got %s", got)
	}
	pt.AddStaff(t, m, b, "mine@"+b.Slug+".example.com", "EDITOR")
	if got := next(t, subB); !strings.Contains(got, "mine@"+b.Slug) {
		t.Fatalf("B's subscriber's first message is not B's own change: %s", got)
	}
}

// A WebSocket without a valid credential is closed before any subscription.
func TestSubscriptionRefusesBadCredentials(t *testing.T) {
	m := pt.Start(t, nil)
	for _, init := range []map[string]any{{}, {"authorization": "Bearer mqs_forged"}, {"appKey": "mqa_nope"}} {
		if _, err := subscribe(t, m, init, staffChanged); err == nil {
			t.Errorf("connection_init %v was acknowledged", init)
		}
	}
	// An app key connects, but a staff subscription is refused.
	ten := pt.SignUp(t, m)
	key := pt.Str(ten.Owner.Must(t, `mutation { createAppKey(name: "w") { key } }`, nil), "createAppKey", "key")
	c, err := subscribe(t, m, map[string]any{"appKey": key}, staffChanged)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var msg wsMsg
	err = wsjson.Read(ctx, c, &msg)
	if err != nil || (msg.Type != "error" && msg.Type != "next") || !strings.Contains(string(msg.Payload), "UNAUTHENTICATED") || strings.Contains(string(msg.Payload), `"email"`) {
		t.Fatalf("app key's staff subscription: %v %s %s", err, msg.Type, msg.Payload)
	}
}

// Invariant: when Keto cannot answer, every checked operation is refused
// (fails closed) with UNAVAILABLE, and works again once Keto is back. (With the
// decision cache on, an answer Keto gave before it went down is reused for at
// most MARQUEE_AUTH_CACHE_TTL; the cache is off here to see every check.)
func TestKetoDownFailsClosed(t *testing.T) {
	var proxy *toggleProxy
	m := pt.Start(t, func(c *platform.Config) {
		c.AuthCacheTTL = 0
		proxy = newToggleProxy(t, strings.TrimPrefix(c.KetoReadURL, "http://"))
		c.KetoReadURL = "http://" + proxy.addr
	})
	ten := pt.SignUp(t, m)
	ten.Owner.Must(t, `{ tenant { id } }`, nil)
	proxy.setUp(false)
	for _, q := range []string{`{ tenant { id } }`, `mutation { updateBranding(input: {appName: "no"}) { id } }`} {
		if r := ten.Owner.Do(t, q, nil); r.Code() != "UNAVAILABLE" {
			t.Fatalf("Keto down, %s: %v", q, r.Codes())
		}
	}
	proxy.setUp(true)
	d := ten.Owner.Must(t, `{ tenant { branding { appName } } }`, nil)
	if pt.Str(d, "tenant", "branding", "appName") == "no" {
		t.Fatal("a refused write happened")
	}
}

// toggleProxy forwards TCP to a target while up; while down it refuses new
// connections and has cut the open ones, so kept-alive connections cannot
// slip past the switch.
type toggleProxy struct {
	addr  string
	mu    sync.Mutex
	down  bool
	conns map[net.Conn]bool
}

func newToggleProxy(t *testing.T, target string) *toggleProxy {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	p := &toggleProxy{addr: l.Addr().String(), conns: map[net.Conn]bool{}}
	go func() {
		for {
			in, err := l.Accept()
			if err != nil {
				return
			}
			go p.forward(in, target)
		}
	}()
	return p
}

func (p *toggleProxy) forward(in net.Conn, target string) {
	out, err := net.Dial("tcp", target)
	p.mu.Lock()
	if p.down || err != nil {
		p.mu.Unlock()
		in.Close()
		return
	}
	p.conns[in], p.conns[out] = true, true
	p.mu.Unlock()
	go func() { io.Copy(out, in); out.Close() }()
	io.Copy(in, out)
	in.Close()
}

func (p *toggleProxy) setUp(up bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = !up
	if !up {
		for c := range p.conns {
			c.Close()
		}
		p.conns = map[net.Conn]bool{}
	}
}
