package awssm_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
)

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting file descriptors: %v", err)
	}
	return len(es)
}

// settled waits (at most 10 s) until goroutines and file descriptors are at
// most want+5, and returns the last counts.
func settled(t *testing.T, wantG, wantFD int) (g, fd int) {
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		g, fd = runtime.NumGoroutine(), openFDs(t)
		if g <= wantG+5 && fd <= wantFD+5 || time.Now().After(deadline) {
			return g, fd
		}
	}
}

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
	p := prefix()
	seed := open(t, "awssm://"+p)
	if _, err := seed.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	cycle := func() {
		st, err := secrets.OpenStore(ctx, "awssm://"+p+params)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
			t.Fatalf("Value = %q, %v", v, err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cycle() // first use: lazily built package state is not a leak
	g0, fd0 := settled(t, runtime.NumGoroutine(), openFDs(t))
	for range 20 {
		cycle()
	}
	g, fd := settled(t, g0, fd0)
	t.Logf("goroutines %d -> %d, fds %d -> %d", g0, g, fd0, fd)
	if g > g0+5 || fd > fd0+5 {
		t.Errorf("after 20 open/Get/Close cycles: %d goroutines (baseline %d), %d fds (baseline %d)", g, g0, fd, fd0)
	}
}

// closeCounting is a user's transport that counts CloseIdleConnections.
type closeCounting struct {
	http.RoundTripper
	closed atomic.Int64
}

func (c *closeCounting) CloseIdleConnections() { c.closed.Add(1) }

// TestCloseLeavesUserClientAlone (8.14): a client passed in Options is the
// user's: Close does not touch its connections, and it keeps working.
func TestCloseLeavesUserClientAlone(t *testing.T) {
	needServer(t)
	tr := &closeCounting{RoundTripper: http.DefaultTransport}
	raw := rawClient(t, tr)
	st, err := awssm.New(raw, awssm.Options{Prefix: prefix()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if n := tr.closed.Load(); n != 0 {
		t.Errorf("Close closed the user's idle connections %d times", n)
	}
	if _, err := raw.ListSecrets(ctx, nil); err != nil {
		t.Errorf("the user's client after Close: %v", err)
	}
}
