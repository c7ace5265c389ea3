// Package drivertest holds what the network drivers' own tests share: a
// transport that counts requests and CloseIdleConnections calls, and the
// open/use/Close cycle check of resource release (issue 8, point 14).
package drivertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"os"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysecret/secrets"
)

// Transport counts the requests it forwards to Next (http.DefaultTransport
// when nil) and the CloseIdleConnections calls it receives, which it does
// not pass on: a test uses it as "the application's" transport to see
// whether a driver closed it.
type Transport struct {
	Next     http.RoundTripper
	requests atomic.Int64
	closed   atomic.Int64
}

// RoundTrip counts and forwards the request.
func (t *Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.requests.Add(1)
	next := t.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// CloseIdleConnections counts the call.
func (t *Transport) CloseIdleConnections() { t.closed.Add(1) }

// Requests is the number of requests forwarded so far.
func (t *Transport) Requests() int64 { return t.requests.Load() }

// Closed is the number of CloseIdleConnections calls so far.
func (t *Transport) Closed() int64 { return t.closed.Load() }

// Slack is how many goroutines and file descriptors a cycle check allows
// above the baseline.
const Slack = 5

// CloseCycles opens a store with open, calls use on it and closes it, n
// times, and fails t unless the goroutines and open file descriptors of the
// process are back to their baseline (± Slack) afterwards: a driver that
// built its client must release its connections on Close.
func CloseCycles(t *testing.T, n int, open func() (*secrets.Store, error), use func(*secrets.Store) error) {
	t.Helper()
	cycle := func() {
		t.Helper()
		st, err := open()
		if err != nil {
			t.Fatal(err)
		}
		if err := use(st); err != nil {
			t.Fatal(err)
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
	}
	cycle() // the first use builds lazily made package state: not a leak
	g0, f0 := settle(t, 1<<30, 1<<30)
	for range n {
		cycle()
	}
	if g, f := settle(t, g0, f0); g > g0+Slack || f > f0+Slack {
		t.Errorf("after %d open/use/Close cycles: %d goroutines (baseline %d), %d open fds (baseline %d)", n, g, g0, f, f0)
	}
}

// settle waits (up to 5 s) for the goroutines and fds to come down to the
// given levels + Slack, and returns where they are.
func settle(t *testing.T, g0, f0 int) (g, f int) {
	for range 100 {
		runtime.GC()
		if g, f = runtime.NumGoroutine(), openFDs(t); g <= g0+Slack && f <= f0+Slack {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return g, f
}

func openFDs(t *testing.T) int {
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("counting open fds: %v", err)
	}
	return len(es)
}

// Prefix returns a fresh name prefix ("ps-" and 12 hex digits), so that
// each test has its own part of a shared server.
func Prefix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "ps-" + hex.EncodeToString(b)
}

// Open opens url on the default mux and closes the store at cleanup.
func Open(t testing.TB, url string) *secrets.Store {
	t.Helper()
	st, err := secrets.OpenStore(context.Background(), url)
	if err != nil {
		t.Fatalf("OpenStore: %v", err) // the URL is not repeated: it may name a credential file
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// SteadyGoroutines returns the goroutine count once it has not changed for
// 200 ms (at most 3 s).
func SteadyGoroutines() int {
	n, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(3 * time.Second); same < 4 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

// SettleGoroutines waits (up to 5 s) for the goroutine count to come down
// to at most want, and returns it.
func SettleGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for deadline := time.Now().Add(5 * time.Second); n > want && time.Now().Before(deadline); n = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond)
	}
	return n
}
