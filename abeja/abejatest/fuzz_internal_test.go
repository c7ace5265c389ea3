package abejatest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzRequest: whatever method, path, query and body a client sends, the
// server answers JSON with a status of the protocol, never a panic or a
// 5xx, and keeps its invariants (unique names, every secret with a
// version).
func FuzzRequest(f *testing.F) {
	f.Add("POST", "secrets", "", `{"name":"A","value":"dg=="}`)
	f.Add("GET", "secrets", "offset=1&limit=x&return_secret_value=true", "")
	f.Add("PATCH", "secrets/1", "", `{"description":3}`)
	f.Add("POST", "secrets//versions", "", `{"value":null}`)
	f.Add("DELETE", "secrets/x/versions/y", "", "")
	s := &Server{orgs: map[string]*org{}, users: map[string]*principal{}, tokens: map[string]*principal{}, ids: map[string]bool{}}
	o := "1000000000001"
	s.orgs[o] = &org{id: o}
	s.tokens["t"] = &principal{userID: "1000000000002", orgs: map[string]bool{o: true}}
	f.Fuzz(func(t *testing.T, method, path, query, body string) {
		req, err := http.NewRequest(method, "http://x/secret-manager/organizations/"+o+"/"+path+"?"+query, strings.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer t")
		w := httptest.NewRecorder()
		s.handle(w, req)
		switch w.Code {
		case 200, 400, 404, 405, 409:
		default:
			t.Fatalf("%s %s?%s %q: status %d", method, path, query, body, w.Code)
		}
		if !json.Valid(w.Body.Bytes()) {
			t.Fatalf("answer is not JSON: %s", w.Body)
		}
		names := map[string]bool{}
		for _, sec := range s.orgs[o].secrets {
			if names[sec.name] || len(sec.versions) == 0 || NameError(sec.name) != "" {
				t.Fatalf("invariant broken by %s %s: %+v", method, path, sec)
			}
			names[sec.name] = true
		}
	})
}
