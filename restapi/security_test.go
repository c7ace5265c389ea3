package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

var ctx = context.Background()

// sentinel is in every value these tests store, as the conformance suite's
// marker is, so that a leak shows.
const sentinel = "PSV-sentinel-restapi-"

// fixture is a gateway over mem:// with an environment prod and staging,
// and keys: all (read-write, values, every scope), reader (read, values,
// every scope), prod (read-write, values, prod only), meta (read-write, no
// values, every scope).
type fixture struct {
	g     *restapitest.Gateway
	store *secrets.Store
}

func newFixture(t *testing.T, limits restapi.Limits) *fixture {
	t.Helper()
	st := memory.OpenStore()
	for _, e := range []string{"prod", "staging"} {
		if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: e}); err != nil {
			t.Fatal(err)
		}
	}
	g := restapitest.Start(t, st, limits,
		restapitest.Full("all"),
		restapi.Key{ID: "reader", Access: restapi.Read, Values: true, Environments: []string{"*"}},
		restapi.Key{ID: "prod", Access: restapi.ReadWrite, Values: true, Environments: []string{"prod"}},
		restapi.Key{ID: "meta", Access: restapi.ReadWrite, Environments: []string{"*"}},
	)
	return &fixture{g: g, store: st}
}

type reply struct {
	status int
	body   string
	header http.Header
}

// do sends a request with the key of id ("" for none) and extra headers.
func (f *fixture) do(t *testing.T, method, path, id string, body any, hdr ...string) reply {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, f.g.Server.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if id != "" {
		req.Header.Set("X-API-Key", f.g.Secrets[id])
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, string(b), resp.Header}
}

// errCode is the error envelope's code ("" when there is none).
func (r reply) errCode() string {
	var e struct {
		Error restapi.ErrorJSON `json:"error"`
	}
	_ = json.Unmarshal([]byte(r.body), &e)
	return e.Error.Code
}

func (r reply) data(t *testing.T, v any) {
	t.Helper()
	var e struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Data == nil {
		t.Fatalf("answer is not a data envelope: %s", r.body)
	}
	if err := json.Unmarshal(e.Data, v); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) seed(t *testing.T, env, key string) string {
	t.Helper()
	if _, err := f.store.In(env).Create(ctx, secrets.Secret{Key: key, Value: sentinel + env + key,
		Labels: map[string]string{"provider": "stripe"}}); err != nil {
		t.Fatal(err)
	}
	return restapi.EncodeID(env, key)
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	id := f.seed(t, "prod", "DB")
	tests := []struct {
		name   string
		hdr    []string
		key    string
		status int
		code   string
	}{
		{"NoKey", nil, "", 401, "unauthenticated"},
		{"UnknownKey", []string{"X-API-Key", "psk_not-a-key"}, "", 401, "unauthenticated"},
		{"UnknownBearer", []string{"Authorization", "Bearer psk_not-a-key"}, "", 401, "unauthenticated"},
		{"XAPIKey", nil, "all", 200, ""},
		{"Bearer", []string{"Authorization", "Bearer " + f.g.Secrets["all"]}, "", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(t, "GET", "/v1/admin/secrets/"+id, tc.key, nil, tc.hdr...)
			if r.status != tc.status || r.errCode() != tc.code {
				t.Errorf("status %d code %q, want %d %q (%s)", r.status, r.errCode(), tc.status, tc.code, r.body)
			}
		})
	}
}

// TestPermissions: read keys cannot write, scoped keys cannot leave their
// scope (403 before the store is read, whether the secret exists or not),
// and values need the values permission.
func TestPermissions(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	prodID := f.seed(t, "prod", "DB")
	stagingID := f.seed(t, "staging", "DB")
	missingStaging := restapi.EncodeID("staging", "NOPE")
	globalID := f.seed(t, "", "G")
	create := map[string]any{"environment": "prod", "key": "NEW", "value": sentinel + "new"}
	tests := []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"ReadKeyCreates", "POST", "/v1/admin/secrets", "reader", create, 403, "permission_denied"},
		{"ReadKeyPatches", "PATCH", "/v1/admin/secrets/" + prodID, "reader", map[string]any{"description": "x"}, 403, "permission_denied"},
		{"ReadKeyDeletes", "DELETE", "/v1/admin/secrets/" + prodID, "reader", nil, 403, "permission_denied"},
		{"ReadKeyCreatesEnvironment", "POST", "/v1/admin/environments", "reader", map[string]any{"name": "dev"}, 403, "permission_denied"},
		{"ReadKeyReads", "GET", "/v1/admin/secrets/" + prodID + "?reveal=true", "reader", nil, 200, ""},
		{"ProdKeyReadsProd", "GET", "/v1/admin/secrets/" + prodID + "?reveal=true", "prod", nil, 200, ""},
		{"ProdKeyReadsStaging", "GET", "/v1/admin/secrets/" + stagingID, "prod", nil, 403, "permission_denied"},
		{"ProdKeyReadsMissingStaging", "GET", "/v1/admin/secrets/" + missingStaging, "prod", nil, 403, "permission_denied"},
		{"ProdKeyReadsGlobal", "GET", "/v1/admin/secrets/" + globalID, "prod", nil, 403, "permission_denied"},
		{"ProdKeyListsStaging", "GET", "/v1/admin/secrets?env=staging", "prod", nil, 403, "permission_denied"},
		{"ProdKeyListsAll", "GET", "/v1/admin/secrets", "prod", nil, 403, "permission_denied"},
		{"ProdKeyListsProd", "GET", "/v1/admin/secrets?env=prod", "prod", nil, 200, ""},
		{"ProdKeyCreatesInStaging", "POST", "/v1/admin/secrets", "prod", map[string]any{"environment": "staging", "key": "X", "value": "v"}, 403, "permission_denied"},
		{"ProdKeyMovesToStaging", "PATCH", "/v1/admin/secrets/" + prodID, "prod", map[string]any{"environment": "staging"}, 403, "permission_denied"},
		{"ProdKeyDeletesStaging", "DELETE", "/v1/admin/secrets/" + stagingID, "prod", nil, 403, "permission_denied"},
		{"ProdKeyGetsStagingEnvironment", "GET", "/v1/admin/environments/staging", "prod", nil, 403, "permission_denied"},
		{"MetaKeyReveals", "GET", "/v1/admin/secrets/" + prodID + "?reveal=true", "meta", nil, 403, "permission_denied"},
		{"MetaKeyListsValues", "GET", "/v1/admin/secrets?with_values=true", "meta", nil, 403, "permission_denied"},
		{"MetaKeyReadsMetadata", "GET", "/v1/admin/secrets/" + prodID, "meta", nil, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := f.do(t, tc.method, tc.path, tc.key, tc.body)
			if r.status != tc.status || r.errCode() != tc.code {
				t.Errorf("status %d code %q, want %d %q (%s)", r.status, r.errCode(), tc.status, tc.code, r.body)
			}
		})
	}
	// Nothing the refused writes asked for happened.
	if _, err := f.store.In("prod").Get(ctx, "NEW"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("a refused create happened: %v", err)
	}
	if _, err := f.store.In("staging").Get(ctx, "DB"); err != nil {
		t.Errorf("a refused delete happened: %v", err)
	}
	// A scoped key lists only its environments.
	var envs []restapi.EnvironmentJSON
	f.do(t, "GET", "/v1/admin/environments", "prod", nil).data(t, &envs)
	if len(envs) != 1 || envs[0].Name != "prod" {
		t.Errorf("the prod key lists environments %+v", envs)
	}
}

// TestIdempotency: the same Idempotency-Key and body replays the first
// answer (same id and version, one secret, one version); the same key with
// another body is 409; keys are per API key.
func TestIdempotency(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	body := map[string]any{"environment": "prod", "key": "IDEM", "value": sentinel + "idem"}
	first := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "k-1")
	if first.status != 201 {
		t.Fatalf("first POST: %d %s", first.status, first.body)
	}
	again := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "k-1")
	if again.status != 201 || again.body != first.body {
		t.Errorf("replay: %d %s, want 201 %s", again.status, again.body, first.body)
	}
	var a, b restapi.SecretJSON
	first.data(t, &a)
	again.data(t, &b)
	if a.ID != b.ID || a.ID == "" || a.Version != b.Version {
		t.Errorf("replay id/version %q/%q, first %q/%q", b.ID, b.Version, a.ID, a.Version)
	}
	other := map[string]any{"environment": "prod", "key": "IDEM", "value": sentinel + "other"}
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", other, "Idempotency-Key", "k-1"); r.status != 409 || r.errCode() != "failed_precondition" {
		t.Errorf("same key, other body: %d %s, want 409 failed_precondition", r.status, r.body)
	}
	// Without the key, the same body is a second create: already_exists.
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", body); r.status != 409 || r.errCode() != "already_exists" {
		t.Errorf("POST without Idempotency-Key: %d %s", r.status, r.body)
	}
	// PATCH replayed makes one version only.
	patch := map[string]any{"value": sentinel + "v2"}
	p1 := f.do(t, "PATCH", "/v1/admin/secrets/"+a.ID, "all", patch, "Idempotency-Key", "k-2")
	p2 := f.do(t, "PATCH", "/v1/admin/secrets/"+a.ID, "all", patch, "Idempotency-Key", "k-2")
	if p1.status != 200 || p2.body != p1.body {
		t.Errorf("PATCH replay: %d %s / %s", p1.status, p1.body, p2.body)
	}
	vs, err := f.store.In("prod").Versions(ctx, "IDEM")
	if err != nil || len(vs) != 2 {
		t.Errorf("after a replayed PATCH: %d versions (%v), want 2", len(vs), err)
	}
	// Another API key with the same Idempotency-Key is another record.
	if r := f.do(t, "POST", "/v1/admin/secrets", "prod", other, "Idempotency-Key", "k-1"); r.status != 409 || r.errCode() != "already_exists" {
		t.Errorf("other API key, same Idempotency-Key: %d %s, want 409 already_exists", r.status, r.body)
	}
	// The records hold no value.
	for s, err := range f.g.Idempotency.List(ctx, secrets.ListOptions{AllEnvironments: true, WithValues: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s.Value, sentinel) {
			t.Errorf("idempotency record %s holds a value", s.Key)
		}
	}
	// The served store holds no record.
	n := 0
	for s, err := range f.store.List(ctx, secrets.ListOptions{AllEnvironments: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(s.Key, "idem/") {
			t.Errorf("the served store holds record %s", s.Key)
		}
		n++
	}
	if n != 1 {
		t.Errorf("served store holds %d secrets, want 1", n)
	}
}

func TestBodyLimit(t *testing.T) {
	f := newFixture(t, restapi.Limits{MaxBodyBytes: 1 << 10})
	big := map[string]any{"environment": "prod", "key": "BIG", "value": strings.Repeat("x", 2<<10)}
	r := f.do(t, "POST", "/v1/admin/secrets", "all", big)
	if r.status != 413 || r.errCode() != "invalid_argument" {
		t.Errorf("oversized body: %d %s, want 413 invalid_argument", r.status, r.body)
	}
	if _, err := f.store.In("prod").Get(ctx, "BIG"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("an oversized create happened: %v", err)
	}
	// The default limit takes a 64 KiB value in the worst JSON escaping.
	f = newFixture(t, restapi.Limits{})
	worst := map[string]any{"environment": "prod", "key": "BIG", "value": strings.Repeat(`"`, 64<<10)}
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", worst); r.status != 201 {
		t.Errorf("64 KiB of quotes: %d %s", r.status, r.body)
	}
}

func TestRateLimit(t *testing.T) {
	f := newFixture(t, restapi.Limits{Rate: 0.001, Burst: 2})
	for i := range 2 {
		if r := f.do(t, "GET", "/v1/admin/capabilities", "all", nil); r.status != 200 {
			t.Fatalf("request %d within the burst: %d %s", i, r.status, r.body)
		}
	}
	r := f.do(t, "GET", "/v1/admin/capabilities", "all", nil)
	if r.status != 429 || r.errCode() != "rate_limited" || r.header.Get("Retry-After") == "" {
		t.Errorf("beyond the burst: %d %s Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
	// Limits are per key: another key is not limited.
	if r := f.do(t, "GET", "/v1/admin/capabilities", "reader", nil); r.status != 200 {
		t.Errorf("another key: %d %s", r.status, r.body)
	}
}

// TestNoValueInMetadata: no metadata answer and no audit line holds a
// value, nor the audit log an API key; reveal=true does hold it.
func TestNoValueInMetadata(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	id := f.seed(t, "prod", "DB")
	if _, err := f.store.In("prod").Create(ctx, secrets.Secret{Key: "J", Value: `{"a":"` + sentinel + `j"}`}); err != nil {
		t.Fatal(err)
	}
	jid := restapi.EncodeID("prod", "J")
	answers := []reply{
		f.do(t, "POST", "/v1/admin/secrets", "all", map[string]any{"environment": "prod", "key": "NEW", "value": sentinel + "new"}, "Idempotency-Key", "x"),
		f.do(t, "POST", "/v1/admin/secrets", "all", map[string]any{"environment": "prod", "key": "NEW", "value": sentinel + "new"}, "Idempotency-Key", "x"),
		f.do(t, "GET", "/v1/admin/secrets", "all", nil),
		f.do(t, "GET", "/v1/admin/secrets?env=prod&provider_slug=stripe", "all", nil),
		f.do(t, "GET", "/v1/admin/secrets/"+id, "all", nil),
		f.do(t, "PATCH", "/v1/admin/secrets/"+id, "all", map[string]any{"value": sentinel + "v2"}),
		f.do(t, "GET", "/v1/admin/secrets/"+id+"/versions", "all", nil),
		f.do(t, "PUT", "/v1/admin/secrets/"+jid+"/field", "all", map[string]any{"field": "b", "value": sentinel + "b"}),
		f.do(t, "GET", "/v1/admin/environments", "all", nil),
		f.do(t, "GET", "/v1/admin/secrets/"+id+"?reveal=true", "meta", nil),
	}
	for i, r := range answers {
		if r.status >= 500 || strings.Contains(r.body, sentinel) {
			t.Errorf("answer %d (%d) holds a value or failed: %s", i, r.status, r.body)
		}
	}
	if r := f.do(t, "GET", "/v1/admin/secrets/"+id+"?reveal=true", "all", nil); !strings.Contains(r.body, sentinel) {
		t.Errorf("reveal=true did not reveal: %s", r.body)
	}
	if r := f.do(t, "GET", "/v1/admin/secrets?with_values=true&env=prod", "all", nil); !strings.Contains(r.body, sentinel) {
		t.Errorf("with_values=true did not reveal: %s", r.body)
	}
	log := f.g.AuditLog()
	if strings.Contains(log, sentinel) {
		t.Errorf("the audit log holds a value:\n%s", log)
	}
	for id, sec := range f.g.Secrets {
		if strings.Contains(log, sec) || strings.Contains(log, restapi.HashKeySecret(sec)) {
			t.Errorf("the audit log holds key %s's secret or hash", id)
		}
	}
}

// TestAuditLine: one record per request with the documented attributes.
func TestAuditLine(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	id := f.seed(t, "prod", "DB")
	f.do(t, "GET", "/v1/admin/secrets/"+id, "prod", nil)
	f.do(t, "GET", "/v1/admin/secrets/"+restapi.EncodeID("staging", "DB"), "prod", nil)
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(f.g.AuditLog()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("audit line %q: %v", l, err)
		}
		delete(m, "time")
		delete(m, "duration")
		recs = append(recs, m)
	}
	want := []map[string]any{
		{"level": "INFO", "msg": "restapi request", "method": "GET", "route": "GET /v1/admin/secrets/{id}",
			"path": "/v1/admin/secrets/" + id, "status": 200.0, "key_id": "prod", "env": "prod", "secret": "DB"},
		{"level": "INFO", "msg": "restapi request", "method": "GET", "route": "GET /v1/admin/secrets/{id}",
			"path": "/v1/admin/secrets/" + restapi.EncodeID("staging", "DB"), "status": 403.0, "key_id": "prod", "env": "staging", "secret": "DB"},
	}
	if d := cmp.Diff(want, recs); d != "" {
		t.Errorf("audit records (-want +got):\n%s", d)
	}
}

func TestUnknownEndpoint(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	if r := f.do(t, "GET", "/v2/nothing", "all", nil); r.status != 404 || r.errCode() != "not_found" {
		t.Errorf("unknown endpoint: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", "/v1/admin/secrets/%25%25", "all", nil); r.status != 400 || r.errCode() != "invalid_argument" {
		t.Errorf("malformed id: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", "/v1/admin/secrets?cursor=zzz", "all", nil); r.status != 400 || r.errCode() != "invalid_argument" {
		t.Errorf("malformed cursor: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", "/v1/admin/secrets?envv=prod", "all", nil); r.status != 400 || r.errCode() != "invalid_argument" {
		t.Errorf("misspelt filter: %d %s", r.status, r.body)
	}
	if r := f.do(t, "PATCH", "/v1/admin/secrets/"+restapi.EncodeID("", "K")+"?reveal=true", "all", map[string]any{}); r.status != 400 {
		t.Errorf("reveal on a write: %d %s", r.status, r.body)
	}
}

// TestNotFoundSaysNothingOfOtherScopes: a prod-only key asking for a prod
// secret that is missing gets the same answer whether or not a global
// secret of that key exists.
func TestNotFoundSaysNothingOfOtherScopes(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	f.seed(t, "", "GLOBAL_ONLY")
	f.notFoundAsNowhere(t, "GLOBAL_ONLY")
}

// notFoundAsNowhere checks that the prod key's GET by id of (prod, key)
// answers exactly as for a key that exists nowhere.
func (f *fixture) notFoundAsNowhere(t *testing.T, key string) {
	t.Helper()
	a := f.do(t, "GET", "/v1/admin/secrets/"+restapi.EncodeID("prod", key), "prod", nil)
	b := f.do(t, "GET", "/v1/admin/secrets/"+restapi.EncodeID("prod", "NOWHERE"), "prod", nil)
	b.body = strings.ReplaceAll(b.body, "NOWHERE", key)
	if a.status != 404 || a.body != b.body {
		t.Errorf("answers differ:\n%d %s\n%d %s", a.status, a.body, b.status, b.body)
	}
}

// TestProviderSlug: provider_slug filters on the label "provider", as
// label=provider:… does.
func TestProviderSlug(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	f.seed(t, "prod", "STRIPE_KEY") // provider=stripe
	if _, err := f.store.In("prod").Create(ctx, secrets.Secret{Key: "OTHER", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"provider_slug=stripe", "label=provider:stripe"} {
		var got []restapi.SecretJSON
		f.do(t, "GET", "/v1/admin/secrets?env=prod&"+q, "all", nil).data(t, &got)
		if len(got) != 1 || got[0].Key != "STRIPE_KEY" {
			t.Errorf("%s: %+v", q, got)
		}
	}
	var none []restapi.SecretJSON
	f.do(t, "GET", "/v1/admin/secrets?env=prod&provider_slug=aws", "all", nil).data(t, &none)
	if len(none) != 0 {
		t.Errorf("provider_slug=aws: %+v", none)
	}
}
