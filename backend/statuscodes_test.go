package backend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestStatusCodes: a driver's table is the shared statuses with its own
// added or overriding, and the shared table is left as it was.
func TestStatusCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		own  map[int]Code
		want map[int]Code
	}{
		{"none", nil, map[int]Code{400: InvalidArgument, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound,
			409: AlreadyExists, 429: RateLimited, 500: Internal, 502: Unavailable, 503: Unavailable, 504: Unavailable}},
		{"added and overriding", map[int]Code{422: InvalidArgument, 500: Unavailable},
			map[int]Code{400: InvalidArgument, 401: Unauthenticated, 403: PermissionDenied, 404: NotFound,
				409: AlreadyExists, 422: InvalidArgument, 429: RateLimited, 500: Unavailable, 502: Unavailable,
				503: Unavailable, 504: Unavailable}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, StatusCodes(tc.own)); d != "" {
				t.Errorf("StatusCodes (-want +got):\n%s", d)
			}
		})
	}
	if c := StatusCode(StatusCodes(nil), 500); c != Internal {
		t.Errorf("the shared table was changed by an override: 500 is %v", c)
	}
}
