package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/transport"
)

// postJSON is gqlgen's POST transport with one change: the response is
// written by writeResponse, which copies the executor's already-marshalled
// data as it is. gqlgen writes it with json.Marshal, and encoding/json
// re-scans the output of every MarshalJSON to compact and validate it: the
// whole response, once more, on every request (on a page of the team that
// re-scan was 8% of the server's CPU).
//
// It answers what it can say as gqlgen would (application/json, the same
// status codes, the same body but for HTML characters, which json.Marshal
// escapes and which need no escaping in JSON). Anything else — a client
// asking for application/graphql-response+json, a body that is not JSON — is
// handed to gqlgen's own POST unchanged.
type postJSON struct{ transport.POST }

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	body, err := io.ReadAll(r.Body)
	if err != nil || !acceptsJSON(r.Header.Get("Accept")) {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.POST.Do(w, r, exec)
		return
	}
	start := graphql.Now()
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // as gqlgen: variables keep their numbers exact
	if err := dec.Decode(params); err != nil {
		r.Body = io.NopCloser(bytes.NewReader(body))
		t.POST.Do(w, r, exec) // its error, in its words
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	w.Header().Set("Content-Type", "application/json")
	ctx := r.Context()
	rc, opErr := exec.CreateOperationContext(ctx, params)
	if opErr != nil {
		if errcode.GetErrorKind(opErr) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, rc), opErr))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, rc)
	writeResponse(w, responses(ctx))
}

// acceptsJSON reports whether gqlgen would answer application/json to this
// Accept header: none, or one whose first media type gqlgen knows is JSON or
// a wildcard (with none it knows, gqlgen answers graphql-response+json).
func acceptsJSON(accept string) bool {
	if accept == "" {
		return true
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", "application/json":
			return true
		case "application/graphql-response+json":
			return false
		}
	}
	return false
}

// writeResponse writes resp as json.Marshal would, but for the data, which
// is written as it is: the executor made it, and it is JSON. Its length is
// known before the first byte, so an HTTP response carries a Content-Length
// rather than being sent in chunks (net/http chunks anything over 2 KB whose
// length it is not told).
func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp.Label != "" || resp.Path != nil || resp.HasNext != nil { // incremental delivery: not ours to shortcut
		b, _ := json.Marshal(resp)
		_, _ = w.Write(b)
		return
	}
	head := `{"data":`
	if len(resp.Errors) > 0 {
		b, err := json.Marshal(resp.Errors)
		if err != nil {
			b = []byte(`[{"message":"the errors could not be written"}]`)
		}
		head = `{"errors":` + string(b) + `,"data":`
	}
	data := []byte(resp.Data)
	if len(data) == 0 {
		data = []byte("null")
	}
	tail := "}"
	if len(resp.Extensions) > 0 {
		if b, err := json.Marshal(resp.Extensions); err == nil {
			tail = `,"extensions":` + string(b) + "}"
		}
	}
	if hw, ok := w.(http.ResponseWriter); ok {
		hw.Header().Set("Content-Length", strconv.Itoa(len(head)+len(data)+len(tail)))
	}
	_, _ = io.WriteString(w, head)
	_, _ = w.Write(data)
	_, _ = io.WriteString(w, tail)
}
