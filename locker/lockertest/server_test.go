package lockertest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
	"github.com/polysecret/secrets/locker/lockertest"
)

// These tests speak to lockertest as the official Locker Go SDK does: same
// paths, query strings, headers and bodies (LOCKER.md §2), and check the
// shapes that SDK decodes.

type sdk struct {
	t    *testing.T
	base string
	id   string
	keys lockercrypto.Keys
	pid  int
}

func (s *sdk) req(method, path string, body any) (int, []byte) {
	s.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	a := drivertest.Send(s.t, method, s.base+path, string(b), "Authorization", "Bearer "+s.id,
		"User-Agent", "Locker Secret Go SDK - version 1.0.0", "Cache-Control", "no-cache", "Content-Type", "application/json")
	return a.Status, a.Body
}

func (s *sdk) enc(v string) string {
	e, err := s.keys.Encrypt([]byte(v))
	if err != nil {
		s.t.Fatal(err)
	}
	return e
}

func setup(t *testing.T) (*lockertest.Server, *lockertest.Project, *sdk) {
	srv := lockertest.NewServer()
	t.Cleanup(srv.Close)
	p := srv.CreateProject("p")
	k, err := p.CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := &sdk{t: t, base: srv.URL(), id: k.ID}
	code, b := s.req("GET", "/v1/profile", nil)
	if code != 200 {
		t.Fatalf("profile: %d %s", code, b)
	}
	var prof map[string]any
	if err := json.Unmarshal(b, &prof); err != nil {
		t.Fatal(err)
	}
	pr := prof["profile"].(map[string]any)
	for _, f := range []string{"object", "id", "client_id", "key", "activated", "editable", "restrict_ip", "creation_date",
		"revision_date", "expiration_date", "project_id", "projects"} {
		if _, ok := pr[f]; !ok {
			t.Errorf("profile lacks %q", f)
		}
	}
	access, _ := lockercrypto.AccessKeys(k.Secret)
	if s.keys, err = lockercrypto.ProjectKeys(access, pr["key"].(string)); err != nil {
		t.Fatal(err)
	}
	s.pid = int(pr["project_id"].(float64))
	return srv, p, s
}

func TestProtocol(t *testing.T) {
	_, p, s := setup(t)
	// bare numbers
	code, b := s.req("GET", "/v1/sync/revision_date", nil)
	if _, err := strconv.ParseFloat(string(b), 64); code != 200 || err != nil {
		t.Errorf("revision_date: %d %q", code, b)
	}
	code, b = s.req("GET", "/v1/sync/secrets/count", nil)
	if n, err := strconv.Atoi(string(b)); code != 200 || err != nil || n != 0 {
		t.Errorf("secrets/count: %d %q", code, b)
	}
	// create an environment and 5 secrets
	envHash := lockercrypto.LookupHash(s.pid, "prod")
	code, b = s.req("POST", "/v1/environments", map[string]any{"name": s.enc("prod"), "hash": envHash, "external_url": s.enc("https://x")})
	if code != 201 && code != 200 {
		t.Fatalf("create env: %d %s", code, b)
	}
	var env map[string]any
	_ = json.Unmarshal(b, &env)
	for _, f := range []string{"object", "id", "name", "hash", "external_url", "description", "creation_date", "revision_date", "updated_date", "project_id", "data", "project"} {
		if _, ok := env[f]; !ok {
			t.Errorf("environment lacks %q", f)
		}
	}
	envID := env["id"].(string)
	for i := range 5 {
		k := "K" + strconv.Itoa(i)
		body := map[string]any{"key": s.enc(k), "hash": lockercrypto.LookupHash(s.pid, k), "value": s.enc("v")}
		if i%2 == 1 {
			body["environment_id"] = envID
			body["environment_name"] = s.enc("prod")
		}
		if code, b := s.req("POST", "/v1/secrets", body); code != 201 && code != 200 {
			t.Fatalf("create secret: %d %s", code, b)
		}
	}
	// duplicate: 400 with the SDK's message
	code, b = s.req("POST", "/v1/secrets", map[string]any{"key": s.enc("K0"), "hash": lockercrypto.LookupHash(s.pid, "K0"), "value": s.enc("v")})
	var e map[string]string
	_ = json.Unmarshal(b, &e)
	if code != 400 || e["code"] != "duplicate_hash" || !strings.Contains(e["message"], "hash already exists") {
		t.Errorf("duplicate: %d %s", code, b)
	}
	// plaintext where ciphertext belongs
	code, _ = s.req("POST", "/v1/secrets", map[string]any{"key": "K9", "hash": "h", "value": "plain"})
	if code != 422 {
		t.Errorf("plaintext accepted: %d", code)
	}
	// paging: size 2, follow next by concatenation with the base, as the SDK does
	path := "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date=0.000000&size=2&hash="
	var ids []string
	for pages := 0; path != ""; pages++ {
		code, b := s.req("GET", path, nil)
		if code != 200 {
			t.Fatalf("list: %d %s", code, b)
		}
		var env struct {
			Count        int              `json:"count"`
			Next         *string          `json:"next"`
			Previous     *string          `json:"previous"`
			RevisionDate float64          `json:"revision_date"`
			Results      []map[string]any `json:"results"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			t.Fatal(err)
		}
		if env.Count != 5 || len(env.Results) > 2 {
			t.Fatalf("envelope: count %d, %d results", env.Count, len(env.Results))
		}
		for _, r := range env.Results {
			for _, f := range []string{"object", "id", "creation_date", "revision_date", "updated_date", "deleted_date", "last_use_date",
				"project_id", "environment_id", "environment_name", "environment_hash", "key", "secret_hash", "value", "description"} {
				if _, ok := r[f]; !ok {
					t.Errorf("secret lacks %q", f)
				}
			}
			ids = append(ids, r["id"].(string))
		}
		path = ""
		if env.Next != nil {
			if !strings.HasPrefix(*env.Next, "/v1/") {
				t.Fatalf("next %q is not relative to the base", *env.Next)
			}
			path = *env.Next
		}
	}
	if len(ids) != 5 {
		t.Fatalf("paging gave %v", ids)
	}
	// filter by hash and environment
	code, b = s.req("GET", "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date=0.000000&size=2000&environment_id="+envID, nil)
	var lst struct{ Results []map[string]any }
	_ = json.Unmarshal(b, &lst)
	if code != 200 || len(lst.Results) != 2 {
		t.Errorf("environment filter: %d, %d results", code, len(lst.Results))
	}
	// the server holds only ciphertext
	for _, st := range p.StoredSecrets() {
		if !lockercrypto.IsEncString(st.Key) || !lockercrypto.IsEncString(st.Value) {
			t.Errorf("stored plaintext: %+v", st)
		}
	}
	// errors
	s2 := *s
	s2.id = "nope"
	code, b = s2.req("GET", "/v1/secrets", nil)
	_ = json.Unmarshal(b, &e)
	if diff := cmp.Diff("unauthorized", e["code"]); code != 401 || diff != "" {
		t.Errorf("bad key: %d %s", code, b)
	}
}

func TestFaults(t *testing.T) {
	srv, _, s := setup(t)
	srv.FailNext(1, 429, 2e9)
	if a := drivertest.Send(t, "GET", s.base+"/v1/profile", "", "Authorization", "Bearer "+s.id); a.Status != 429 || a.Header.Get("Retry-After") != "2" {
		t.Fatalf("fault: %d Retry-After %q", a.Status, a.Header.Get("Retry-After"))
	}
	if code, _ := s.req("GET", "/v1/profile", nil); code != 200 {
		t.Fatalf("after the fault: %d", code)
	}
	if srv.Requests() != 3 {
		t.Fatalf("Requests() = %d", srv.Requests())
	}
}

// TestTLSServer: NewTLSServer serves HTTPS; its Client trusts it and a
// default client does not.
func TestTLSServer(t *testing.T) {
	srv := lockertest.NewTLSServer()
	defer srv.Close()
	if !strings.HasPrefix(srv.URL(), "https://") || strings.Contains(srv.Host(), "/") {
		t.Fatalf("URL %q Host %q", srv.URL(), srv.Host())
	}
	k, err := srv.CreateProject("tls").CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := http.NewRequest("GET", srv.URL()+"/v1/profile", nil)
	r.Header.Set("Authorization", "Bearer "+k.ID)
	resp, err := srv.Client().Do(r)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("status %d", resp.StatusCode)
	}
	if _, err := (&http.Client{}).Do(r); err == nil || !slices.ContainsFunc([]string{"certificate", "x509", "tls"}, func(s string) bool { return strings.Contains(err.Error(), s) }) {
		t.Errorf("an untrusting client: %v", err)
	}
}
