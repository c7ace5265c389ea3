package vault_test

import (
	"net/http"
	"testing"

	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// TestFaultMatrix runs the fault matrix of issue 8 (package faultmatrix)
// between the driver, opened by URL with VAULT_ADDR on the proxy, and the
// real Vault dev server of TestMain, in each layout.
func TestFaultMatrix(t *testing.T) {
	needServer(t)
	for _, l := range []struct {
		name, query, scope string
	}{
		{"Polysecret", "", "/_global"},
		{"Native", "layout=native", ""},
	} {
		t.Run(l.name, func(t *testing.T) { faultMatrix(t, l.query, l.scope) })
	}
}

// faultMatrix runs the matrix on URLs with the extra parameters query,
// whose global secrets live in the directory scope below the prefix.
func faultMatrix(t *testing.T, query, scope string) {
	prefix := "fm-" + drivertest.Prefix()
	truth := drivertest.Open(t, "vault://secret/"+prefix+"?max_retries=5&"+query)
	data := "/v1/secret/data/" + prefix + scope
	meta := "/v1/secret/metadata/" + prefix + scope
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: vaultAddr,
		Truth:    truth,
		Open:     drivertest.OpenAtAddrEnv("VAULT_ADDR", "vault://secret/"+prefix+"?"+query),
		Request: func(op faultmatrix.Op, key string) faultproxy.Match {
			switch op {
			case faultmatrix.Get:
				return faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: data + "/" + key}
			case faultmatrix.Create, faultmatrix.Modify, faultmatrix.SetField: // the write of the value
				return faultproxy.Match{Methods: []string{http.MethodPut, http.MethodPost}, PathPrefix: data + "/" + key}
			case faultmatrix.Delete:
				return faultproxy.Match{Methods: []string{http.MethodDelete}, PathPrefix: meta + "/" + key}
			default: // List: the listing of the scope's metadata folder
				return faultproxy.Match{PathPrefix: meta, Func: func(r *http.Request) bool {
					return r.Method == "LIST" || r.URL.Query().Get("list") == "true"
				}}
			}
		},
	})
}
