package api_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/marquee-ott/marquee/api"
)

// A self-hosted web app on a listed app origin may call /graphql across
// origins (preflight and answer), without credentials; any other origin
// gets no CORS headers.
func TestGraphQLCORSForListedAppOrigins(t *testing.T) {
	s := &api.Server{Log: slog.New(slog.DiscardHandler), MaxBodySize: 1 << 20,
		Origin:  &api.Origin{AppOrigins: []string{"https://watch.acme.example"}},
		GraphQL: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"data":{}}`)) })}
	h := s.Handler()
	pre := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	pre.Header.Set("Origin", "https://watch.acme.example")
	pre.Header.Set("Access-Control-Request-Method", "POST")
	pre.Header.Set("Access-Control-Request-Headers", "content-type, x-marquee-app-key")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, pre)
	if rec.Code != http.StatusNoContent || rec.Header().Get("Access-Control-Allow-Origin") != "https://watch.acme.example" ||
		rec.Header().Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("preflight: %d %v", rec.Code, rec.Header())
	}
	post := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	post.Header.Set("Origin", "https://watch.acme.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://watch.acme.example" {
		t.Fatalf("post: %d %v", rec.Code, rec.Header())
	}
	post.Header.Set("Origin", "https://evil.example")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, post)
	if rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("another origin got CORS: %v", rec.Header())
	}
}
