package datalayer_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// TestFaultMatrix runs the fault matrix of issue 8 (package faultmatrix)
// between the driver, opened by URL on the proxy's host with
// ?scheme=http, and datalayertest, in both list shapes. Every row runs:
// Get, Create, Modify, List with values and Delete. SetField is left out
// by the runner: Datalayer has no compare-and-set, so the driver declares
// no FieldWrites.
func TestFaultMatrix(t *testing.T) {
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, shape.withValues)
			truth, err := datalayer.New(e.client(t), datalayer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { truth.Close() })
			const base = datalayer.APIPrefix + "/secrets"
			faultmatrix.Run(t, faultmatrix.Target{
				Upstream: e.srv.URL(),
				Truth:    truth,
				Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
					// The API key comes from the environment only; the
					// runner serializes Open, so setting it races with
					// nothing.
					restore := faultmatrix.Setenv(map[string]string{datalayer.EnvAPIKey: e.key})
					defer restore()
					return secrets.OpenStore(context.Background(), faultmatrix.StoreURL(proxyURL, "datalayer", "", "scheme=http", maxRetries, timeout))
				},
				Request: faultmatrix.Requests(map[faultmatrix.Op]faultproxy.Match{
					faultmatrix.Create: {Methods: []string{http.MethodPost}, PathPrefix: base},
					faultmatrix.Modify: {Methods: []string{http.MethodPut}, PathPrefix: base + "/"},
					faultmatrix.Delete: {Methods: []string{http.MethodDelete}, PathPrefix: base + "/"},
				}, faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: base}), // Get and List read the list first (a new store knows no uid)
			})
		})
	}
}
