package awssm_test

import (
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// keepAlive puts an HTTP/1.1 keep-alive reverse proxy in front of the
// server, as AWS's endpoints are: moto's server is HTTP/1.0 and closes every
// connection itself, which would hide connections a client leaves open.
func keepAlive(t *testing.T) {
	t.Helper()
	target, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", srv.URL)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.URL)
}

// TestCloseReleasesConnections (8.14): 20 cycles of open, Get, Close against
// the real server leave goroutines and file descriptors at their baseline
// (±5): Close releases the connections of the client the driver built, and
// with role_arn those of its STS client too (10.5).
func TestCloseReleasesConnections(t *testing.T) {
	for _, tc := range []struct{ name, params string }{
		{"default chain", ""},
		{"role_arn", "?role_arn=arn:aws:iam::123456789012:role/ps-close"},
	} {
		t.Run(tc.name, func(t *testing.T) { closeCycles(t, tc.params) })
	}
}

func closeCycles(t *testing.T, params string) {
	needServer(t)
	keepAlive(t)
	p := drivertest.Prefix()
	seed := open(t, "awssm://"+p)
	drivertest.CreateAndRead(t, seed)
	drivertest.CloseCycles(t, 20, func() (*secrets.Store, error) { return secrets.OpenStore(ctx, "awssm://"+p+params) },
		func(st *secrets.Store) error {
			if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
				return fmt.Errorf("Value = %q, %v", v, err)
			}
			return nil
		})
}

// TestCloseLeavesUserClientAlone (8.14): a client passed in Options is the
// user's: Close does not touch its connections, and it keeps working.
func TestCloseLeavesUserClientAlone(t *testing.T) {
	needServer(t)
	tr := &drivertest.Transport{}
	raw := rawClient(t, tr)
	st, err := awssm.New(raw, awssm.Options{Prefix: drivertest.Prefix()})
	if err != nil {
		t.Fatal(err)
	}
	drivertest.ClosesOnlyItself(t, st, tr, func() error { _, err := raw.ListSecrets(ctx, nil); return err })
}
