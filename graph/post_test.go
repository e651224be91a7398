package graph

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postJSON answers every request exactly as gqlgen's POST transport does
// (status, content type, body), only faster.
func TestPostJSONAnswersAsGqlgen(t *testing.T) {
	cases := []struct{ name, body, accept string }{
		{"query", `{"query":"{ name }"}`, ""},
		{"variables", `{"query":"query($id: Int!) { find(id: $id) }","variables":{"id":12345678901}}`, "application/json"},
		{"unknown field", `{"query":"{ nope }"}`, "*/*"},
		{"parse error", `{"query":"{ name "}`, ""},
		{"not json", `{"query":`, ""},
		{"graphql-response+json", `{"query":"{ nope }"}`, "application/graphql-response+json"},
		{"unknown accept", `{"query":"{ name }"}`, "text/html"},
		{"wildcard accept", `{"query":"{ name }"}`, "application/*"},
	}
	for _, mk := range []func() *testserver.TestServer{testserver.New, testserver.NewError} {
		theirs, ours := mk(), mk()
		theirs.AddTransport(transport.POST{})
		ours.AddTransport(postJSON{})
		for _, c := range cases {
			a, b := post(t, theirs, c.body, c.accept), post(t, ours, c.body, c.accept)
			if a.status != b.status || a.contentType != b.contentType || !reflect.DeepEqual(a.body, b.body) {
				t.Errorf("%s: gqlgen %d %s %v, ours %d %s %v", c.name, a.status, a.contentType, a.body, b.status, b.contentType, b.body)
			}
			if b.contentLength != "" && b.contentLength != strconv.Itoa(b.size) {
				t.Errorf("%s: Content-Length %s for a body of %d bytes", c.name, b.contentLength, b.size)
			}
			if c.name == "query" && b.contentLength == "" {
				t.Errorf("%s: no Content-Length", c.name)
			}
		}
	}
}

type answer struct {
	status                     int
	contentType, contentLength string
	body                       any
	size                       int
}

func post(t *testing.T, h http.Handler, body, accept string) answer {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if accept != "" {
		r.Header.Set("Accept", accept)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	var v any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s: not JSON: %q", body, w.Body.String())
	}
	return answer{w.Code, w.Header().Get("Content-Type"), w.Header().Get("Content-Length"), v, w.Body.Len()}
}

// writeResponse writes what json.Marshal writes (HTML characters aside, which
// JSON does not need escaped), without re-reading the data.
func TestWriteResponse(t *testing.T) {
	yes := true
	for _, resp := range []*graphql.Response{
		{Data: json.RawMessage(`{"team":{"edges":[{"node":{"email":"a@example.com"}}]}}`)},
		{},
		{Errors: graphql.ErrorResponse(t.Context(), "no %s", "way").Errors, Data: json.RawMessage(`{"a":null}`)},
		{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"cost": 3}},
		{Data: json.RawMessage(`{"a":1}`), HasNext: &yes},
	} {
		want, _ := json.Marshal(resp)
		var got strings.Builder
		writeResponse(&got, resp)
		if got.String() != string(want) {
			t.Errorf("got  %s\nwant %s", got.String(), want)
		}
	}
	var got strings.Builder
	writeResponse(&got, &graphql.Response{Data: json.RawMessage(`{"name":"<b>&</b>"}`)})
	if got.String() != `{"data":{"name":"<b>&</b>"}}` {
		t.Errorf("HTML characters: %s", got.String())
	}
}
