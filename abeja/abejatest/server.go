// Package abejatest is an in-process server that speaks the ABEJA Platform
// Secret Manager REST protocol as the official Python SDK
// (abeja-inc/abeja-platform-sdk: abeja/secret/api/client.py,
// abeja/secret_version/api/client.py, abeja/common/connection.py,
// abeja/common/auth.py) uses it, so that the abeja driver — and any user of
// it — can test against ABEJA's semantics offline.
//
// What it follows, from those sources: the paths under
// /secret-manager/organizations/{organization_id}; HTTP Basic
// "user-<user_id>:<personal_access_token>" or Bearer <PLATFORM_AUTH_TOKEN>;
// values as standard base64 of their bytes; the secret and version JSON
// shapes of the SDK's docstrings (13-digit string ids, times in RFC 3339 with
// microseconds, "provider": "aws-secret-manager"); the secret listing
// {"organization_id","secrets","offset","limit","has_next"} with limit
// 1–100 (default 50) and the version listing {"pagination":{…},"versions"};
// the name rule ^[a-zA-Z0-9_-]+$ and "must not end with a hyphen followed by
// six characters"; a value is required; DELETE answers
// {"message":"secret_id … successfully deleted"}; errors
// {"error","error_description"} with 400, 401, 403, 404, 409, 500.
//
// What the SDK does not say, and this server decides (the abeja package
// documentation lists the same): a name taken in the organization is 409;
// a listing is in creation order; return_secret_value=true puts each
// version's value in the answer, otherwise "value" is absent; a PATCH of a
// secret sets the fields present in its body (null or "" clears); a new
// version is active and leaves the others' status alone; the last version
// of a secret cannot be deleted (400); a decoded value is at most 65,536
// bytes (Secrets Manager's limit, the provider named in every answer).
//
// Test hooks: FailNext (a status, with Retry-After for 429), DelayNext,
// LoseReplyNext (apply the request, then drop the connection), OnRequest,
// Requests (a counter) and Secrets (what an organization holds).
//
// Files, by concern: server.go (the Server, users, organizations, ids and
// clock), routes.go (routing and authentication), wire.go (the JSON shapes
// and error answers), secrets.go and versions.go (the handlers), faults.go.
package abejatest

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
	"sync"
	"time"

	"github.com/polysecret/secrets/internal/testserver"
)

// Server is the fake ABEJA Platform API.
type Server struct {
	testserver.Server // Close, URL (the API base: ABEJA_API_URL), Host, faults
	mu                sync.Mutex
	orgs              map[string]*org
	users             map[string]*principal // "user-<id>" → basic credentials
	tokens            map[string]*principal // bearer token → principal
	ids               map[string]bool       // every id handed out, so none repeats
}

// principal is a user (Basic) or a platform token (Bearer), and the
// organizations it may use.
type principal struct {
	userID string
	secret string // personal access token (Basic only)
	orgs   map[string]bool
}

// org is one organization's secrets, in creation order.
type org struct {
	id      string
	secrets []*secret
}

// NewServer starts a plain-HTTP server on a loopback port (abeja:// URLs to
// it need scheme=http).
func NewServer() *Server {
	s := &Server{orgs: map[string]*org{}, users: map[string]*principal{}, tokens: map[string]*principal{}, ids: map[string]bool{}}
	s.Start(testserver.Config{FaultAnswer: faultAnswer, Handle: s.handle})
	return s
}

// NewOrganization makes an empty organization and returns its id.
func (s *Server) NewOrganization() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID()
	s.orgs[id] = &org{id: id}
	return id
}

// NewUser makes a user who may use the given organizations and returns
// its user id (13 digits, without the "user-" prefix) and personal access
// token, as ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN.
func (s *Server) NewUser(orgIDs ...string) (userID, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := &principal{userID: s.newID(), secret: randHex(20), orgs: set(orgIDs)}
	s.users["user-"+p.userID] = p
	return p.userID, p.secret
}

// NewAuthToken makes a platform auth token (PLATFORM_AUTH_TOKEN, sent as
// Bearer) that may use the given organizations.
func (s *Server) NewAuthToken(orgIDs ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := "eyJ" + randHex(24)
	s.tokens[tok] = &principal{userID: s.newID(), orgs: set(orgIDs)}
	return tok
}

func set(ks []string) map[string]bool {
	m := map[string]bool{}
	for _, k := range ks {
		m[k] = true
	}
	return m
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newID returns a fresh 13-digit id (1000000000000–9999999999999), as in
// every answer of the SDK's docstrings. Call with s.mu held.
func (s *Server) newID() string {
	lo := big.NewInt(1_000_000_000_000)
	span := big.NewInt(9_000_000_000_000)
	for {
		n, _ := rand.Int(rand.Reader, span)
		id := n.Add(n, lo).String()
		if !s.ids[id] {
			s.ids[id] = true
			return id
		}
	}
}

var clock struct {
	sync.Mutex
	last time.Time
}

// now is the time in UTC at microseconds, strictly increasing, so that
// creation order is also created_at order.
func now() time.Time {
	clock.Lock()
	defer clock.Unlock()
	t := time.Now().UTC().Truncate(time.Microsecond)
	if !t.After(clock.last) {
		t = clock.last.Add(time.Microsecond)
	}
	clock.last = t
	return t
}
