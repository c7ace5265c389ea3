package lockertest_test

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestValidationAnswers pins, byte for byte, the answers to writes the
// server refuses — which check answers first, the status, the code and the
// message — for secrets and environments, created and updated.
func TestValidationAnswers(t *testing.T) {
	_, _, s := setup(t)
	raw := func(method, path, body string) (int, string) {
		t.Helper()
		a := drivertest.Send(t, method, s.base+path, body, "Authorization", "Bearer "+s.id, "Content-Type", "application/json")
		return a.Status, string(a.Body)
	}
	js := func(v map[string]any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	created := func(path string, body map[string]any) string {
		code, b := raw("POST", path, js(body))
		if code != 201 {
			t.Fatalf("POST %s: %d %s", path, code, b)
		}
		var out struct{ ID string }
		_ = json.Unmarshal([]byte(b), &out)
		return out.ID
	}
	env := created("/v1/environments", map[string]any{"name": s.enc("prod"), "hash": "hprod"})
	created("/v1/environments", map[string]any{"name": s.enc("qa"), "hash": "hqa"})
	sec := created("/v1/secrets", map[string]any{"key": s.enc("A"), "value": s.enc("v"), "hash": "hA"})
	created("/v1/secrets", map[string]any{"key": s.enc("B"), "value": s.enc("v"), "hash": "hB"})
	k, v := s.enc("K"), s.enc("v")

	answer := func(status int, code, message string) string {
		return fmt.Sprintf("%d {\"code\":%q,\"message\":%q}\n", status, code, message)
	}
	required := func(f string) string { return answer(400, "validation_error", "The field "+f+" is required.") }
	notEnc := func(f string) string {
		return answer(422, "validation_error", "The field "+f+" must be an encrypted string.")
	}
	malformed := answer(400, "validation_error", "Malformed JSON body.")
	for _, tc := range []struct {
		name, method, path, body, want string
	}{
		{"secret: malformed", "POST", "/v1/secrets", "{", malformed},
		{"secret: no key", "POST", "/v1/secrets", js(map[string]any{"hash": "h"}), required("key")},
		{"secret: no value", "POST", "/v1/secrets", js(map[string]any{"key": k}), required("value")},
		{"secret: plain key", "POST", "/v1/secrets", js(map[string]any{"key": "K", "value": "v"}), notEnc("key")},
		{"secret: plain value", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": "v"}), notEnc("value")},
		{"secret: plain description", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": v, "description": "d"}), notEnc("description")},
		{"secret: plain environment name", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": v, "environment_name": "e"}), notEnc("environment_name")},
		{"secret: no hash", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": v}), required("hash")},
		{"secret: no such environment", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": v, "hash": "hK", "environment_id": "999"}),
			answer(404, "not_found", "The environment does not exist.")},
		{"secret: duplicate", "POST", "/v1/secrets", js(map[string]any{"key": k, "value": v, "hash": "hA"}),
			answer(400, "duplicate_hash", "This secret hash already exists")},
		{"secret update: no such secret (before the body)", "PUT", "/v1/secrets/999", "{", answer(404, "not_found", "The secret does not exist.")},
		{"secret update: malformed", "PUT", "/v1/secrets/" + sec, "{", malformed},
		{"secret update: nothing required but the hash", "PUT", "/v1/secrets/" + sec, "{}", required("hash")},
		{"secret update: plain value", "PUT", "/v1/secrets/" + sec, js(map[string]any{"value": "v"}), notEnc("value")},
		{"secret update: plain environment name", "PUT", "/v1/secrets/" + sec, js(map[string]any{"environment_name": "e", "hash": "hA"}), notEnc("environment_name")},
		{"secret update: no such environment", "PUT", "/v1/secrets/" + sec, js(map[string]any{"hash": "hA", "environment_id": "999"}),
			answer(404, "not_found", "The environment does not exist.")},
		{"secret update: duplicate", "PUT", "/v1/secrets/" + sec, js(map[string]any{"hash": "hB"}),
			answer(400, "duplicate_hash", "This hash value already existed")},
		{"environment: malformed", "POST", "/v1/environments", "{", malformed},
		{"environment: no name", "POST", "/v1/environments", js(map[string]any{"hash": "h"}), required("name")},
		{"environment: plain name", "POST", "/v1/environments", js(map[string]any{"name": "n"}), notEnc("name")},
		{"environment: plain external URL", "POST", "/v1/environments", js(map[string]any{"name": k, "external_url": "u"}), notEnc("external_url")},
		{"environment: plain description", "POST", "/v1/environments", js(map[string]any{"name": k, "description": "d"}), notEnc("description")},
		{"environment: no hash", "POST", "/v1/environments", js(map[string]any{"name": k}), required("hash")},
		{"environment: duplicate", "POST", "/v1/environments", js(map[string]any{"name": k, "hash": "hprod"}),
			answer(400, "duplicate_hash", "This environment hash already exists")},
		{"environment update: no such environment (before the body)", "PUT", "/v1/environments/999", "{",
			answer(404, "not_found", "The environment does not exist.")},
		{"environment update: malformed", "PUT", "/v1/environments/" + env, "{", malformed},
		{"environment update: nothing required but the hash", "PUT", "/v1/environments/" + env, "{}", required("hash")},
		{"environment update: plain name", "PUT", "/v1/environments/" + env, js(map[string]any{"name": "n"}), notEnc("name")},
		{"environment update: duplicate", "PUT", "/v1/environments/" + env, js(map[string]any{"hash": "hqa"}),
			answer(400, "duplicate_hash", "The environment hash already existed")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, b := raw(tc.method, tc.path, tc.body)
			if diff := cmp.Diff(tc.want, fmt.Sprintf("%d %s", code, b)); diff != "" {
				t.Errorf("answer (-want +got):\n%s", diff)
			}
		})
	}
}
