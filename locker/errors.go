package locker

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// APIError is an error answer of the Locker API: {"code","message"} and
// the HTTP status.
type APIError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("locker API: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// statusCodes and apiCodes are the error table of LOCKER.md §7.
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	409: backend.AlreadyExists,
	422: backend.InvalidArgument,
	429: backend.RateLimited,
	500: backend.Internal,
	502: backend.Unavailable,
	503: backend.Unavailable,
	504: backend.Unavailable,
}

var apiCodes = map[string]backend.Code{
	"duplicate_hash":             backend.AlreadyExists,
	"secret_already_exists":      backend.AlreadyExists,
	"environment_already_exists": backend.AlreadyExists,
	"conflict":                   backend.AlreadyExists,
	"unauthorized":               backend.Unauthenticated,
	"invalid_secret_access_key":  backend.Unauthenticated,
	"permission_denied":          backend.PermissionDenied,
	"forbidden":                  backend.PermissionDenied,
	"not_found":                  backend.NotFound,
	"not_found_error":            backend.NotFound,
	"secret_not_found":           backend.NotFound,
	"environment_not_found":      backend.NotFound,
	"validation_error":           backend.InvalidArgument,
	"rate_limited":               backend.RateLimited,
	"rate_limit":                 backend.RateLimited,
	"rate_limit_error":           backend.RateLimited,
	"service_unavailable":        backend.Unavailable,
	"server_error":               backend.Internal,
	"internal_error":             backend.Internal,
}

// code classifies e: a duplicate as the official SDK knows it, then the
// API's code where it names one, then the status.
func (e *APIError) code() backend.Code {
	if e.duplicate() {
		return backend.AlreadyExists
	}
	if c, ok := apiCodes[e.Code]; ok {
		return c
	}
	if c, ok := statusCodes[e.Status]; ok {
		return c
	}
	if e.Status >= 500 {
		return backend.Unavailable
	}
	return backend.Unknown
}

// duplicate reports a uniqueness violation by status and message. This is
// the one place the driver reads message text, because it is the vendor's
// own documented way: Locker's official Go SDK recognises a duplicate by
// status 400 and SERVER_ERR_MSG_DUP = "hash already exists" in the message
// (its tests show "This secret hash already exists", "This environment
// hash already exists", and for updates "This hash value already existed"
// and "The environment hash already existed"), whatever the code. The
// code the real server sends for it is not known (LOCKER.md §2, §8).
func (e *APIError) duplicate() bool {
	if e.Status != 400 {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "hash") && strings.Contains(m, "already exist")
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
		return fmt.Sprintf("locker: no answer to %s %s before the HTTP client's timeout", e.method, e.path)
	}
	return fmt.Sprintf("locker: no answer to %s %s within the request timeout (%v)", e.method, e.path, e.after)
}

// Timeout marks it as a timeout for net.Error-minded callers.
func (e *requestTimeout) Timeout() bool { return true }

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
