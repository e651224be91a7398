package graph

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/marquee-ott/marquee/errs"
	"github.com/marquee-ott/marquee/graph/generated"
)

// Options are the API's limits and modes.
type Options struct {
	Production    bool // no introspection, no playground
	MaxComplexity int  // gqlgen's cost: 1 a field, times list sizes where given
	MaxDepth      int
	MaxAliases    int
	MaxUploadSize int64
	// WebSocketInit authenticates a subscription's connection from its
	// connection_init payload and returns the context to run it in.
	WebSocketInit func(ctx context.Context, payload map[string]any) (context.Context, error)
	Log           *slog.Logger
}

// NewHandler returns the /graphql handler: HTTP (GET, POST, multipart) and
// WebSocket (graphql-transport-ws) transports, limits, the error presenter
// and per-request dataloaders.
func NewHandler(r *Resolver, o Options) http.Handler {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Directives: r.Directives()}))
	srv.AddTransport(transport.Websocket{
		KeepAlivePingInterval: 15 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			if o.WebSocketInit == nil {
				return ctx, &p, nil
			}
			ctx, err := o.WebSocketInit(ctx, p)
			return ctx, &p, err
		},
	})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(postJSON{})
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: o.MaxUploadSize, MaxMemory: 4 << 20})
	// Parsed and validated documents are cached by query text, and clients may
	// send a query's hash instead of its text (automatic persisted queries):
	// apps repeat a handful of queries, so parsing once is most of the saving.
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](1000)})
	if !o.Production {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))
	srv.Use(shapeLimit{maxDepth: o.MaxDepth, maxAliases: o.MaxAliases})
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey{}, r.newLoaders(ctx)))
	})
	// No field middleware (AroundFields, a FieldInterceptor extension) is
	// installed, and none should be without revisiting graph/gqlgen/leaves.go:
	// plain leaf fields (a scalar read from a struct field) are marshalled
	// directly, around gqlgen's per-field machinery, so middleware would not
	// see them. Directives are unaffected: a field with one is never plain.
	srv.SetErrorPresenter(presenter(o.Log))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		o.Log.ErrorContext(ctx, "graphql panic", "panic", p)
		return errs.Internal(errors.New("panic"))
	})
	return srv
}

// Playground serves GraphiQL against endpoint (development only).
func Playground(endpoint string) http.Handler {
	return playground.Handler("Marquee GraphQL", endpoint)
}

// codes maps domain error kinds to GraphQL extensions.code.
var codes = map[errs.Kind]string{
	errs.KindInvalid:      "BAD_USER_INPUT",
	errs.KindNotFound:     "NOT_FOUND",
	errs.KindConflict:     "CONFLICT",
	errs.KindUnauthorized: "UNAUTHENTICATED",
	errs.KindForbidden:    "FORBIDDEN",
	errs.KindUnavailable:  "UNAVAILABLE",
	errs.KindRateLimited:  "RATE_LIMITED",
	errs.KindInternal:     "INTERNAL",
	errs.KindSuspended:    "TENANT_SUSPENDED",
}

// presenter gives every error a code and a safe message; only Internal errors
// are logged, here, once.
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		var de *errs.Error
		if !errors.As(err, &de) {
			if _, coded := gerr.Extensions["code"]; coded {
				return gerr // gqlgen's own parse and validation errors
			}
			if isInputError(err) {
				return withCode(gerr, "BAD_USER_INPUT", gerr.Message)
			}
			log.ErrorContext(ctx, "graphql internal error", "error", err.Error(), "path", gerr.Path.String())
			return withCode(gerr, "INTERNAL", "internal error")
		}
		if de.Kind == errs.KindInternal {
			log.ErrorContext(ctx, "graphql internal error", "error", err.Error(), "path", gerr.Path.String())
		}
		gerr = withCode(gerr, codes[de.Kind], errs.MessageOf(err))
		if de.Field != "" {
			gerr.Extensions["field"] = de.Field
		}
		return gerr
	}
}

func withCode(g *gqlerror.Error, code, msg string) *gqlerror.Error {
	g.Message = msg
	if g.Extensions == nil {
		g.Extensions = map[string]any{}
	}
	g.Extensions["code"] = code
	return g
}

// isInputError recognises gqlgen's argument-unmarshalling failures (a malformed
// ID, a bad enum value): gqlgen wraps them with their path but no code. Domain
// calls only return *errs.Error (db classifies driver errors), so an uncoded
// wrapped error here comes from the arguments.
func isInputError(err error) bool {
	var gerr *gqlerror.Error
	return errors.As(err, &gerr) && gerr.Err != nil
}
