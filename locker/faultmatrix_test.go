package locker_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"strconv"
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
			restore := setenv(map[string]string{"LOCKER_ACCESS_KEY_ID": key.ID, "LOCKER_SECRET_ACCESS_KEY": key.Secret})
			defer restore()
			u, _ := url.Parse(proxyURL)
			return secrets.OpenStore(context.Background(), "locker://"+u.Host+"/locker_secrets?scheme=http&max_retries="+
				strconv.Itoa(maxRetries)+"&timeout="+timeout.String())
		},
		Request: func(op faultmatrix.Op, _ string) faultproxy.Match {
			switch op {
			case faultmatrix.Create:
				return faultproxy.Match{Methods: []string{http.MethodPost}, PathPrefix: base}
			case faultmatrix.Modify:
				return faultproxy.Match{Methods: []string{http.MethodPut}, PathPrefix: base + "/"}
			default: // Get finds the secret by its hash; List reads a page
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
