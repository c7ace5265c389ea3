// Package datalayertest is an in-process server that speaks the secrets
// protocol of Datalayer's IAM service (the paths, the Bearer API key, the
// JSON shapes and the error answers the official clients use), so that the
// datalayer driver — and any user of it — can test against Datalayer's
// semantics offline.
//
// Like the real service it stores what a client sends: a secret is a uid
// (a ULID the server makes), a name unique per account, a variant
// (generic, password, key or token), a description and value_s, the value
// exactly as the client sent it — base64 from today's clients, plain from
// newer ones; the server never decodes it. Each API key is an account of
// its own.
//
// The protocol, as known from the official clients (datalayer/core:
// datalayer_core/mixins/secrets.py, src/api/iam/secrets.ts,
// src/models/Secret.ts, src/api/DatalayerApi.ts), under the prefix
// /api/iam/v1, each request with "Authorization: Bearer <API key>":
//
//	GET    /secrets        200 {"success","message","secrets":[{"uid","variant_s","name_s","description_t","value_s"}]}
//	POST   /secrets        {"name","description","variant","value"} → 201 {"success","message","secret":{…}}; 409 on a taken name
//	GET    /secrets/{uid}  200 {"success","message","secret":{…}}; 404
//	PUT    /secrets/{uid}  the fields given (name, description, variant, value) → 200 {…,"secret":{…}}; 404; 409
//	DELETE /secrets/{uid}  200 {"success","message"}; 404
//	GET    /whoami         200 {"success","message","profile":{…}}
//
// Errors answer {"success":false,"message":…} with the status: 400 (a
// malformed body, a missing name or value, an unknown variant), 401 (no
// or an unknown API key), 404, 409, 413 (a body over 1 MiB).
//
// Where the clients leave a detail open, the server picks the strict
// reading and says so: SetListValues(false) serves the list without
// value_s (the clients read the value by uid then); the list is in
// creation order; an empty value is accepted.
//
// Test hooks: FailNext (error answers, with Retry-After), LoseReplyNext (a
// request is applied and its answer lost), DelayNext, OnRequest (a
// concurrent writer at an exact point), Requests and Count (request
// counters), Seed (a secret written as another client would, base64 or
// plain) and Stored (what the server holds).
//
// Files, by concern: server.go (the Server, its start and stop, accounts),
// routes.go (routing, authentication, counters), wire.go (JSON answers,
// error envelopes, bodies), secrets.go (the stored secrets and their
// handlers), ulid.go (uids), faults.go (queued faults and hooks).
package datalayertest

import (
	"sync"
	"sync/atomic"

	"github.com/polysecret/secrets/internal/testserver"
)

// APIPrefix is the path prefix of the IAM API on the server, as on
// prod1.datalayer.run.
const APIPrefix = "/api/iam/v1"

// Server is the fake Datalayer IAM service.
type Server struct {
	testserver.Server // Close, URL (the IAM base URL), Host, Client, faults
	mu                sync.Mutex
	accounts          map[string]*account // by API key
	nextUser          int
	counts            map[string]int // by route, under mu
	omitValues        atomic.Bool
	uids              ulids
}

// account is one user's secrets, in creation order.
type account struct {
	uid     string
	handle  string
	secrets []*StoredSecret
}

// NewServer starts a plain-HTTP server on a loopback port (datalayer://
// URLs to it need scheme=http).
func NewServer() *Server {
	s := &Server{accounts: map[string]*account{}, counts: map[string]int{}}
	s.Start(testserver.Config{Before: s.count, FaultAnswer: faultAnswer, Handle: s.route})
	return s
}

// NewAPIKey makes a new account, with no secrets, and returns its API key.
func (s *Server) NewAPIKey() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUser++
	key := "dla_" + s.uids.next() // an opaque bearer token
	s.accounts[key] = &account{uid: s.uids.next(), handle: "user" + itoa(s.nextUser)}
	return key
}

// SetListValues chooses the shape of GET /secrets: with each secret's
// value_s (true, the default) or without it (false), as a server that
// keeps values out of listings would answer; GET /secrets/{uid} always
// carries the value.
func (s *Server) SetListValues(with bool) { s.omitValues.Store(!with) }

// Count is the number of requests served on one route: "list", "create",
// "get", "update", "delete", "whoami" (faults included; an unknown path
// counts as "other").
func (s *Server) Count(route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[route]
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
