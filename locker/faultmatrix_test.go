package locker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
	"github.com/polysecret/secrets/locker"
)

// TestFaultMatrix runs the fault matrix of issue 8 (package faultmatrix)
// between the driver, opened by URL on the proxy's host with ?scheme=http,
// and lockertest. Locker has no Delete: that row is left out.
func TestFaultMatrix(t *testing.T) {
	e := newEnv(t)
	srv, key := e.srv, e.key
	truth, err := locker.New(e.mustClient(t, key), locker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { truth.Close() })

	base := "/locker_secrets/v1/secrets"
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: "http://" + srv.Host(),
		Truth:    truth,
		Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
			// Credentials come from the environment only; the runner
			// serializes Open, so setting them here races with nothing.
			restore := faultmatrix.Setenv(map[string]string{"LOCKER_ACCESS_KEY_ID": key.ID, "LOCKER_SECRET_ACCESS_KEY": key.Secret})
			defer restore()
			return secrets.OpenStore(context.Background(), faultmatrix.StoreURL(proxyURL, "locker", "/locker_secrets", "scheme=http", maxRetries, timeout))
		},
		Request: faultmatrix.Requests(map[faultmatrix.Op]faultproxy.Match{
			faultmatrix.Create: {Methods: []string{http.MethodPost}, PathPrefix: base},
			faultmatrix.Modify: {Methods: []string{http.MethodPut}, PathPrefix: base + "/"},
		}, faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: base}), // Get finds the secret by its hash; List reads a page
	})
}
