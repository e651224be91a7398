package platformtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pquerna/otp/totp"

	"github.com/marquee-ott/marquee/operators"
	"github.com/marquee-ott/marquee/platform"
	"github.com/marquee-ott/marquee/testenv"
)

// Operator is a platform operator account and, once signed in, its client.
type Operator struct {
	Email    string
	Password string
	Secret   string // the TOTP seed enrolled at first sign-in
	Client   Client // bearer: the operator's full session
}

// OwnerPool connects to the test package's database as the migrating role,
// which owns the tables and bypasses row-level security: for what only it
// may do (create operators) and for looking past RLS in checks.
func OwnerPool(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool, err := pgxpool.New(context.Background(), testenv.OwnerURL(tb))
	if err != nil {
		tb.Fatalf("connect as the migrating role: %v", err)
	}
	tb.Cleanup(pool.Close)
	return pool
}

// NewOperator creates an operator account with a random email, as `marquee
// operator create` does.
func NewOperator(tb testing.TB, m *platform.Main) Operator {
	tb.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	email := "ops-" + hex.EncodeToString(b) + "@platform.example.com"
	_, pw, err := operators.CreateOperator(context.Background(), OwnerPool(tb), email, time.Now())
	if err != nil {
		tb.Fatalf("create operator: %v", err)
	}
	return Operator{Email: email, Password: pw, Client: Client{URL: m.URL()}}
}

// SignIn signs the operator in through GraphQL: the password, then (at the
// first sign-in, after enrolling the offered authenticator) a TOTP code.
func (o *Operator) SignIn(tb testing.TB) {
	tb.Helper()
	anon := Client{URL: o.Client.URL}
	d := anon.Must(tb, `mutation($e: String!, $p: String!) { operatorLogin(email: $e, password: $p) { loginToken enrollment { secret uri } } }`,
		map[string]any{"e": o.Email, "p": o.Password})
	if s := Str(d, "operatorLogin", "enrollment", "secret"); Get(d, "operatorLogin", "enrollment") != nil {
		o.Secret = s
	}
	d = anon.Must(tb, `mutation($t: String!, $c: String!) { operatorVerifyTOTP(loginToken: $t, code: $c) { token } }`,
		map[string]any{"t": Str(d, "operatorLogin", "loginToken"), "c": TOTPCode(tb, o.Secret)})
	o.Client.Token = Str(d, "operatorVerifyTOTP", "token")
}

// SignedInOperator creates an operator and signs it in.
func SignedInOperator(tb testing.TB, m *platform.Main) Operator {
	tb.Helper()
	o := NewOperator(tb, m)
	o.SignIn(tb)
	return o
}

var totpSteps struct {
	sync.Mutex
	last map[string]int64
}

// TOTPCode returns a code from secret that was not handed out before: the
// current time step's, or the next one's (which the server's one step of
// skew accepts), waiting for the clock when both were used. Each code works
// once, as an authenticator's would.
func TOTPCode(tb testing.TB, secret string) string {
	tb.Helper()
	totpSteps.Lock()
	defer totpSteps.Unlock()
	if totpSteps.last == nil {
		totpSteps.last = map[string]int64{}
	}
	for {
		now := time.Now()
		step := now.Unix() / 30
		if last := totpSteps.last[secret]; last >= step {
			step = last + 1
		}
		if step <= now.Unix()/30+1 {
			totpSteps.last[secret] = step
			code, err := totp.GenerateCode(secret, time.Unix(step*30, 0))
			if err != nil {
				tb.Fatalf("TOTP code: %v", err)
			}
			return code
		}
		time.Sleep(time.Second)
	}
}
