// Package lockertest is an in-process server that speaks the Locker Secrets
// REST protocol (the endpoints, query parameters, headers, JSON shapes and
// error envelopes the official SDKs use), so that the locker driver — and
// any user of it — can test against Locker's semantics offline.
//
// Like the real service it never sees a plaintext: it stores the
// ciphertexts and lookup hashes the client sends, enforces uniqueness by
// hash, pages listings with next links, and answers errors as
// {"code","message"}. Provisioning (projects and access keys) plays the
// role of Locker's dashboard, which wraps the project key for each access
// key on the client side.
//
// Use NewServer (HTTP; locker:// URLs then need scheme=http) or
// NewTLSServer (HTTPS with a self-signed certificate). Test hooks:
// FailNext and DelayNext inject 429/503 answers and delays, Requests
// counts requests, StoredSecrets shows what the server holds and
// TamperSecret overwrites a stored ciphertext. LoseReplyNext, SwapSecrets,
// SwapEnvironments, RewriteNextLinks and RewriteErrors play a
// lossy network and a broken or malicious server; OnRequest,
// SetMaxPageSize and DeleteSecret a concurrent writer, a server with
// smaller pages, and a deletion from the dashboard.
//
// Files, by concern: server.go (the Server, its start and stop), provision.go
// (projects, access keys), routes.go (routing, authentication), wire.go
// (JSON envelopes and body checks), secrets.go and environments.go (the
// stored records and their handlers), paging.go (list pages and links),
// faults.go (queued error answers, delays, lost replies) and hooks.go (a
// broken or malicious server, a concurrent writer).
package lockertest

import (
	"sync"
	"time"

	"github.com/polysecret/secrets/internal/testserver"
)

// BasePath is the path of the API base on the server, as on api.locker.io.
const BasePath = "/locker_secrets"

// Server is the fake Locker service.
type Server struct {
	testserver.Server // Close, Host, Client, faults
	mu                sync.Mutex
	projects          map[int]*Project
	keys              map[string]*key
	nextProj          int
	nextID            int
	hooks             hooks
}

// NewServer starts a plain-HTTP server on a loopback port (locker:// URLs
// to it need scheme=http).
func NewServer() *Server { return start(false) }

// NewTLSServer starts an HTTPS server with a self-signed certificate, for
// testing TLS options such as insecure_tls. Client returns an *http.Client
// that trusts it.
func NewTLSServer() *Server { return start(true) }

func start(tls bool) *Server {
	s := &Server{projects: map[int]*Project{}, keys: map[string]*key{}, nextProj: 1}
	s.Start(testserver.Config{TLS: tls, FaultAnswer: s.faultAnswer, Handle: s.handle})
	return s
}

// URL is the API base (paths are URL()+"/v1/…").
func (s *Server) URL() string { return s.Server.URL() + BasePath }

var clock struct {
	sync.Mutex
	last int64
}

// now is the time in epoch seconds, strictly increasing (by at least a
// microsecond), so that revision_date deltas never miss a change.
func now() float64 {
	clock.Lock()
	defer clock.Unlock()
	t := max(time.Now().UnixMicro(), clock.last+1)
	clock.last = t
	return float64(t) / 1e6
}
