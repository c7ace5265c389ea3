package abeja

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/polysecret/secrets/backend"
)

// APIError is an error answer of the ABEJA Platform API: the HTTP status
// and the body {"error","error_description"} (plus "error_detail" where
// the server sends one), as abeja/common/connection.py reads them.
type APIError struct {
	Status      int
	Err         string // "error"
	Description string // "error_description", at most 200 bytes kept
	RetryAfter  time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("abeja API: HTTP %d %s: %s", e.Status, e.Err, e.Description)
}

// maxDescription bounds the server's text kept in an error.
const maxDescription = 200

// parseAPIError reads an error answer; a body that is not the API's JSON
// (a load balancer's page) leaves the status's text, as the SDK does.
func parseAPIError(status int, h http.Header, body []byte) *APIError {
	ae := &APIError{Status: status, RetryAfter: backend.ParseRetryAfter(h)}
	var eb struct {
		Error       any `json:"error"`
		Description any `json:"error_description"`
	}
	if json.Unmarshal(body, &eb) == nil {
		ae.Err, _ = eb.Error.(string)
		ae.Description, _ = eb.Description.(string)
	}
	if ae.Err == "" {
		ae.Err = http.StatusText(status)
	}
	if len(ae.Description) > maxDescription {
		ae.Description = ae.Description[:maxDescription] + "…"
	}
	return ae
}

// statusCodes is the error table (package documentation, Errors): by HTTP
// status only; the "error" names are not documented.
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	405: backend.Internal,
	409: backend.AlreadyExists,
	413: backend.InvalidArgument,
	429: backend.RateLimited,
	500: backend.Unavailable,
	502: backend.Unavailable,
	503: backend.Unavailable,
	504: backend.Unavailable,
}

func (e *APIError) code() backend.Code {
	if c, ok := statusCodes[e.Status]; ok {
		return c
	}
	if e.Status >= 500 {
		return backend.Unavailable
	}
	return backend.Unknown
}

// requestTimeout is the driver's own per-request timeout firing while the
// caller's context is alive: retryable and Unavailable, never the caller's
// DeadlineExceeded (it does not wrap the context error).
type requestTimeout struct {
	method, path string
	after        time.Duration // 0: a user's http.Client.Timeout
}

func (e *requestTimeout) Error() string {
	if e.after == 0 {
		return fmt.Sprintf("abeja: no answer to %s %s before the HTTP client's timeout", e.method, e.path)
	}
	return fmt.Sprintf("abeja: no answer to %s %s within the request timeout (%v)", e.method, e.path, e.after)
}

// Timeout marks it as a timeout for net.Error-minded callers.
func (e *requestTimeout) Timeout() bool { return true }

func classify(err error) backend.Code {
	var be *backend.Error
	if errors.As(err, &be) {
		return be.Code
	}
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
	if errors.As(err, &ne) || errors.As(err, &ue) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return backend.Unavailable
	}
	return backend.Unknown
}
