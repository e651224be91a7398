package platformtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
)

// Client speaks GraphQL over HTTP to a running platform, as one principal.
type Client struct {
	URL    string // base URL
	Path   string // default /graphql
	Token  string // bearer: session token or API key
	AppKey string
	HTTP   *http.Client
}

// Response is a GraphQL response.
type Response struct {
	Status int
	Data   map[string]any
	Errors []Error
}

// Error is one GraphQL error.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the error's extensions.code.
func (e Error) Code() string { s, _ := e.Extensions["code"].(string); return s }

// Codes lists the response's error codes.
func (r Response) Codes() []string {
	out := make([]string, len(r.Errors))
	for i, e := range r.Errors {
		out[i] = e.Code()
	}
	return out
}

// Code is the first error's code, or "" when there is none.
func (r Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].Code()
}

// Do posts query with vars and decodes the answer.
func (c Client) Do(tb testing.TB, query string, vars map[string]any) Response {
	tb.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return c.Raw(tb, "application/json", body)
}

// Raw posts a body of any type to the GraphQL endpoint.
func (c Client) Raw(tb testing.TB, contentType string, body []byte) Response {
	tb.Helper()
	path := c.Path
	if path == "" {
		path = "/graphql"
	}
	req, err := http.NewRequest(http.MethodPost, c.URL+path, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.AppKey != "" {
		req.Header.Set("X-Marquee-App-Key", c.AppKey)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	res, err := hc.Do(req)
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []Error        `json:"errors"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		tb.Fatalf("POST %s: status %d, not JSON: %.300s", path, res.StatusCode, raw)
	}
	return Response{Status: res.StatusCode, Data: out.Data, Errors: out.Errors}
}

// Must runs query and fails the test on any error.
func (c Client) Must(tb testing.TB, query string, vars map[string]any) map[string]any {
	tb.Helper()
	r := c.Do(tb, query, vars)
	if len(r.Errors) > 0 {
		tb.Fatalf("GraphQL errors: %+v", r.Errors)
	}
	return r.Data
}

// Get walks a decoded JSON value by keys and indexes: Get(data, "signUp", "token").
func Get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

// Str is Get as a string.
func Str(v any, path ...any) string { return fmt.Sprint(Get(v, path...)) }
