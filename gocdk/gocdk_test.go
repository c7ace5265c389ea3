package gocdk_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gocloud.dev/gcerrors"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/gocdk"
)

// TestRoundTrip: every code maps to the Go CDK and back, where the CDK has
// the code; the two it lacks map to the nearest.
func TestRoundTrip(t *testing.T) {
	for _, c := range backend.Codes() {
		back := gocdk.FromGCErrorCode(gocdk.GCErrorCode(c))
		want := c
		switch c {
		case secrets.Unauthenticated:
			want = secrets.PermissionDenied
		case secrets.Unavailable:
			want = secrets.Internal
		}
		if back != want {
			t.Errorf("%v -> %v -> %v, want %v", c, gocdk.GCErrorCode(c), back, want)
		}
	}
}

func TestCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want secrets.Code
	}{
		{nil, secrets.Unknown},
		{errors.New("plain"), secrets.Unknown},
		{fmt.Errorf("w: %w", context.Canceled), secrets.Canceled},
		{&secrets.Error{Code: secrets.NotFound}, secrets.NotFound},
		{backend.Errorf(backend.RateLimited, "slow"), secrets.RateLimited},
	} {
		if got := gocdk.Code(tc.err); got != tc.want {
			t.Errorf("Code(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	if gcerrors.Code(context.Canceled) != gcerrors.Canceled {
		t.Fatal("gcerrors sanity")
	}
}
