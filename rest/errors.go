package rest

import (
	"fmt"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/restapi"
)

// APIError is an error answer of the gateway: the HTTP status and the
// {"error":{"code","message"}} envelope.
type APIError struct {
	Status     int
	Code       string // restapi's snake_case code; "" for an answer without the envelope
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("rest: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// statusCodes classify answers without the API's envelope (a proxy or
// load balancer in front of the gateway): the statuses of
// backend.StatusCodes, 412, 413 and 501.
var statusCodes = backend.StatusCodes(map[int]backend.Code{
	412: backend.FailedPrecondition,
	413: backend.InvalidArgument,
	501: backend.Unimplemented,
})

// code classifies e: the API's code (restapi's table, 1:1 with the
// secrets codes), else the status.
func (e *APIError) code() backend.Code {
	if c, ok := restapi.ParseCode(e.Code); ok {
		switch c {
		case backend.Canceled, backend.DeadlineExceeded:
			// The gateway's context, not the caller's: retryable.
			return backend.Unavailable
		}
		return c
	}
	return backend.StatusCode(statusCodes, e.Status)
}

// classify is the driver's error table: coded errors (backend.Errorf)
// first, then the caller's context, the API's answers, timeouts and
// transport failures as Unavailable.
var classify = backend.HTTPClassifier((*APIError).code)
