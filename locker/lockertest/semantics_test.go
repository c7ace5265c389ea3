package lockertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
	"github.com/polysecret/secrets/locker/lockertest"
)

// errBody decodes a {"code","message"} error body.
func errBody(t *testing.T, b []byte) (code, message string) {
	t.Helper()
	var e struct{ Code, Message string }
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q: %v", b, err)
	}
	return e.Code, e.Message
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("body %q: %v", b, err)
	}
	return m
}

// TestAccessKeys: permissions, allow-lists, activation, expiry and the limit
// of two active keys per project, as Locker's dashboard describes them.
func TestAccessKeys(t *testing.T) {
	srv, p, owner := setup(t)
	code, b := owner.req("POST", "/v1/environments", map[string]any{"name": owner.enc("prod"), "hash": lockercrypto.LookupHash(owner.pid, "prod")})
	if code != 201 {
		t.Fatalf("create env: %d %s", code, b)
	}
	envID := decode(t, b)["id"].(string)
	code, b = owner.req("POST", "/v1/secrets", map[string]any{"key": owner.enc("K"), "hash": lockercrypto.LookupHash(owner.pid, "K"), "value": owner.enc("v")})
	if code != 201 {
		t.Fatalf("create secret: %d %s", code, b)
	}
	secID := decode(t, b)["id"].(string)

	// A project has at most two active keys; setup made one.
	read, err := p.CreateAccessKey(lockertest.KeyOptions{Permission: lockertest.Read})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateAccessKey(lockertest.KeyOptions{}); err == nil {
		t.Fatal("a third active key was created")
	}
	spare, err := p.CreateAccessKey(lockertest.KeyOptions{Inactive: true})
	if err != nil {
		t.Fatalf("an inactive third key: %v", err)
	}
	if err := p.SetKeyActive(spare.ID, true); err == nil {
		t.Fatal("a third key was activated")
	}
	if err := p.SetKeyActive("nope", false); err == nil {
		t.Fatal("SetKeyActive of an unknown key succeeded")
	}

	as := func(k *lockertest.AccessKey) *sdk { c := *owner; c.id = k.ID; return &c }

	// A Read key reads and is refused every write with 403 permission_denied.
	r := as(read)
	code, b = r.req("GET", "/v1/profile", nil)
	if code != 200 || decode(t, b)["profile"].(map[string]any)["editable"] != false {
		t.Errorf("Read key profile: %d %s", code, b)
	}
	if code, b := r.req("GET", "/v1/secrets?hash="+lockercrypto.LookupHash(owner.pid, "K"), nil); code != 200 {
		t.Errorf("Read key list: %d %s", code, b)
	}
	writes := []struct {
		method, path string
		body         map[string]any
	}{
		{"POST", "/v1/secrets", map[string]any{"key": owner.enc("K2"), "hash": lockercrypto.LookupHash(owner.pid, "K2"), "value": owner.enc("v")}},
		{"PUT", "/v1/secrets/" + secID, map[string]any{"hash": lockercrypto.LookupHash(owner.pid, "K"), "value": owner.enc("w")}},
		{"POST", "/v1/environments", map[string]any{"name": owner.enc("dev"), "hash": lockercrypto.LookupHash(owner.pid, "dev")}},
		{"PUT", "/v1/environments/" + envID, map[string]any{"hash": lockercrypto.LookupHash(owner.pid, "prod"), "description": owner.enc("d")}},
	}
	for _, w := range writes {
		code, b := r.req(w.method, w.path, w.body)
		if c, _ := errBody(t, b); code != 403 || c != "permission_denied" {
			t.Errorf("Read key %s %s: %d %s", w.method, w.path, code, b)
		}
	}
	if got := p.StoredSecrets(); len(got) != 1 || got[0].Value == "" {
		t.Fatalf("a refused write changed the store: %+v", got)
	}

	// Deactivating a key frees a slot; requests with it are 401.
	if err := p.SetKeyActive(read.ID, false); err != nil {
		t.Fatal(err)
	}
	if code, b := r.req("GET", "/v1/profile", nil); code != 401 {
		t.Errorf("deactivated key: %d %s", code, b)
	} else if c, _ := errBody(t, b); c != "unauthorized" {
		t.Errorf("deactivated key: code %q", c)
	}
	if err := p.SetKeyActive(spare.ID, true); err != nil {
		t.Fatalf("activating into a free slot: %v", err)
	}
	if err := p.SetKeyActive(spare.ID, false); err != nil {
		t.Fatal(err)
	}

	// Allow-lists: addresses and CIDR prefixes; the client is 127.0.0.1.
	p2 := srv.CreateProject("ip")
	for _, tc := range []struct {
		name  string
		allow []string
		want  int
	}{
		{"outside", []string{"192.0.2.10"}, 403},
		{"address", []string{"192.0.2.10", "127.0.0.1"}, 200},
		{"prefix", []string{"127.0.0.0/8"}, 200},
		{"other prefix", []string{"10.0.0.0/8", "::1/128"}, 403},
	} {
		t.Run("allow-list/"+tc.name, func(t *testing.T) {
			k, err := p2.CreateAccessKey(lockertest.KeyOptions{RestrictIP: tc.allow})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = p2.SetKeyActive(k.ID, false) }()
			code, b := as(k).req("GET", "/v1/secrets", nil)
			if code != tc.want {
				t.Fatalf("got %d %s, want %d", code, b, tc.want)
			}
			if code == 403 {
				if c, _ := errBody(t, b); c != "permission_denied" {
					t.Errorf("code %q", c)
				}
			}
		})
	}

	// Expired keys, unknown keys, no bearer token: 401.
	p3 := srv.CreateProject("expired")
	expired, err := p3.CreateAccessKey(lockertest.KeyOptions{ExpiresAt: time.Unix(1, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]*sdk{"expired": as(expired), "unknown": as(&lockertest.AccessKey{ID: "ak_unknown"})} {
		if code, b := c.req("GET", "/v1/profile", nil); code != 401 {
			t.Errorf("%s key: %d %s", name, code, b)
		}
	}
	resp, err := http.Get(srv.URL() + "/v1/profile")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("no Authorization header: %d", resp.StatusCode)
	}
}

// TestSecretSemantics: uniqueness of (key hash, environment), moves between
// environments, renames, environment renames seen by secrets, validation,
// and revision_date deltas.
func TestSecretSemantics(t *testing.T) {
	_, p, s := setup(t)
	h := func(v string) string { return lockercrypto.LookupHash(s.pid, v) }
	mustOK := func(code int, b []byte) map[string]any {
		t.Helper()
		if code != 200 && code != 201 {
			t.Fatalf("%d %s", code, b)
		}
		return decode(t, b)
	}
	wantErr := func(what string, code int, b []byte, status int, errCode, msg string) {
		t.Helper()
		c, m := errBody(t, b)
		if code != status || c != errCode || !strings.Contains(m, msg) {
			t.Errorf("%s: %d %s, want %d %s %q", what, code, b, status, errCode, msg)
		}
	}
	prod := mustOK(s.req("POST", "/v1/environments", map[string]any{"name": s.enc("prod"), "hash": h("prod")}))["id"].(string)
	dev := mustOK(s.req("POST", "/v1/environments", map[string]any{"name": s.enc("dev"), "hash": h("dev")}))["id"].(string)
	code, b := s.req("POST", "/v1/environments", map[string]any{"name": s.enc("prod"), "hash": h("prod")})
	wantErr("duplicate environment", code, b, 400, "duplicate_hash", "This environment hash already exists")
	code, b = s.req("PUT", "/v1/environments/"+dev, map[string]any{"name": s.enc("prod"), "hash": h("prod")})
	wantErr("rename onto an environment", code, b, 400, "duplicate_hash", "The environment hash already existed")

	secret := func(key, env string) map[string]any {
		body := map[string]any{"key": s.enc(key), "hash": h(key), "value": s.enc("v-" + key)}
		if env != "" {
			body["environment_id"] = env
		}
		return mustOK(s.req("POST", "/v1/secrets", body))
	}
	all := secret("A", "")
	inProd := secret("A", prod) // the same key in another environment is another secret
	secret("B", dev)
	if all["environment_id"] != nil || inProd["environment_id"] != prod || inProd["environment_hash"] != h("prod") {
		t.Fatalf("environment fields: %v / %v", all, inProd)
	}
	if _, ok := inProd["data"]; !ok {
		t.Error("create response lacks data")
	}
	code, b = s.req("POST", "/v1/secrets", map[string]any{"key": s.enc("A"), "hash": h("A"), "value": s.enc("x"), "environment_id": prod})
	wantErr("duplicate secret", code, b, 400, "duplicate_hash", "This secret hash already exists")
	code, b = s.req("POST", "/v1/secrets", map[string]any{"key": s.enc("C"), "hash": h("C"), "value": s.enc("x"), "environment_id": "999"})
	wantErr("unknown environment", code, b, 404, "not_found", "")

	allID, prodID := all["id"].(string), inProd["id"].(string)
	// moving the All secret into prod, which already holds A: duplicate
	code, b = s.req("PUT", "/v1/secrets/"+allID, map[string]any{"hash": h("A"), "environment_id": prod, "environment_name": s.enc("prod")})
	wantErr("move onto a duplicate", code, b, 400, "duplicate_hash", "This hash value already existed")
	// renaming prod's A to B is fine (B lives in dev); then into dev it is a duplicate
	upd := mustOK(s.req("PUT", "/v1/secrets/"+prodID, map[string]any{"key": s.enc("B"), "hash": h("B")}))
	if upd["secret_hash"] != h("B") || upd["environment_id"] != prod {
		t.Errorf("rename: %v", upd)
	}
	code, b = s.req("PUT", "/v1/secrets/"+prodID, map[string]any{"hash": h("B"), "environment_id": dev, "environment_name": s.enc("dev")})
	wantErr("move B into dev", code, b, 400, "duplicate_hash", "already existed")
	// moving to All: environment_id "" and environment_name ENC("")
	moved := mustOK(s.req("PUT", "/v1/secrets/"+prodID, map[string]any{"hash": h("B"), "environment_id": "", "environment_name": s.enc("")}))
	if moved["environment_id"] != nil || moved["environment_hash"] != nil || moved["environment_name"] != nil {
		t.Errorf("moved to All: %v", moved)
	}
	code, b = s.req("PUT", "/v1/secrets/999", map[string]any{"hash": h("B")})
	wantErr("unknown secret", code, b, 404, "not_found", "")

	// validation
	for _, tc := range []struct {
		name string
		body any
		want int
	}{
		{"no hash", map[string]any{"key": s.enc("D"), "value": s.enc("v")}, 400},
		{"no value", map[string]any{"key": s.enc("D"), "hash": h("D")}, 400},
		{"plaintext description", map[string]any{"key": s.enc("D"), "hash": h("D"), "value": s.enc("v"), "description": "plain"}, 422},
		{"not an object", []int{1}, 400},
	} {
		code, b := s.req("POST", "/v1/secrets", tc.body)
		if c, _ := errBody(t, b); code != tc.want || c != "validation_error" {
			t.Errorf("%s: %d %s", tc.name, code, b)
		}
	}

	// renaming an environment: its secrets show the new name and hash, and
	// a delta sync (revision_date) returns them
	var before struct {
		RevisionDate float64 `json:"revision_date"`
	}
	_, b = s.req("GET", "/v1/secrets?revision_date=0", nil)
	_ = json.Unmarshal(b, &before)
	mustOK(s.req("PUT", "/v1/environments/"+dev, map[string]any{"name": s.enc("staging"), "hash": h("staging")}))
	_, b = s.req("GET", "/v1/secrets?count_secrets=1&page=1&paging=1&size=2000&revision_date="+strconv.FormatFloat(before.RevisionDate, 'f', 6, 64), nil)
	var delta struct{ Results []map[string]any }
	_ = json.Unmarshal(b, &delta)
	if len(delta.Results) != 1 || delta.Results[0]["environment_hash"] != h("staging") {
		t.Fatalf("delta after renaming dev: %s", b)
	}
	name, err := s.keys.Decrypt(delta.Results[0]["environment_name"].(string))
	if err != nil || string(name) != "staging" {
		t.Errorf("environment_name after the rename: %q, %v", name, err)
	}
	_, b = s.req("GET", "/v1/environments?revision_date="+strconv.FormatFloat(before.RevisionDate, 'f', 6, 64), nil)
	var envs struct{ Results []map[string]any }
	_ = json.Unmarshal(b, &envs)
	if len(envs.Results) != 1 || envs.Results[0]["id"] != dev {
		t.Errorf("environment delta: %s", b)
	}

	// the server never holds a plaintext
	for _, st := range p.StoredSecrets() {
		for _, f := range []string{st.Key, st.Value} {
			if !lockercrypto.IsEncString(f) {
				t.Errorf("stored plaintext field %q", f)
			}
		}
	}
}

// TestPaging: every page size lists each item exactly once, in creation
// order, following next links relative to the base.
func TestPaging(t *testing.T) {
	_, p, s := setup(t)
	const n = 23
	for i := range n {
		k := "K" + strconv.Itoa(i)
		if code, b := s.req("POST", "/v1/secrets", map[string]any{"key": s.enc(k), "hash": lockercrypto.LookupHash(s.pid, k), "value": s.enc("v")}); code != 201 {
			t.Fatalf("%d %s", code, b)
		}
	}
	var want []string
	for _, st := range p.StoredSecrets() {
		want = append(want, st.ID)
	}
	for _, size := range []int{1, 2, 7, 22, 23, 24, 2000, 5000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			var got []string
			var prev []string
			path := "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date=0.000000&size=" + strconv.Itoa(size) + "&hash="
			for path != "" {
				code, b := s.req("GET", path, nil)
				if code != 200 {
					t.Fatalf("%s: %d %s", path, code, b)
				}
				var env struct {
					Count          int
					Next, Previous *string
					Results        []struct{ ID string }
				}
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatal(err)
				}
				if env.Count != n {
					t.Fatalf("count %d", env.Count)
				}
				if env.Previous != nil {
					prev = append(prev, *env.Previous)
				}
				for _, r := range env.Results {
					got = append(got, r.ID)
				}
				path = ""
				if env.Next != nil {
					path = *env.Next
				}
				if len(got) > n {
					t.Fatal("paging does not end")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if pages := (n + min(size, 2000) - 1) / min(size, 2000); len(prev) != pages-1 {
				t.Errorf("%d previous links over %d pages", len(prev), pages)
			}
		})
	}
	// past the end: an empty page, not an error
	code, b := s.req("GET", "/v1/secrets?page=9&size=10", nil)
	if m := decode(t, b); code != 200 || len(m["results"].([]any)) != 0 || m["next"] != nil {
		t.Errorf("past the end: %d %s", code, b)
	}
}

// TestFaultHooks: FailNext answers the error envelope with the status and
// Retry-After asked for, DelayNext holds requests, and faults are consumed
// in order, one per request.
func TestFaultHooks(t *testing.T) {
	srv, _, s := setup(t)
	srv.FailNext(2, 503, 0)
	srv.FailNext(1, 429, 1500*time.Millisecond)
	srv.DelayNext(1, time.Millisecond)
	for i, want := range []struct {
		status     int
		code       string
		retryAfter string
	}{{503, "service_unavailable", ""}, {503, "service_unavailable", ""}, {429, "rate_limited", "2"}, {200, "", ""}, {200, "", ""}} {
		r, _ := http.NewRequest("GET", s.base+"/v1/profile", nil)
		r.Header.Set("Authorization", "Bearer "+s.id)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Message string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != want.status || (want.code != "" && e.Code != want.code) || resp.Header.Get("Retry-After") != want.retryAfter {
			t.Errorf("request %d: %d %+v Retry-After %q, want %+v", i, resp.StatusCode, e, resp.Header.Get("Retry-After"), want)
		}
	}
	// a client that gives up during a delay gets no answer; the fault is used up
	srv.DelayNext(1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/profile", nil)
	r.Header.Set("Authorization", "Bearer "+s.id)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for srv.Requests() < 7 { // wait until the server holds it
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("delayed request: %v", err)
	}
	if code, b := s.req("GET", "/v1/profile", nil); code != 200 {
		t.Errorf("after the delay fault: %d %s", code, b)
	}
	if got := srv.Requests(); got != 8 { // setup's profile, the 5 above, the delayed one, the last
		t.Errorf("Requests() = %d, want 8", got)
	}
}

// TestTamperSecret: the hook overwrites what the server returns, and
// refuses unknown fields and ids.
func TestTamperSecret(t *testing.T) {
	_, p, s := setup(t)
	code, b := s.req("POST", "/v1/secrets", map[string]any{"key": s.enc("K"), "hash": lockercrypto.LookupHash(s.pid, "K"), "value": s.enc("v")})
	if code != 201 {
		t.Fatalf("%d %s", code, b)
	}
	id := decode(t, b)["id"].(string)
	if err := p.TamperSecret(id, "value", "2.x|y|z"); err != nil {
		t.Fatal(err)
	}
	_, b = s.req("GET", "/v1/secrets", nil)
	var l struct{ Results []map[string]any }
	_ = json.Unmarshal(b, &l)
	if len(l.Results) != 1 || l.Results[0]["value"] != "2.x|y|z" {
		t.Errorf("tampered value not served: %s", b)
	}
	if err := p.TamperSecret(id, "secret_hash", "x"); err == nil {
		t.Error("unknown field accepted")
	}
	if err := p.TamperSecret("999", "value", "x"); err == nil {
		t.Error("unknown id accepted")
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
