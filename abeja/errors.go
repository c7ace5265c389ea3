package abeja

import (
	"encoding/json"
	"fmt"
	"net/http"
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
// status only; the "error" names are not documented. The statuses of
// backend.StatusCodes, 405, 413, and 500 as Unavailable.
var statusCodes = backend.StatusCodes(map[int]backend.Code{
	405: backend.Internal,
	413: backend.InvalidArgument,
	500: backend.Unavailable,
})

func (e *APIError) code() backend.Code {
	return backend.StatusCode(statusCodes, e.Status)
}

// classify is the code of any error the driver returns: its own coded
// errors (backend.Errorf) first, then the caller's context, API answers
// by status, timeouts and transport failures (a broken-off answer too) as
// Unavailable.
var classify = backend.HTTPClassifier((*APIError).code)
