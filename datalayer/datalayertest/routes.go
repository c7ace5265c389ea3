package datalayertest

import (
	"net/http"
	"strings"
)

// Routing: every request is counted, may meet a queued fault (faults.go),
// is authenticated by its API key, and goes to the handler of its method
// and path.

// count counts a request by route, before any fault.
func (s *Server) count(r *http.Request) {
	route, _ := routeOf(r)
	s.mu.Lock()
	s.counts[route]++
	s.mu.Unlock()
}

// route serves a request no fault stopped.
func (s *Server) route(w http.ResponseWriter, r *http.Request) {
	route, uid := routeOf(r)
	s.handle(w, r, route, uid)
}

// routeOf names the route of a request ("other" when it has none) and
// the uid in its path.
func routeOf(r *http.Request) (route, uid string) {
	path, ok := strings.CutPrefix(r.URL.Path, APIPrefix)
	if !ok {
		return "other", ""
	}
	switch {
	case path == "/secrets" && r.Method == http.MethodGet:
		return "list", ""
	case path == "/secrets" && r.Method == http.MethodPost:
		return "create", ""
	case path == "/whoami" && r.Method == http.MethodGet:
		return "whoami", ""
	}
	uid, ok = strings.CutPrefix(path, "/secrets/")
	if !ok || uid == "" || strings.Contains(uid, "/") {
		return "other", ""
	}
	switch r.Method {
	case http.MethodGet:
		return "get", uid
	case http.MethodPut:
		return "update", uid
	case http.MethodDelete:
		return "delete", uid
	}
	return "other", ""
}

// handle serves one API request.
func (s *Server) handle(w http.ResponseWriter, r *http.Request, route, uid string) {
	if route == "other" {
		writeErr(w, http.StatusNotFound, "Not found.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.auth(r)
	if a == nil {
		writeErr(w, http.StatusUnauthorized, "Invalid or missing API key.")
		return
	}
	switch route {
	case "list":
		s.listSecrets(w, a)
	case "create":
		s.createSecret(w, r, a)
	case "get":
		s.getSecret(w, a, uid)
	case "update":
		s.updateSecret(w, r, a, uid)
	case "delete":
		s.deleteSecret(w, a, uid)
	case "whoami":
		writeJSON(w, http.StatusOK, map[string]any{"success": true, "message": "Profile retrieved.",
			"profile": map[string]any{"uid": a.uid, "handle_s": a.handle}})
	}
}

// auth returns the account of the request's "Authorization: Bearer" API
// key, or nil.
func (s *Server) auth(r *http.Request) *account {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil
	}
	return s.accounts[key]
}
