package rest_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// keyFile writes the API key of id to a file for key_file=.
func keyFile(t testing.TB, g *restapitest.Gateway, id string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), id+".key")
	if err := os.WriteFile(p, []byte(g.Secrets[id]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestFaultMatrix runs the fault matrix of issue 8 (package faultmatrix)
// between the driver, opened by URL on the proxy's host with ?scheme=http,
// and the gateway over mem://; the truth is the served store itself. A lost
// reply of a write is replayed by the gateway (Idempotency-Key), so no
// write lands twice.
func TestFaultMatrix(t *testing.T) {
	truth := memory.OpenStore()
	g := restapitest.Start(t, truth, highRate, restapitest.Full("all"))
	kf := keyFile(t, g, "all")
	secretsPath := "/v1/admin/secrets"
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: g.Server.URL,
		Truth:    truth,
		Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
			return secrets.OpenStore(t.Context(), faultmatrix.StoreURL(proxyURL, "rest", "", "scheme=http&key_file="+url.QueryEscape(kf), maxRetries, timeout))
		},
		Request: faultmatrix.Requests(map[faultmatrix.Op]faultproxy.Match{
			faultmatrix.Create:   {Methods: []string{http.MethodPost}, PathPrefix: secretsPath},
			faultmatrix.Modify:   {Methods: []string{http.MethodPatch}, PathPrefix: secretsPath + "/"},
			faultmatrix.SetField: {Methods: []string{http.MethodPut}, PathPrefix: secretsPath + "/"},
			faultmatrix.Delete:   {Methods: []string{http.MethodDelete}, PathPrefix: secretsPath + "/"},
		}, faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: secretsPath}), // Get and List
	})
}
