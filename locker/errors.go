package locker

import (
	"fmt"
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

// statusCodes and apiCodes are the error table of LOCKER.md §7: the
// statuses of backend.StatusCodes and 422.
var statusCodes = backend.StatusCodes(map[int]backend.Code{
	422: backend.InvalidArgument,
})

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
	return backend.StatusCode(statusCodes, e.Status)
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

// classify is the code of any error the driver returns: its own coded
// errors (backend.Errorf) first, then the caller's context, API answers
// by the table above, timeouts and transport failures as Unavailable.
var classify = backend.HTTPClassifier((*APIError).code)
