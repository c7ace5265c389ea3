package abejatest_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/abeja/abejatest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// call sends one request as the SDK would and decodes the JSON answer.
func call(t *testing.T, srv *abejatest.Server, auth, method, path, body string) (int, map[string]any) {
	t.Helper()
	a := drivertest.Send(t, method, srv.URL()+path, body, "Authorization", auth, "Content-Type", "application/json")
	if ct := a.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("%s %s: Content-Type %q", method, path, ct)
	}
	var m map[string]any
	if err := json.Unmarshal(a.Body, &m); err != nil {
		t.Fatalf("%s %s: answer is not a JSON object: %s", method, path, a.Body)
	}
	return a.Status, m
}

func basic(user, pat string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("user-"+user+":"+pat))
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// TestErrors: each refusal is {"error","error_description"} with the
// status the SDK maps (400, 401, 403, 404, 405, 409).
func TestErrors(t *testing.T) {
	srv := abejatest.NewServer()
	defer srv.Close()
	org := srv.NewOrganization()
	other := srv.NewOrganization()
	user, pat := srv.NewUser(org)
	auth := basic(user, pat)
	p := "/secret-manager/organizations/" + org + "/secrets"
	call(t, srv, auth, "POST", p, `{"name":"TAKEN","value":"`+b64("v")+`"}`)
	for _, tc := range []struct {
		name, auth, method, path, body string
		status                         int
		desc                           string
	}{
		{"no auth", "", "GET", p, "", 401, ""},
		{"wrong token", basic(user, "x"), "GET", p, "", 401, ""},
		{"basic without user- prefix", "Basic " + b64(user+":"+pat), "GET", p, "", 401, ""},
		{"other organization", auth, "GET", "/secret-manager/organizations/" + other + "/secrets", "", 403, ""},
		{"limit 0", auth, "GET", p + "?limit=0", "", 400, `"limit" must be between 1 and 100`},
		{"limit 101", auth, "GET", p + "?limit=101", "", 400, `"limit" must be between 1 and 100`},
		{"offset -1", auth, "GET", p + "?offset=-1", "", 400, `"offset" must be greater than or equal to 0`},
		{"bad name", auth, "POST", p, `{"name":"a/b","value":"` + b64("v") + `"}`, 400,
			`"name" must contain only ASCII letters, numbers, and the following characters: _-`},
		{"six after hyphen", auth, "POST", p, `{"name":"a-bcdefg","value":"` + b64("v") + `"}`, 400,
			`"name" must not end with a hyphen followed by six characters`},
		{"no value", auth, "POST", p, `{"name":"N"}`, 400, `"value" is necessary`},
		{"empty value", auth, "POST", p, `{"name":"N","value":""}`, 400, `"value" is necessary`},
		{"not base64", auth, "POST", p, `{"name":"N","value":"a b"}`, 400, `"value" must be base64 encoded`},
		{"bad expiry", auth, "POST", p, `{"name":"N","value":"` + b64("v") + `","expired_at":"soon"}`, 400, `"expired_at" must be in ISO 8601 format`},
		{"taken", auth, "POST", p, `{"name":"TAKEN","value":"` + b64("v") + `"}`, 409, ""},
		{"no such secret", auth, "GET", p + "/1234567890123", "", 404, ""},
		{"method", auth, "PUT", p, "", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, m := call(t, srv, tc.auth, tc.method, tc.path, tc.body)
			if status != tc.status {
				t.Errorf("status %d, want %d: %v", status, tc.status, m)
			}
			if len(m) != 2 || m["error"] == "" || m["error_description"] == nil {
				t.Errorf("error body %v, want {error, error_description}", m)
			}
			if tc.desc != "" && m["error_description"] != tc.desc {
				t.Errorf("error_description %q, want %q", m["error_description"], tc.desc)
			}
		})
	}
}

// TestPaging: offset, limit (default 50) and has_next; values only with
// return_secret_value=true; creation order.
func TestPaging(t *testing.T) {
	srv := abejatest.NewServer()
	defer srv.Close()
	org := srv.NewOrganization()
	tok := srv.NewAuthToken(org)
	auth := "Bearer " + tok
	p := "/secret-manager/organizations/" + org + "/secrets"
	var names []string
	for i := range 120 {
		n := "S" + strings.Repeat("x", i%3) + string(rune('A'+i%26)) + strings.Repeat("0", i/26)
		names = append(names, n)
		if s, m := call(t, srv, auth, "POST", p, `{"name":"`+n+`","value":"`+b64(n)+`"}`); s != 200 {
			t.Fatalf("create %s: %d %v", n, s, m)
		}
	}
	var got []string
	for _, q := range []string{"", "?offset=50", "?offset=100&limit=100&return_secret_value=true"} {
		_, m := call(t, srv, auth, "GET", p+q, "")
		for _, s := range m["secrets"].([]any) {
			sec := s.(map[string]any)
			got = append(got, sec["name"].(string))
			_, hasValue := sec["versions"].([]any)[0].(map[string]any)["value"]
			if hasValue != strings.Contains(q, "return_secret_value=true") {
				t.Errorf("%s: value present %v", q, hasValue)
			}
		}
		want := map[string]any{"organization_id": org, "offset": 0.0, "limit": 50.0, "has_next": true}
		switch q {
		case "?offset=50":
			want["offset"] = 50.0
		case "?offset=100&limit=100&return_secret_value=true":
			want["offset"], want["limit"], want["has_next"] = 100.0, 100.0, false
		}
		delete(m, "secrets")
		if d := cmp.Diff(want, m); d != "" {
			t.Errorf("%s (-want +got):\n%s", q, d)
		}
	}
	if d := cmp.Diff(names, got); d != "" {
		t.Errorf("listing order (-want +got):\n%s", d)
	}
}

// TestVersions: POST /versions adds an active version one above the
// highest; PATCH sets a status; the version listing's pagination; the last
// version cannot be deleted; DELETE answers {"message"}.
func TestVersions(t *testing.T) {
	srv := abejatest.NewServer()
	defer srv.Close()
	org := srv.NewOrganization()
	user, pat := srv.NewUser(org)
	auth := basic(user, pat)
	p := "/secret-manager/organizations/" + org + "/secrets"
	_, sec := call(t, srv, auth, "POST", p, `{"name":"V","value":"`+b64("one")+`","description":"d","expired_at":"2030-01-01T09:00:00+09:00"}`)
	if sec["expired_at"] != "2030-01-01T00:00:00Z" || sec["description"] != "d" {
		t.Errorf("created %v", sec)
	}
	sp := p + "/" + sec["id"].(string)
	status, v := call(t, srv, auth, "POST", sp+"/versions", `{"value":"`+b64("two")+`"}`)
	if status != 200 || v["version"] != 2.0 || v["status"] != "active" || v["value"] != nil {
		t.Errorf("new version %d %v", status, v)
	}
	_, v = call(t, srv, auth, "PATCH", sp+"/versions/"+v["id"].(string), `{"status":"inactive"}`)
	if v["status"] != "inactive" {
		t.Errorf("patched %v", v)
	}
	if s, m := call(t, srv, auth, "PATCH", sp+"/versions/"+v["id"].(string), `{"status":"gone"}`); s != 400 {
		t.Errorf("bad status: %d %v", s, m)
	}
	_, l := call(t, srv, auth, "GET", sp+"/versions?limit=1", "")
	if d := cmp.Diff(map[string]any{"count": 2.0, "has_next": true, "limit": 1.0, "offset": 0.0}, l["pagination"]); d != "" {
		t.Errorf("pagination (-want +got):\n%s", d)
	}
	status, m := call(t, srv, auth, "DELETE", sp+"/versions/"+v["id"].(string), "")
	if status != 200 || m["message"] != "secret_version_id "+v["id"].(string)+" successfully deleted" {
		t.Errorf("delete version: %d %v", status, m)
	}
	first := srv.Secrets(org)[0].Versions[0].ID
	if s, _ := call(t, srv, auth, "DELETE", sp+"/versions/"+first, ""); s != 400 {
		t.Errorf("deleting the last version: %d", s)
	}
	// PATCH of the secret: only description and expired_at.
	_, sec = call(t, srv, auth, "PATCH", sp, `{"description":null,"expired_at":null,"name":"W","value":"`+b64("x")+`"}`)
	if sec["description"] != nil || sec["expired_at"] != nil || sec["name"] != "V" {
		t.Errorf("patched %v", sec)
	}
	if got := srv.Secrets(org)[0]; got.Versions[0].Value != "one" || len(got.Versions) != 1 {
		t.Errorf("stored %+v", got)
	}
	status, m = call(t, srv, auth, "DELETE", sp, "")
	if status != 200 || m["message"] != "secret_id "+sec["id"].(string)+" successfully deleted" {
		t.Errorf("delete: %d %v", status, m)
	}
}
