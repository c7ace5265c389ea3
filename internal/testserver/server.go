// Package testserver is what the in-process test servers (lockertest,
// abejatest, datalayertest) share besides their protocol: the loopback
// listener (Close, URL, Host, Client) and fault injection (faults.go:
// FailNext, DelayNext, LoseReplyNext, OnRequest, Requests). Each server
// embeds a Server, starts it with its handler and its protocol's error
// answer, and keeps its routes, handlers and state.
package testserver

import (
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Server is a listener whose requests meet the fault hooks before the
// protocol's handler. Embed it; the zero value is ready for Start.
type Server struct {
	Hooks
	ts *httptest.Server
}

// Config is what Start needs of a protocol.
type Config struct {
	// TLS serves HTTPS with a self-signed certificate (Client trusts it);
	// plain HTTP otherwise.
	TLS bool
	// Before, if not nil, sees every request first, before the OnRequest
	// hook and any fault (to count requests by route).
	Before func(r *http.Request)
	// FaultAnswer writes a FailNext failure of status in the protocol's
	// error body (Retry-After is already set).
	FaultAnswer func(w http.ResponseWriter, status int)
	// Handle serves a request that no fault stopped.
	Handle http.HandlerFunc
}

// Start starts the server on a loopback port.
func (s *Server) Start(c Config) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.Before != nil {
			c.Before(r)
		}
		s.serve(w, r, c.FaultAnswer, c.Handle)
	})
	if c.TLS {
		s.ts = httptest.NewTLSServer(h)
		return
	}
	s.ts = httptest.NewServer(h)
}

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// URL is the server's root URL, scheme://127.0.0.1:port.
func (s *Server) URL() string { return s.ts.URL }

// Host is host:port, for a driver's URLs to the server.
func (s *Server) Host() string {
	u, _ := url.Parse(s.ts.URL)
	return u.Host
}

// Client is an *http.Client that trusts the server's certificate (for a
// TLS server) and otherwise behaves like http.DefaultClient.
func (s *Server) Client() *http.Client { return s.ts.Client() }
