package lockertest_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// TestLoseReplyNext: the write lands, the client gets no answer, and the
// next request is served normally.
func TestLoseReplyNext(t *testing.T) {
	srv, p, s := setup(t)
	srv.LoseReplyNext(1)
	b, _ := json.Marshal(map[string]any{"key": s.enc("K"), "hash": lockercrypto.LookupHash(s.pid, "K"), "value": s.enc("v")})
	drivertest.NoAnswer(t, "POST", s.base+"/v1/secrets", string(b), "Authorization", "Bearer "+s.id)
	if n := len(p.StoredSecrets()); n != 1 {
		t.Fatalf("%d secrets stored, want the one whose reply was lost", n)
	}
	if code, b := s.req("GET", "/v1/profile", nil); code != 200 {
		t.Fatalf("after the lost reply: %d %s", code, b)
	}
}

// TestSwapHooks: SwapSecrets and SwapEnvironments exchange ciphertexts and
// keep ids and hashes.
func TestSwapHooks(t *testing.T) {
	_, p, s := setup(t)
	var ids []string
	for _, k := range []string{"A", "B"} {
		code, b := s.req("POST", "/v1/secrets", map[string]any{"key": s.enc(k), "hash": lockercrypto.LookupHash(s.pid, k), "value": s.enc("v" + k)})
		if code != 201 {
			t.Fatalf("%d %s", code, b)
		}
		ids = append(ids, decode(t, b)["id"].(string))
	}
	before := p.StoredSecrets()
	if err := p.SwapSecrets(ids[0], ids[1]); err != nil {
		t.Fatal(err)
	}
	after := p.StoredSecrets()
	want := []string{before[1].Key, before[1].Value, before[0].Key, before[0].Value, before[0].ID, before[0].Hash, before[1].ID, before[1].Hash}
	got := []string{after[0].Key, after[0].Value, after[1].Key, after[1].Value, after[0].ID, after[0].Hash, after[1].ID, after[1].Hash}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SwapSecrets (-want +got):\n%s", diff)
	}
	if err := p.SwapSecrets(ids[0], "nope"); err == nil {
		t.Error("unknown id accepted")
	}
	var envIDs []string
	for _, n := range []string{"prod", "qa"} {
		code, b := s.req("POST", "/v1/environments", map[string]any{"name": s.enc(n), "hash": lockercrypto.LookupHash(s.pid, n)})
		if code != 201 {
			t.Fatalf("%d %s", code, b)
		}
		envIDs = append(envIDs, decode(t, b)["id"].(string))
	}
	if err := p.SwapEnvironments(envIDs[0], envIDs[1]); err != nil {
		t.Fatal(err)
	}
	_, b := s.req("GET", "/v1/environments?hash="+lockercrypto.LookupHash(s.pid, "prod"), nil)
	var l struct{ Results []struct{ Name string } }
	_ = json.Unmarshal(b, &l)
	if len(l.Results) != 1 {
		t.Fatalf("environments: %s", b)
	}
	if name, err := s.keys.Decrypt(l.Results[0].Name); err != nil || string(name) != "qa" {
		t.Errorf("prod's record after the swap holds name %q, %v; want qa", name, err)
	}
	if err := p.SwapEnvironments(envIDs[0], "nope"); err == nil {
		t.Error("unknown environment accepted")
	}
}

// TestRewriteHooks: next links and error answers pass through the hooks,
// and nil restores them.
func TestRewriteHooks(t *testing.T) {
	srv, _, s := setup(t)
	srv.RewriteNextLinks(func(next string) string { return "/v1/environments?page=1" })
	_, b := s.req("GET", "/v1/environments?page=1&size=5", nil)
	if m := decode(t, b); m["next"] != "/v1/environments?page=1" {
		t.Errorf("rewritten next link: %s", b)
	}
	srv.RewriteNextLinks(nil)
	_, b = s.req("GET", "/v1/environments?page=1&size=5", nil)
	if m := decode(t, b); m["next"] != nil {
		t.Errorf("restored next link: %s", b)
	}
	srv.RewriteErrors(func(status int, code, msg string) (int, string, string) { return 418, "teapot", msg + "!" })
	code, b := s.req("GET", "/v1/nothing", nil)
	if c, m := errBody(t, b); code != 418 || c != "teapot" || m != "Not found.!" {
		t.Errorf("rewritten error: %d %s", code, b)
	}
	srv.RewriteErrors(nil)
	code, b = s.req("GET", "/v1/nothing", nil)
	if c, _ := errBody(t, b); code != 404 || c != "not_found" {
		t.Errorf("restored error: %d %s", code, b)
	}
}

// TestStateHooks: OnRequest runs before each request, SetMaxPageSize caps
// pages, and DeleteSecret removes a secret and moves deleted_item_date.
func TestStateHooks(t *testing.T) {
	srv, p, s := setup(t)
	var seen []string
	srv.OnRequest(func(r *http.Request) { seen = append(seen, r.Method+" "+r.URL.Path) })
	for _, k := range []string{"A", "B", "C"} {
		if code, b := s.req("POST", "/v1/secrets", map[string]any{"key": s.enc(k), "hash": lockercrypto.LookupHash(s.pid, k), "value": s.enc("v")}); code != 201 {
			t.Fatalf("%d %s", code, b)
		}
	}
	srv.OnRequest(nil)
	s.req("GET", "/v1/profile", nil)
	if diff := cmp.Diff([]string{"POST /locker_secrets/v1/secrets", "POST /locker_secrets/v1/secrets", "POST /locker_secrets/v1/secrets"}, seen); diff != "" {
		t.Errorf("OnRequest saw (-want +got):\n%s", diff)
	}
	srv.SetMaxPageSize(2)
	_, b := s.req("GET", "/v1/secrets?page=1&size=2000", nil)
	if m := decode(t, b); len(m["results"].([]any)) != 2 || m["next"] == nil || m["count"].(float64) != 3 {
		t.Errorf("capped page: %s", b)
	}
	srv.SetMaxPageSize(0)
	_, before := s.req("GET", "/v1/sync/deleted_item_date", nil)
	if string(before) != "0.000000" {
		t.Errorf("deleted_item_date before any deletion: %q", before)
	}
	id := p.StoredSecrets()[1].ID
	if err := p.DeleteSecret(id); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteSecret(id); err == nil {
		t.Error("deleting twice succeeded")
	}
	if n := len(p.StoredSecrets()); n != 2 {
		t.Errorf("%d secrets after a deletion", n)
	}
	_, after := s.req("GET", "/v1/sync/deleted_item_date", nil)
	if a, b := parseFloat(after), parseFloat(before); a <= b {
		t.Errorf("deleted_item_date after a deletion: %q", after)
	}
}

func parseFloat(b []byte) float64 {
	f, _ := strconv.ParseFloat(string(b), 64)
	return f
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
