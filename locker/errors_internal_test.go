package locker

import (
	"context"
	"fmt"
	"testing"

	"github.com/polysecret/secrets/backend"
)

// TestClassify: the error table, the SDK's duplicate rule (status 400 and
// "hash … already exist…" in the message, whatever the code) and nothing
// wider, and the driver's request timeout as Unavailable.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want backend.Code
	}{
		{&APIError{Status: 400, Code: "duplicate_hash", Message: "x"}, backend.AlreadyExists},
		{&APIError{Status: 400, Message: "This secret hash already exists"}, backend.AlreadyExists},
		{&APIError{Status: 400, Code: "http_error", Message: "This environment hash already exists"}, backend.AlreadyExists},
		{&APIError{Status: 400, Code: "validation_error", Message: "This hash value already existed"}, backend.AlreadyExists},
		{&APIError{Status: 400, Message: "The environment hash already existed"}, backend.AlreadyExists},
		{&APIError{Status: 400, Code: "validation_error", Message: "The field hash is required."}, backend.InvalidArgument},
		{&APIError{Status: 400, Code: "validation_error", Message: "This key already exists somewhere"}, backend.InvalidArgument},
		{&APIError{Status: 422, Message: "This secret hash already exists"}, backend.InvalidArgument},
		{&APIError{Status: 500, Message: "This secret hash already exists"}, backend.Internal},
		{&APIError{Status: 409}, backend.AlreadyExists},
		{&APIError{Status: 429}, backend.RateLimited},
		{&APIError{Status: 503, Code: "service_unavailable"}, backend.Unavailable},
		{&APIError{Status: 418}, backend.Unknown},
		{&backend.RequestTimeout{Driver: "locker", Method: "GET", Path: "/v1/profile"}, backend.Unavailable},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), backend.DeadlineExceeded},
		{fmt.Errorf("x: %w", context.Canceled), backend.Canceled},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	// the portable layer's classifier agrees: a request timeout is not the
	// caller's DeadlineExceeded
	if got := backend.Classify(&backend.RequestTimeout{Driver: "locker", Method: "GET", Path: "/p", After: 1}, classify); got != backend.Unavailable {
		t.Errorf("backend.Classify(requestTimeout) = %v", got)
	}
}
