package drivertest

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
)

// RefusesURL fails t unless open (secrets.OpenStore, or a URLMux's)
// refuses rawURL with InvalidArgument before any request reaches the
// server, as requests counts them; it returns the refusal, for the
// driver's own checks of its text.
func RefusesURL(t testing.TB, open func(context.Context, string) (*secrets.Store, error), rawURL string, requests func() int) error {
	t.Helper()
	before := requests()
	st, err := open(context.Background(), rawURL)
	if err == nil {
		st.Close()
	}
	if secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Fatalf("OpenStore = %v, want InvalidArgument", err)
	}
	if n := requests() - before; n != 0 {
		t.Errorf("%d requests sent", n)
	}
	return err
}

// InvalidURLs fails t for each of urls that secrets.OpenStore does not
// refuse with InvalidArgument (for URLs a driver refuses without asking its
// server).
func InvalidURLs(t testing.TB, urls ...string) {
	t.Helper()
	for _, u := range urls {
		st, err := secrets.OpenStore(context.Background(), u)
		if secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("OpenStore(%q) = %v, want InvalidArgument", u, err)
		}
		if err == nil {
			st.Close()
		}
	}
}
