// Package errs is Marquee's one small vocabulary of error kinds.
//
// Every domain error carries a Kind (what went wrong, for machines: the API maps
// it to an HTTP status and a GraphQL extensions.code), a Message that is safe to
// show to the user, and an internal chain for logs. It is not for logging: only
// Internal errors are logged, once, at the edge.
package errs

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the edges.
type Kind string

// The kinds. Keep this list short: a new kind is a new contract with every client.
const (
	KindInvalid      Kind = "INVALID"
	KindNotFound     Kind = "NOT_FOUND"
	KindConflict     Kind = "CONFLICT"
	KindUnauthorized Kind = "UNAUTHORIZED"
	KindForbidden    Kind = "FORBIDDEN"
	KindUnavailable  Kind = "UNAVAILABLE"
	KindRateLimited  Kind = "RATE_LIMITED"
	KindInternal     Kind = "INTERNAL"
	// KindSuspended: the tenant is suspended by the platform operator; every
	// request with its credentials, hosts or paths gets it (HTTP 403).
	KindSuspended Kind = "TENANT_SUSPENDED"
)

// Error is a classified error with a user-safe message.
type Error struct {
	Kind    Kind
	Message string // safe to show to a user
	Field   string // the input field at fault, when there is one
	Err     error  // internal cause, never shown
}

func (e *Error) Error() string {
	s := string(e.Kind) + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

func newf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input.
func Invalid(format string, args ...any) *Error { return newf(KindInvalid, format, args...) }

// InvalidField reports bad input in one named field.
func InvalidField(field, format string, args ...any) *Error {
	e := newf(KindInvalid, format, args...)
	e.Field = field
	return e
}

// NotFound reports a missing object. Another tenant's object is reported the same way.
func NotFound(format string, args ...any) *Error { return newf(KindNotFound, format, args...) }

// Conflict reports a clash with existing state (a taken slug, a stale version).
func Conflict(format string, args ...any) *Error { return newf(KindConflict, format, args...) }

// Unauthorized reports a missing or bad credential.
func Unauthorized(format string, args ...any) *Error {
	return newf(KindUnauthorized, format, args...)
}

// Forbidden reports a known principal acting beyond its permissions.
func Forbidden(format string, args ...any) *Error { return newf(KindForbidden, format, args...) }

// Unavailable reports a dependency that cannot answer now; callers may retry.
func Unavailable(cause error, format string, args ...any) *Error {
	e := newf(KindUnavailable, format, args...)
	e.Err = cause
	return e
}

// RateLimited reports too many attempts.
func RateLimited(format string, args ...any) *Error { return newf(KindRateLimited, format, args...) }

// Suspended reports a tenant the platform operator suspended.
func Suspended(format string, args ...any) *Error { return newf(KindSuspended, format, args...) }

// Internal wraps an unexpected failure; its message to users is generic.
func Internal(cause error) *Error {
	return &Error{Kind: KindInternal, Message: "internal error", Err: cause}
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err is of kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// MessageOf returns the user-safe message of err, or a generic one.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != KindInternal {
		return e.Message
	}
	return "internal error"
}

// FieldOf returns the input field err blames, if any.
func FieldOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
