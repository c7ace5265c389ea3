package datalayer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/polysecret/secrets/backend"
)

// APIError is an error answer of the Datalayer API: the HTTP status and
// the body's "message" (or "detail", as the official TypeScript client
// reads it). A 2xx answer whose body says "success": false is one too.
type APIError struct {
	Status     int
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("datalayer API: HTTP %d: %s", e.Status, e.Message)
}

// statusCodes is the error table of the package documentation: the
// API's error answers are classified by HTTP status alone (the clients
// know no error codes).
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	409: backend.AlreadyExists,
	413: backend.InvalidArgument,
	422: backend.InvalidArgument,
	429: backend.RateLimited,
	500: backend.Internal,
	501: backend.Unimplemented,
}

func (e *APIError) code() backend.Code {
	if c, ok := statusCodes[e.Status]; ok {
		return c
	}
	if e.Status >= 500 {
		return backend.Unavailable // 502, 503, 504 and the rest: retried
	}
	return backend.Unknown
}

// requestTimeout is the driver's own per-request timeout firing while the
// caller's context is still alive: a transport failure like a 503
// (retryable, Unavailable), not the caller's DeadlineExceeded. It does
// not wrap the context error, so that no classifier takes it for the
// caller's deadline.
type requestTimeout struct {
	method, path string
	after        time.Duration // 0: a user's http.Client.Timeout
}

func (e *requestTimeout) Error() string {
	if e.after == 0 {
		return fmt.Sprintf("datalayer: no answer to %s %s before the HTTP client's timeout", e.method, e.path)
	}
	return fmt.Sprintf("datalayer: no answer to %s %s within the request timeout (%v)", e.method, e.path, e.after)
}

// Timeout marks it as a timeout for net.Error-minded callers.
func (e *requestTimeout) Timeout() bool { return true }

// classify is the driver's error classifier: API answers by status,
// request timeouts and transport failures as Unavailable.
func classify(err error) backend.Code {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.code()
	}
	var rt *requestTimeout
	if errors.As(err, &rt) {
		return backend.Unavailable
	}
	if c := backend.ContextCode(err); c != backend.Unknown {
		return c
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return backend.Unavailable
	}
	return backend.Unknown
}

// code is the code of any error the driver returns: its own coded errors
// (backend.Errorf) first, then classify's.
func code(err error) backend.Code { return backend.Classify(err, classify) }
