package rest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/restapi"
)

// TestErrorTable: the gateway's codes map back 1:1 (but the gateway's own
// context codes, which are retryable Unavailable), a proxy's answer
// without the envelope maps by status, transport failures and timeouts are
// Unavailable.
func TestErrorTable(t *testing.T) {
	for _, c := range backend.Codes() {
		want := c
		if c == backend.Canceled || c == backend.DeadlineExceeded {
			want = backend.Unavailable
		}
		err := fmt.Errorf("wrapped: %w", &APIError{Status: restapi.HTTPStatus(c), Code: restapi.CodeName(c)})
		if got := classify(err); got != want {
			t.Errorf("%s: %v, want %v", restapi.CodeName(c), got, want)
		}
	}
	for status, want := range map[int]backend.Code{400: backend.InvalidArgument, 401: backend.Unauthenticated,
		403: backend.PermissionDenied, 404: backend.NotFound, 409: backend.AlreadyExists, 412: backend.FailedPrecondition,
		413: backend.InvalidArgument, 429: backend.RateLimited, 500: backend.Internal, 501: backend.Unimplemented,
		502: backend.Unavailable, 503: backend.Unavailable, 504: backend.Unavailable, 507: backend.Unavailable, 418: backend.Unknown} {
		if got := classify(&APIError{Status: status}); got != want {
			t.Errorf("status %d without envelope: %v, want %v", status, got, want)
		}
	}
	if got := classify(&APIError{Status: 404, Code: "no_such_code"}); got != backend.NotFound {
		t.Errorf("unknown code: %v, want the status's", got)
	}
	for _, err := range []error{&backend.RequestTimeout{Driver: "rest", Method: "GET", Path: "/"}, &backend.TransportError{Driver: "rest", Method: "GET", Path: "/", Err: errors.New("reset")}} {
		if got := classify(err); got != backend.Unavailable {
			t.Errorf("%v: %v", err, got)
		}
	}
	if got := classify(context.Canceled); got != backend.Canceled {
		t.Errorf("the caller's context: %v", got)
	}
}
