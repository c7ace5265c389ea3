package vault_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// faultProxy is a reverse proxy on loopback in front of the real Vault
// server, for the tests of this package that need one fault at a precise
// request (a lost reply, a 429, a 400, no answer). The fault matrix of the
// whole project lives elsewhere.
type faultProxy struct {
	URL string

	up   string
	tr   *http.Transport
	mu   sync.Mutex
	hook func(r *http.Request, body []byte) fault
	log  []seen
}

type seen struct {
	method, path string
	body         []byte
	at           time.Time
}

// fault is what the proxy does with one request.
type fault struct {
	kind   faultKind
	status int
	header http.Header
}

type faultKind int

const (
	pass   faultKind = iota // forward, answer
	lose                    // forward, then close the connection without answering
	answer                  // answer status (and header) without forwarding
	hang                    // never answer (until the client gives up)
)

func newFaultProxy(t *testing.T, hook func(r *http.Request, body []byte) fault) *faultProxy {
	t.Helper()
	needServer(t)
	p := &faultProxy{up: vaultAddr, tr: &http.Transport{}, hook: hook}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		p.tr.CloseIdleConnections()
	})
	p.URL = srv.URL
	return p
}

// faultFirst returns a proxy that does f to the first n requests that
// match accepts (passing every other request), and the number of matching
// requests seen so far.
func faultFirst(t *testing.T, n int32, f fault, match func(r *http.Request, body []byte) bool) (*faultProxy, *atomic.Int32) {
	t.Helper()
	var seen atomic.Int32
	px := newFaultProxy(t, func(r *http.Request, body []byte) fault {
		if match(r, body) && seen.Add(1) <= n {
			return f
		}
		return fault{}
	})
	return px, &seen
}

// isWrite reports whether r is a KV v2 data write under prefix pfx whose
// body contains marker.
func isWrite(r *http.Request, body []byte, pfx, marker string) bool {
	return (r.Method == http.MethodPut || r.Method == http.MethodPost) &&
		strings.HasPrefix(r.URL.Path, "/v1/secret/data/"+pfx+"/") && bytes.Contains(body, []byte(marker))
}

// isCASWrite reports whether r is a KV v2 data write with check-and-set
// under prefix pfx.
func isCASWrite(r *http.Request, body []byte, pfx string) bool {
	return isWrite(r, body, pfx, `"cas"`)
}

// requests returns the requests seen so far that match f.
func (p *faultProxy) requests(f func(s seen) bool) []seen {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []seen
	for _, s := range p.log {
		if f(s) {
			out = append(out, s)
		}
	}
	return out
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	p.mu.Lock()
	p.log = append(p.log, seen{method: r.Method, path: r.URL.Path, body: body, at: time.Now()})
	hook := p.hook
	p.mu.Unlock()
	f := fault{}
	if hook != nil {
		f = hook(r, body)
	}
	switch f.kind {
	case answer:
		for k, vs := range f.header {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(`{"errors":["injected by the test proxy"]}`))
		return
	case hang:
		<-r.Context().Done()
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), r.Method, p.up+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := p.tr.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	if f.kind == lose {
		if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
			conn.Close()
		}
		return
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
}
