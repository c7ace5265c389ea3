package lockertest_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
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
