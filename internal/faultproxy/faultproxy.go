// Package faultproxy is an in-process HTTP proxy on loopback that a test puts
// between a driver and its real server to inject faults: a refused port, a
// connection closed or reset before any answer, a reply lost after the write
// landed, 429 with Retry-After, 503, and a server that never answers.
//
// The test chooses, per request, what happens, with [Rule]s: the first rule
// that matches a request and has not used up its Times applies; a request no
// rule takes is forwarded. Every rule counts the requests it took; the proxy
// counts every request it read. Counters are safe for concurrent use.
//
// Standard library only: net/http/httptest serves, net/http/httputil
// forwards.
package faultproxy

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// Fault is what the proxy does with a request a rule takes.
type Fault int

const (
	// Pass forwards the request to the real server.
	Pass Fault = iota
	// Down closes the connection (FIN) without forwarding and before any
	// byte of an answer: a server that went away.
	Down
	// Reset resets the connection (RST) without forwarding and before any
	// byte of an answer.
	Reset
	// LoseReply forwards the request, reads the real answer to its end (the
	// write landed) and resets the connection instead of passing it on.
	LoseReply
	// TooManyRequests answers 429 with Retry-After (Rule.RetryAfter, "1"
	// when empty), without forwarding.
	TooManyRequests
	// Unavailable answers 503 without forwarding.
	Unavailable
	// Hang holds the request, without forwarding, until the client gives up
	// or the proxy closes; then the connection is closed with no answer.
	Hang
)

var faultNames = [...]string{"pass", "down", "reset", "lost-reply", "429", "503", "hang"}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "fault(" + strconv.Itoa(int(f)) + ")"
}

// Match selects requests. Every field that is set must hold; the zero Match
// takes every request.
type Match struct {
	// Methods: the request's method is one of these.
	Methods []string
	// PathPrefix: the request's URL path starts with it.
	PathPrefix string
	// Header and Value: the request's header Header equals Value (e.g.
	// X-Amz-Target: secretsmanager.GetSecretValue).
	Header, Value string
	// Func, if set, has the last word. It must not read the body.
	Func func(r *http.Request) bool
}

// Matches reports whether m selects r.
func (m Match) Matches(r *http.Request) bool {
	if len(m.Methods) > 0 {
		ok := false
		for _, meth := range m.Methods {
			ok = ok || strings.EqualFold(meth, r.Method)
		}
		if !ok {
			return false
		}
	}
	if m.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, m.PathPrefix) {
		return false
	}
	if m.Header != "" && r.Header.Get(m.Header) != m.Value {
		return false
	}
	if m.Func != nil && !m.Func(r) {
		return false
	}
	return true
}

// Rule applies Fault to the requests Match selects, to the first Times of
// them (0: to all). Do not change a rule once given to the proxy.
type Rule struct {
	Match Match
	Fault Fault
	Times int
	// RetryAfter is the Retry-After header of TooManyRequests ("1" when
	// empty).
	RetryAfter string
	// ContentType and Body are the answer of TooManyRequests and
	// Unavailable; by default a short HTML page, as a load balancer in
	// front of the server would send.
	ContentType, Body string

	hits atomic.Int64
}

// Hits is how many requests the rule took.
func (r *Rule) Hits() int { return int(r.hits.Load()) }

// take counts a request if the rule still applies.
func (r *Rule) take() bool {
	for {
		n := r.hits.Load()
		if r.Times > 0 && n >= int64(r.Times) {
			return false
		}
		if r.hits.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// Proxy is a fault-injecting HTTP proxy to one upstream server.
type Proxy struct {
	srv      *httptest.Server
	upstream *url.URL
	tr       *http.Transport
	rp       *httputil.ReverseProxy

	mu    sync.Mutex
	rules []*Rule

	total     atomic.Int64
	closed    chan struct{}
	closeOnce sync.Once
	portOnce  sync.Once
	// release frees the closed port's reservation (ClosePort).
	release func()
}

// New starts a proxy on 127.0.0.1 to upstream (scheme://host:port; plain
// HTTP). Close it when done.
func New(upstream string) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return nil, errors.New("faultproxy: upstream must be http://host:port")
	}
	p := &Proxy{upstream: u, closed: make(chan struct{})}
	p.tr = http.DefaultTransport.(*http.Transport).Clone()
	p.tr.Proxy = nil
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host // some servers sign the Host header (AWS SigV4)
		},
		Transport: p.tr,
		ErrorLog:  nil,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			// The upstream failed: tell the client the truth, a 502.
			w.WriteHeader(http.StatusBadGateway)
		},
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ErrorLog = nil
	// Every request on a new connection: the Go transport silently resends
	// an idempotent request that failed on a reused connection, and a
	// request sent on a pooled connection the proxy already closed never
	// reaches it; without keep-alives neither happens, and the proxy
	// counts exactly the attempts a client made.
	p.srv.Config.SetKeepAlivesEnabled(false)
	p.srv.Start()
	return p, nil
}

// URL is the proxy's base URL, http://127.0.0.1:port.
func (p *Proxy) URL() string { return p.srv.URL }

// Host is the proxy's host:port.
func (p *Proxy) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// Set replaces the rules (their counters are not reset: pass fresh rules),
// resets the total count and closes the connections of requests in flight.
// The proxy does not keep connections alive: every request comes on a new
// connection.
func (p *Proxy) Set(rules ...*Rule) {
	p.mu.Lock()
	p.rules = append([]*Rule(nil), rules...)
	p.mu.Unlock()
	p.srv.CloseClientConnections()
	p.total.Store(0)
}

// Requests is how many requests the proxy read since the last Set.
func (p *Proxy) Requests() int { return int(p.total.Load()) }

// ClosePort stops listening and closes the connections open to the proxy:
// from now on connections to its port are refused (a server that is down).
// The port stays reserved (bound, not listening) until Close, so that no
// other listener of the test process — another cell's proxy — takes it
// and answers in the closed port's place; an error says it could not be
// reserved, and then nothing may be concluded from a connection to it.
func (p *Proxy) ClosePort() (err error) {
	p.portOnce.Do(func() {
		addr := p.srv.Listener.Addr().(*net.TCPAddr)
		_ = p.srv.Listener.Close()
		p.srv.CloseClientConnections()
		p.release, err = reservePort(addr)
	})
	return err
}

// Close releases everything: held requests are let go (their connections
// closed without an answer), the port is closed, connections to the
// upstream are closed. It returns when no handler runs any more.
func (p *Proxy) Close() {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.srv.Close()
		p.tr.CloseIdleConnections()
		if p.release != nil {
			p.release()
		}
	})
}

func (p *Proxy) rule(r *http.Request) *Rule {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, rl := range p.rules {
		if rl.Match.Matches(r) && rl.take() {
			return rl
		}
	}
	return nil
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	p.total.Add(1)
	rl := p.rule(r)
	if rl == nil || rl.Fault == Pass {
		p.rp.ServeHTTP(w, r)
		return
	}
	switch rl.Fault {
	case Down:
		drain(r)
		closeConn(w, false)
	case Reset:
		drain(r)
		closeConn(w, true)
	case LoseReply:
		p.forwardAndDrop(w, r)
	case TooManyRequests, Unavailable:
		drain(r)
		status := http.StatusServiceUnavailable
		if rl.Fault == TooManyRequests {
			status = http.StatusTooManyRequests
			ra := rl.RetryAfter
			if ra == "" {
				ra = "1"
			}
			w.Header().Set("Retry-After", ra)
		}
		ct, body := rl.ContentType, rl.Body
		if body == "" {
			text := strconv.Itoa(status) + " " + http.StatusText(status)
			ct, body = "text/html; charset=utf-8", "<html><head><title>"+text+"</title></head><body><h1>"+text+"</h1></body></html>\n"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	case Hang:
		// Reading the body to its end lets the server notice (and cancel
		// r.Context()) when the client hangs up.
		drain(r)
		select {
		case <-r.Context().Done():
		case <-p.closed:
		}
		// No answer at all: the server closes the connection.
		panic(http.ErrAbortHandler)
	}
}

// forwardAndDrop sends r upstream, reads the answer to its end, and resets
// the client's connection instead of answering.
func (p *Proxy) forwardAndDrop(w http.ResponseWriter, r *http.Request) {
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.upstream.Scheme, p.upstream.Host
	out.Host = r.Host
	if r.ContentLength == 0 {
		out.Body = nil
	}
	resp, err := p.tr.RoundTrip(out)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
	}
	closeConn(w, true)
}

func drain(r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
}

// closeConn takes the connection from the server and closes it without a
// byte of an answer: with a reset (RST) or an orderly close (FIN).
func closeConn(w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}
