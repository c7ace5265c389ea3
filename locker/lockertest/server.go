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
// SwapEnvironments, RewriteNextLinks and RewriteErrors (hooks.go) play a
// lossy network and a broken or malicious server; OnRequest,
// SetMaxPageSize and DeleteSecret a concurrent writer, a server with
// smaller pages, and a deletion from the dashboard.
package lockertest

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// BasePath is the path of the API base on the server, as on api.locker.io.
const BasePath = "/locker_secrets"

// Permission of an access key.
type Permission int

// Permissions, as Locker's dashboard offers them.
const (
	Read Permission = iota + 1
	ReadWrite
)

// KeyOptions describe a new access key.
type KeyOptions struct {
	Permission Permission // default ReadWrite
	RestrictIP []string   // if set, only these client addresses (IPs or CIDR prefixes) are served
	Inactive   bool
	ExpiresAt  time.Time // zero = never
}

// AccessKey is what the dashboard shows once: the id and the secret.
type AccessKey struct {
	ID, Secret string
}

// Server is the fake Locker service.
type Server struct {
	ts       *httptest.Server
	mu       sync.Mutex
	projects map[int]*Project
	keys     map[string]*key
	nextProj int
	nextID   int
	requests atomic.Int64
	fail     []fault
	hooks    hooks
}

type fault struct {
	status     int
	retryAfter time.Duration
	delay      time.Duration
	loseReply  bool // do the request, then drop the connection without an answer
}

type key struct {
	id         string
	project    *Project
	perm       Permission
	restrictIP []string
	active     bool
	expires    time.Time
	wrapped    string // the project keys, encrypted with this key's access keys
	created    float64
}

// Project holds secrets and environments.
type Project struct {
	s       *Server
	id      int
	name    string
	keys    lockercrypto.Keys // only to wrap for new access keys, as the dashboard does
	secrets []*StoredSecret   // creation order
	envs    []*storedEnv
	rev     float64
	deleted float64 // when a secret was last deleted (deleted_item_date)
}

// StoredSecret is a secret as the server holds it: ids, hashes and
// ciphertexts.
type StoredSecret struct {
	ID              string
	Hash            string
	Key             string // EncString
	Value           string // EncString
	Description     string // EncString or ""
	EnvironmentID   string // "" = All
	EnvironmentName string // EncString or ""
	EnvironmentHash string
	Created, Rev    float64
	Updated         float64
}

type storedEnv struct {
	ID, Hash, Name, ExternalURL, Description string
	Created, Rev, Updated                    float64
}

// NewServer starts a plain-HTTP server on a loopback port (locker:// URLs
// to it need scheme=http).
func NewServer() *Server {
	s := &Server{projects: map[int]*Project{}, keys: map[string]*key{}, nextProj: 1}
	s.ts = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// NewTLSServer starts an HTTPS server with a self-signed certificate, for
// testing TLS options such as insecure_tls. Client returns an *http.Client
// that trusts it.
func NewTLSServer() *Server {
	s := &Server{projects: map[int]*Project{}, keys: map[string]*key{}, nextProj: 1}
	s.ts = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	return s
}

// Client is an *http.Client that trusts the server's certificate (for a
// TLS server) and otherwise behaves like http.DefaultClient.
func (s *Server) Client() *http.Client { return s.ts.Client() }

// Close stops the server.
func (s *Server) Close() { s.ts.Close() }

// URL is the API base (paths are URL()+"/v1/…").
func (s *Server) URL() string { return s.ts.URL + BasePath }

// Host is host:port, for locker://<host>/locker_secrets?scheme=http URLs.
func (s *Server) Host() string {
	u, _ := url.Parse(s.ts.URL)
	return u.Host
}

// Requests counts the API requests served.
func (s *Server) Requests() int { return int(s.requests.Load()) }

// FailNext makes the next n requests answer status (with Retry-After when
// retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, fault{status: status, retryAfter: retryAfter})
	}
}

// DelayNext delays the next n requests by d.
func (s *Server) DelayNext(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, fault{delay: d})
	}
}

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

// CreateProject makes a project with random keys.
func (s *Server) CreateProject(name string) *Project {
	s.mu.Lock()
	defer s.mu.Unlock()
	k, err := lockercrypto.NewProjectKeys()
	if err != nil {
		panic(err)
	}
	p := &Project{s: s, id: s.nextProj, name: name, keys: k, rev: now()}
	s.nextProj++
	s.projects[p.id] = p
	return p
}

// ID is the project's numeric id (part of every lookup hash).
func (p *Project) ID() int { return p.id }

// CreateAccessKey makes an access key; at most two may be active.
func (p *Project) CreateAccessKey(o KeyOptions) (*AccessKey, error) {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	if !o.Inactive && p.activeKeys() >= 2 {
		return nil, fmt.Errorf("lockertest: project %d already has two active access keys", p.id)
	}
	raw := make([]byte, 32)
	_, _ = rand.Read(raw)
	secret := base64.StdEncoding.EncodeToString(raw)
	ak, err := lockercrypto.AccessKeys(secret)
	if err != nil {
		return nil, err
	}
	wrapped, err := ak.Wrap(p.keys)
	if err != nil {
		return nil, err
	}
	idb := make([]byte, 12)
	_, _ = rand.Read(idb)
	perm := o.Permission
	if perm == 0 {
		perm = ReadWrite
	}
	k := &key{id: "ak_" + base64.RawURLEncoding.EncodeToString(idb), project: p, perm: perm, restrictIP: o.RestrictIP,
		active: !o.Inactive, expires: o.ExpiresAt, wrapped: wrapped, created: now()}
	p.s.keys[k.id] = k
	return &AccessKey{ID: k.id, Secret: secret}, nil
}

func (p *Project) activeKeys() int {
	n := 0
	for _, k := range p.s.keys {
		if k.project == p && k.active {
			n++
		}
	}
	return n
}

// SetKeyActive activates or deactivates a key.
func (p *Project) SetKeyActive(id string, active bool) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	k := p.s.keys[id]
	if k == nil || k.project != p {
		return fmt.Errorf("lockertest: no key %q in project %d", id, p.id)
	}
	if active && !k.active && p.activeKeys() >= 2 {
		return fmt.Errorf("lockertest: project %d already has two active access keys", p.id)
	}
	k.active = active
	return nil
}

// StoredSecrets returns copies of what the server holds.
func (p *Project) StoredSecrets() []StoredSecret {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	out := make([]StoredSecret, len(p.secrets))
	for i, s := range p.secrets {
		out[i] = *s
	}
	return out
}

// TamperSecret overwrites a stored field ("key", "value", "description")
// of the secret with that id, as a broken or malicious server might.
func (p *Project) TamperSecret(id, field, value string) error {
	p.s.mu.Lock()
	defer p.s.mu.Unlock()
	for _, s := range p.secrets {
		if s.ID == id {
			switch field {
			case "key":
				s.Key = value
			case "value":
				s.Value = value
			case "description":
				s.Description = value
			default:
				return fmt.Errorf("lockertest: unknown field %q", field)
			}
			return nil
		}
	}
	return fmt.Errorf("lockertest: no secret %q", id)
}

// ---- HTTP ----

type apiError struct {
	status        int
	code, message string
}

func (s *Server) writeErr(w http.ResponseWriter, e apiError) {
	if f := s.hooks.errors.Load(); f != nil {
		e.status, e.code, e.message = (*f)(e.status, e.code, e.message)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": e.code, "message": e.message})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if f := s.hooks.onRequest.Load(); f != nil {
		(*f)(r)
	}
	s.mu.Lock()
	var f *fault
	if len(s.fail) > 0 {
		f = &s.fail[0]
		s.fail = s.fail[1:]
	}
	s.mu.Unlock()
	if f != nil {
		if f.delay > 0 {
			select {
			case <-time.After(f.delay):
			case <-r.Context().Done():
				return
			}
		}
		if f.status != 0 {
			if f.retryAfter > 0 {
				w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
			}
			code := map[int]string{429: "rate_limited", 503: "service_unavailable", 500: "server_error"}[f.status]
			if code == "" {
				code = "http_error"
			}
			s.writeErr(w, apiError{f.status, code, http.StatusText(f.status)})
			return
		}
		if f.loseReply {
			s.handle(httptest.NewRecorder(), r)
			panic(http.ErrAbortHandler) // the connection closes with no answer
		}
	}
	s.handle(w, r)
}

// handle serves one API request.
func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, BasePath)
	if !ok {
		s.writeErr(w, apiError{404, "not_found", "Not found."})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k, aerr := s.auth(r)
	if aerr != nil {
		s.writeErr(w, *aerr)
		return
	}
	p := k.project
	write := r.Method == http.MethodPost || r.Method == http.MethodPut || r.Method == http.MethodDelete
	if write && k.perm != ReadWrite {
		s.writeErr(w, apiError{403, "permission_denied", "This access key does not have write permission."})
		return
	}
	q := r.URL.Query()
	switch {
	case r.Method == "GET" && path == "/v1/profile":
		writeJSON(w, 200, map[string]any{"object": "profile", "profile": map[string]any{
			"object": "access_key", "id": k.id, "client_id": k.id, "key": k.wrapped, "activated": k.active,
			"editable": k.perm == ReadWrite, "restrict_ip": orEmpty(k.restrictIP), "creation_date": k.created,
			"revision_date": k.created, "expiration_date": expiry(k.expires), "project_id": p.id,
			"projects": []string{p.name}}})
	case r.Method == "GET" && path == "/v1/sync/revision_date":
		w.Write([]byte(strconv.FormatFloat(p.rev, 'f', 6, 64)))
	case r.Method == "GET" && path == "/v1/sync/deleted_item_date":
		w.Write([]byte(strconv.FormatFloat(p.deleted, 'f', 6, 64)))
	case r.Method == "GET" && path == "/v1/sync/secrets/count":
		w.Write([]byte(strconv.Itoa(len(p.secrets))))
	case r.Method == "GET" && path == "/v1/sync/environments/count":
		w.Write([]byte(strconv.Itoa(len(p.envs))))
	case r.Method == "GET" && path == "/v1/secrets":
		var items []any
		for _, sec := range p.secrets {
			if h := q.Get("hash"); h != "" && sec.Hash != h {
				continue
			}
			if e := q.Get("environment_id"); e != "" && sec.EnvironmentID != e {
				continue
			}
			if rd := parseF(q.Get("revision_date")); rd > 0 && sec.Rev <= rd {
				continue
			}
			items = append(items, p.secretJSON(sec, false))
		}
		s.page(w, r, "/v1/secrets", items)
	case r.Method == "POST" && path == "/v1/secrets":
		s.createSecret(w, r, p)
	case r.Method == "PUT" && strings.HasPrefix(path, "/v1/secrets/"):
		s.updateSecret(w, r, p, strings.TrimPrefix(path, "/v1/secrets/"))
	case r.Method == "GET" && path == "/v1/environments":
		var items []any
		for _, e := range p.envs {
			if h := q.Get("hash"); h != "" && e.Hash != h {
				continue
			}
			if rd := parseF(q.Get("revision_date")); rd > 0 && e.Rev <= rd {
				continue
			}
			items = append(items, envJSON(p, e, false))
		}
		s.page(w, r, "/v1/environments", items)
	case r.Method == "POST" && path == "/v1/environments":
		s.createEnv(w, r, p)
	case r.Method == "PUT" && strings.HasPrefix(path, "/v1/environments/"):
		s.updateEnv(w, r, p, strings.TrimPrefix(path, "/v1/environments/"))
	default:
		s.writeErr(w, apiError{404, "not_found", "Not found."})
	}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func expiry(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return float64(t.Unix())
}

func parseF(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

func (s *Server) auth(r *http.Request) (*key, *apiError) {
	id, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	k := s.keys[strings.TrimSpace(id)]
	if !ok || k == nil || !k.active || (!k.expires.IsZero() && time.Now().After(k.expires)) {
		return nil, &apiError{401, "unauthorized", "Invalid or inactive access key."}
	}
	if len(k.restrictIP) > 0 {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if !allowed(k.restrictIP, host) {
			return nil, &apiError{403, "permission_denied", "Your IP address is not allowed to use this access key."}
		}
	}
	return k, nil
}

// allowed reports whether the client address is in the allow-list, whose
// entries are addresses or CIDR prefixes.
func allowed(list []string, host string) bool {
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return slices.ContainsFunc(list, func(e string) bool {
		if p, err := netip.ParsePrefix(e); err == nil {
			return p.Contains(addr)
		}
		a, err := netip.ParseAddr(e)
		return err == nil && a.Unmap() == addr
	})
}

// page serves one page of items with the list envelope; next is a path
// relative to the API base.
func (s *Server) page(w http.ResponseWriter, r *http.Request, path string, items []any) {
	q := r.URL.Query()
	pageN, _ := strconv.Atoi(q.Get("page"))
	if pageN < 1 {
		pageN = 1
	}
	size, _ := strconv.Atoi(q.Get("size"))
	if size < 1 || size > 2000 {
		size = 2000
	}
	if m := int(s.hooks.maxPage.Load()); m > 0 && size > m {
		size = m
	}
	start := min((pageN-1)*size, len(items))
	end := min(start+size, len(items))
	link := func(n int) any {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("page", strconv.Itoa(n))
		return path + "?" + nq.Encode()
	}
	var next, prev any
	if end < len(items) {
		next = link(pageN + 1)
	}
	if f := s.hooks.next.Load(); f != nil {
		n, _ := next.(string)
		if n = (*f)(n); n != "" {
			next = n
		} else {
			next = nil
		}
	}
	if pageN > 1 {
		prev = link(pageN - 1)
	}
	res := items[start:end]
	if res == nil {
		res = []any{}
	}
	writeJSON(w, 200, map[string]any{"count": len(items), "next": next, "previous": prev, "revision_date": now(), "results": res})
}

func (p *Project) newID() string {
	p.s.nextID++
	return strconv.Itoa(p.s.nextID)
}

func (p *Project) secretJSON(sec *StoredSecret, withData bool) map[string]any {
	m := map[string]any{"object": "secret", "id": sec.ID, "creation_date": sec.Created, "revision_date": sec.Rev,
		"updated_date": sec.Updated, "deleted_date": nil, "last_use_date": nil, "project_id": p.id,
		"environment_id": nilIfEmpty(sec.EnvironmentID), "environment_name": nilIfEmpty(sec.EnvironmentName),
		"environment_hash": nilIfEmpty(sec.EnvironmentHash), "key": sec.Key, "secret_hash": sec.Hash,
		"value": sec.Value, "description": sec.Description}
	if withData {
		m["data"] = map[string]any{"key": sec.Key, "value": sec.Value, "description": sec.Description}
	}
	return m
}

func envJSON(p *Project, e *storedEnv, withData bool) map[string]any {
	m := map[string]any{"object": "environment", "id": e.ID, "name": e.Name, "hash": e.Hash, "external_url": e.ExternalURL,
		"description": e.Description, "creation_date": e.Created, "revision_date": e.Rev, "updated_date": e.Updated,
		"project_id": p.id}
	if withData {
		m["data"] = map[string]any{"name": e.Name, "external_url": e.ExternalURL, "description": e.Description}
		m["project"] = map[string]any{"id": p.id, "name": p.name}
	}
	return m
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

type secretBody struct {
	Key             *string `json:"key"`
	Hash            *string `json:"hash"`
	Value           *string `json:"value"`
	Description     *string `json:"description"`
	EnvironmentID   *string `json:"environment_id"`
	EnvironmentName *string `json:"environment_name"`
}

func decodeBody(r *http.Request, v any) *apiError {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(v); err != nil {
		return &apiError{400, "validation_error", "Malformed JSON body."}
	}
	return nil
}

// checkEnc: the server only accepts ciphertexts where the protocol has them.
func checkEnc(field string, p *string, required bool) *apiError {
	if p == nil || *p == "" {
		if required {
			return &apiError{400, "validation_error", "The field " + field + " is required."}
		}
		return nil
	}
	if _, _, _, err := lockercrypto.Parse(*p); err != nil {
		return &apiError{422, "validation_error", "The field " + field + " must be an encrypted string."}
	}
	return nil
}

func (p *Project) env(id string) *storedEnv {
	for _, e := range p.envs {
		if e.ID == id {
			return e
		}
	}
	return nil
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, p *Project) {
	var b secretBody
	if e := decodeBody(r, &b); e != nil {
		s.writeErr(w, *e)
		return
	}
	for _, c := range []struct {
		n   string
		v   *string
		req bool
	}{{"key", b.Key, true}, {"value", b.Value, true}, {"description", b.Description, false}, {"environment_name", b.EnvironmentName, false}} {
		if e := checkEnc(c.n, c.v, c.req); e != nil {
			s.writeErr(w, *e)
			return
		}
	}
	if b.Hash == nil || *b.Hash == "" {
		s.writeErr(w, apiError{400, "validation_error", "The field hash is required."})
		return
	}
	sec := &StoredSecret{ID: p.newID(), Hash: *b.Hash, Key: *b.Key, Value: *b.Value, Created: now()}
	sec.Rev, sec.Updated = sec.Created, sec.Created
	if b.Description != nil {
		sec.Description = *b.Description
	}
	if b.EnvironmentID != nil && *b.EnvironmentID != "" {
		e := p.env(*b.EnvironmentID)
		if e == nil {
			s.writeErr(w, apiError{404, "not_found", "The environment does not exist."})
			return
		}
		sec.EnvironmentID, sec.EnvironmentHash = e.ID, e.Hash
		sec.EnvironmentName = e.Name
		if b.EnvironmentName != nil && *b.EnvironmentName != "" {
			sec.EnvironmentName = *b.EnvironmentName
		}
	}
	for _, o := range p.secrets {
		if o.Hash == sec.Hash && o.EnvironmentID == sec.EnvironmentID {
			s.writeErr(w, apiError{400, "duplicate_hash", "This secret hash already exists"})
			return
		}
	}
	p.secrets = append(p.secrets, sec)
	p.rev = sec.Rev
	writeJSON(w, 201, p.secretJSON(sec, true))
}

func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request, p *Project, id string) {
	var sec *StoredSecret
	for _, x := range p.secrets {
		if x.ID == id {
			sec = x
		}
	}
	if sec == nil {
		s.writeErr(w, apiError{404, "not_found", "The secret does not exist."})
		return
	}
	var b secretBody
	if e := decodeBody(r, &b); e != nil {
		s.writeErr(w, *e)
		return
	}
	for _, c := range []struct {
		n string
		v *string
	}{{"key", b.Key}, {"value", b.Value}, {"description", b.Description}, {"environment_name", b.EnvironmentName}} {
		if e := checkEnc(c.n, c.v, false); e != nil {
			s.writeErr(w, *e)
			return
		}
	}
	if b.Hash == nil || *b.Hash == "" {
		s.writeErr(w, apiError{400, "validation_error", "The field hash is required."})
		return
	}
	next := *sec
	next.Hash = *b.Hash
	if b.Key != nil && *b.Key != "" {
		next.Key = *b.Key
	}
	if b.Value != nil && *b.Value != "" {
		next.Value = *b.Value
	}
	if b.Description != nil {
		next.Description = *b.Description
	}
	if b.EnvironmentID != nil {
		if *b.EnvironmentID == "" {
			next.EnvironmentID, next.EnvironmentHash, next.EnvironmentName = "", "", ""
		} else {
			e := p.env(*b.EnvironmentID)
			if e == nil {
				s.writeErr(w, apiError{404, "not_found", "The environment does not exist."})
				return
			}
			next.EnvironmentID, next.EnvironmentHash, next.EnvironmentName = e.ID, e.Hash, e.Name
			if b.EnvironmentName != nil && *b.EnvironmentName != "" {
				next.EnvironmentName = *b.EnvironmentName
			}
		}
	}
	for _, o := range p.secrets {
		if o != sec && o.Hash == next.Hash && o.EnvironmentID == next.EnvironmentID {
			s.writeErr(w, apiError{400, "duplicate_hash", "This hash value already existed"})
			return
		}
	}
	next.Rev = now()
	next.Updated = next.Rev
	*sec = next
	p.rev = next.Rev
	writeJSON(w, 200, p.secretJSON(sec, true))
}

type envBody struct {
	Name        *string `json:"name"`
	Hash        *string `json:"hash"`
	ExternalURL *string `json:"external_url"`
	Description *string `json:"description"`
}

func (s *Server) createEnv(w http.ResponseWriter, r *http.Request, p *Project) {
	var b envBody
	if e := decodeBody(r, &b); e != nil {
		s.writeErr(w, *e)
		return
	}
	for _, c := range []struct {
		n   string
		v   *string
		req bool
	}{{"name", b.Name, true}, {"external_url", b.ExternalURL, false}, {"description", b.Description, false}} {
		if e := checkEnc(c.n, c.v, c.req); e != nil {
			s.writeErr(w, *e)
			return
		}
	}
	if b.Hash == nil || *b.Hash == "" {
		s.writeErr(w, apiError{400, "validation_error", "The field hash is required."})
		return
	}
	for _, e := range p.envs {
		if e.Hash == *b.Hash {
			s.writeErr(w, apiError{400, "duplicate_hash", "This environment hash already exists"})
			return
		}
	}
	e := &storedEnv{ID: p.newID(), Hash: *b.Hash, Name: *b.Name, Created: now()}
	e.Rev, e.Updated = e.Created, e.Created
	if b.ExternalURL != nil {
		e.ExternalURL = *b.ExternalURL
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	p.envs = append(p.envs, e)
	p.rev = e.Rev
	writeJSON(w, 201, envJSON(p, e, true))
}

func (s *Server) updateEnv(w http.ResponseWriter, r *http.Request, p *Project, id string) {
	e := p.env(id)
	if e == nil {
		s.writeErr(w, apiError{404, "not_found", "The environment does not exist."})
		return
	}
	var b envBody
	if er := decodeBody(r, &b); er != nil {
		s.writeErr(w, *er)
		return
	}
	for _, c := range []struct {
		n string
		v *string
	}{{"name", b.Name}, {"external_url", b.ExternalURL}, {"description", b.Description}} {
		if er := checkEnc(c.n, c.v, false); er != nil {
			s.writeErr(w, *er)
			return
		}
	}
	if b.Hash == nil || *b.Hash == "" {
		s.writeErr(w, apiError{400, "validation_error", "The field hash is required."})
		return
	}
	for _, o := range p.envs {
		if o != e && o.Hash == *b.Hash {
			s.writeErr(w, apiError{400, "duplicate_hash", "The environment hash already existed"})
			return
		}
	}
	e.Hash = *b.Hash
	if b.Name != nil && *b.Name != "" {
		e.Name = *b.Name
	}
	if b.ExternalURL != nil {
		e.ExternalURL = *b.ExternalURL
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	e.Rev = now()
	e.Updated = e.Rev
	p.rev = e.Rev
	// secrets show their environment's current name and hash
	for _, sec := range p.secrets {
		if sec.EnvironmentID == e.ID {
			sec.EnvironmentHash, sec.EnvironmentName = e.Hash, e.Name
			sec.Rev = e.Rev // a delta sync sees the new name
		}
	}
	writeJSON(w, 200, envJSON(p, e, true))
}
