package abeja_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
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
			restore := setenv(map[string]string{"ABEJA_PLATFORM_USER_ID": e.user, "ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN": e.pat})
			defer restore()
			u, _ := url.Parse(proxyURL)
			return secrets.OpenStore(context.Background(), "abeja://"+u.Host+"/"+e.org+"?scheme=http&max_retries="+
				strconv.Itoa(maxRetries)+"&timeout="+timeout.String())
		},
		Request: func(op faultmatrix.Op, _ string) faultproxy.Match {
			switch op {
			case faultmatrix.Create:
				return faultproxy.Match{Methods: []string{http.MethodPost}, PathPrefix: base}
			case faultmatrix.Modify: // the new version
				return faultproxy.Match{Methods: []string{http.MethodPost}, PathPrefix: base + "/"}
			case faultmatrix.Delete:
				return faultproxy.Match{Methods: []string{http.MethodDelete}, PathPrefix: base + "/"}
			default: // Get finds the name in the listing (a fresh store); List reads it
				return faultproxy.Match{Methods: []string{http.MethodGet}, PathPrefix: base}
			}
		},
	})
}

// setenv sets environment variables and returns what restores them. Only
// for code that nothing else runs beside (see faultmatrix.Target.Open).
func setenv(vars map[string]string) (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	for k, v := range vars {
		ov, ok := os.LookupEnv(k)
		saved[k] = old{ov, ok}
		os.Setenv(k, v)
	}
	return func() {
		for k, o := range saved {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}
