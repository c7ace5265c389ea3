package abeja_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// TestFaultMatrix runs the fault matrix (package faultmatrix) between the
// driver, opened by URL on the proxy's host with ?scheme=http, and
// abejatest. Every row runs but SetField: ABEJA has no field writes
// (Capabilities.FieldWrites is false; the runner leaves that row out).
func TestFaultMatrix(t *testing.T) {
	e := newEnv(t)
	truth := e.store(t, abeja.ClientOptions{})
	base := "/secret-manager/organizations/" + e.org + "/secrets"
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: e.srv.URL(),
		Truth:    truth,
		Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
			// Credentials come from the environment only; the runner
			// serializes Open, so setting them here races with nothing.
			restore := faultmatrix.Setenv(map[string]string{"ABEJA_PLATFORM_USER_ID": e.user, "ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN": e.pat})
			defer restore()
			return secrets.OpenStore(context.Background(), faultmatrix.StoreURL(proxyURL, "abeja", "/"+e.org, "scheme=http", maxRetries, timeout))
		},
		Request: faultmatrix.Requests(map[faultmatrix.Op]faultproxy.Match{
			faultmatrix.Create: {Methods: []string{http.MethodPost}, PathPrefix: base},
			faultmatrix.Modify: {Methods: []string{http.MethodPost}, PathPrefix: base + "/"}, // the new version
			faultmatrix.Delete: {Methods: []string{http.MethodDelete}, PathPrefix: base + "/"},
		}, faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: base}), // Get finds the name in the listing (a fresh store); List reads it
	})
}
