package abejatest

import (
	"encoding/base64"
	"net/http"
	"strings"
)

// Routing: every request is counted, may meet a queued fault (faults.go),
// is authenticated (Bearer, then Basic, as the SDK's auth header), and goes
// to the handler of its method and path.

// prefix is the path of the Secret Manager API.
const prefix = "/secret-manager/organizations/"

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, prefix)
	if !ok {
		writeErr(w, errorf(404, "not found"))
		return
	}
	parts := strings.Split(rest, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.auth(r)
	if p == nil {
		writeErr(w, errorf(401, "authentication failed"))
		return
	}
	o := s.orgs[parts[0]]
	if o == nil || !p.orgs[parts[0]] {
		writeErr(w, errorf(403, "you do not have permission to access this organization"))
		return
	}
	if len(parts) < 2 || parts[1] != "secrets" || len(parts) > 5 {
		writeErr(w, errorf(404, "not found"))
		return
	}
	m := r.Method
	switch len(parts) {
	case 2:
		switch m {
		case "GET":
			s.listSecrets(w, r, o)
		case "POST":
			s.createSecret(w, r, o, p)
		default:
			writeErr(w, errorf(405, "method not allowed"))
		}
		return
	}
	sec := o.secret(parts[2])
	if sec == nil {
		writeErr(w, errorf(404, "secret "+parts[2]+" not found"))
		return
	}
	switch {
	case len(parts) == 3 && m == "GET":
		writeJSON(w, 200, sec.json(valuesWanted(r)))
	case len(parts) == 3 && m == "PATCH":
		s.patchSecret(w, r, sec)
	case len(parts) == 3 && m == "DELETE":
		o.delete(sec)
		writeJSON(w, 200, messageJSON{"secret_id " + sec.id + " successfully deleted"})
	case len(parts) == 4 && parts[3] == "versions" && m == "GET":
		s.listVersions(w, r, sec)
	case len(parts) == 4 && parts[3] == "versions" && m == "POST":
		s.createVersion(w, r, sec)
	case len(parts) == 5 && parts[3] == "versions":
		v := sec.version(parts[4])
		if v == nil {
			writeErr(w, errorf(404, "secret version "+parts[4]+" not found"))
			return
		}
		switch m {
		case "GET":
			writeJSON(w, 200, v.json(sec, valuesWanted(r)))
		case "PATCH":
			s.patchVersion(w, r, sec, v)
		case "DELETE":
			s.deleteVersion(w, sec, v)
		default:
			writeErr(w, errorf(405, "method not allowed"))
		}
	case len(parts) <= 4 && (len(parts) == 3 || parts[3] == "versions"):
		writeErr(w, errorf(405, "method not allowed"))
	default:
		writeErr(w, errorf(404, "not found"))
	}
}

func valuesWanted(r *http.Request) bool {
	return strings.EqualFold(r.URL.Query().Get("return_secret_value"), "true")
}

// auth finds the principal of the request's Authorization header: "Bearer
// <token>" or "Basic base64(user-<id>:<personal access token>)". Call with
// s.mu held.
func (s *Server) auth(r *http.Request) *principal {
	h := r.Header.Get("Authorization")
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
		return s.tokens[tok]
	}
	enc, ok := strings.CutPrefix(h, "Basic ")
	if !ok {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return nil
	}
	user, pass, ok := strings.Cut(string(b), ":")
	p := s.users[user]
	if !ok || p == nil || p.secret != pass {
		return nil
	}
	return p
}
