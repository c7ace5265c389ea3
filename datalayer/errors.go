package datalayer

import (
	"fmt"
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
// know no error codes): the statuses of backend.StatusCodes, 413, 422
// and 501.
var statusCodes = backend.StatusCodes(map[int]backend.Code{
	413: backend.InvalidArgument,
	422: backend.InvalidArgument,
	501: backend.Unimplemented,
})

func (e *APIError) code() backend.Code {
	return backend.StatusCode(statusCodes, e.Status) // 502, 503, 504 and the rest: Unavailable, retried
}

// classify is the code of any error the driver returns: its own coded
// errors (backend.Errorf) first, then the caller's context, API answers
// by status, request timeouts and transport failures as Unavailable.
var classify = backend.HTTPClassifier((*APIError).code)
