package lockertest

import (
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Routing: every request is counted, may meet a queued fault
// (faults.go), is authenticated by its access key, and goes to the
// handler of its method and path.

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
		s.listSecrets(w, r, p)
	case r.Method == "POST" && path == "/v1/secrets":
		s.createSecret(w, r, p)
	case r.Method == "PUT" && strings.HasPrefix(path, "/v1/secrets/"):
		s.updateSecret(w, r, p, strings.TrimPrefix(path, "/v1/secrets/"))
	case r.Method == "GET" && path == "/v1/environments":
		s.listEnvs(w, r, p)
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
