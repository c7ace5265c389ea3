package datalayertest_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets/datalayer/datalayertest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// api sends requests to a server as one account.
type api struct {
	t   *testing.T
	srv *datalayertest.Server
	key string
}

func setup(t *testing.T) *api {
	srv := datalayertest.NewServer()
	t.Cleanup(srv.Close)
	return &api{t, srv, srv.NewAPIKey()}
}

// do sends a request and returns the status, the Retry-After header and
// the decoded JSON answer (nil if none).
func (a *api) do(method, path, body string) (int, string, map[string]any) {
	a.t.Helper()
	var auth []string
	if a.key != "" {
		auth = []string{"Authorization", "Bearer " + a.key}
	}
	ans := drivertest.Send(a.t, method, a.srv.URL()+path, body, auth...)
	var out map[string]any
	_ = json.Unmarshal(ans.Body, &out)
	return ans.Status, ans.Header.Get("Retry-After"), out
}

const p = datalayertest.APIPrefix + "/secrets"

var ulid = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{26}$`)

// TestProtocol walks the API as the official clients use it: create,
// list (both shapes), get, partial update, delete, whoami, with the
// answer envelopes and statuses.
func TestProtocol(t *testing.T) {
	a := setup(t)
	status, _, out := a.do("POST", p, `{"name":"DB","description":"the db","variant":"password","value":"aHVudGVyMg=="}`)
	if status != 201 || out["success"] != true {
		t.Fatalf("create: %d %v", status, out)
	}
	sec := out["secret"].(map[string]any)
	uid := sec["uid"].(string)
	if !ulid.MatchString(uid) {
		t.Errorf("uid %q is not a ULID", uid)
	}
	want := map[string]any{"uid": uid, "variant_s": "password", "name_s": "DB", "description_t": "the db", "value_s": "aHVudGVyMg=="}
	if d := cmp.Diff(want, sec); d != "" {
		t.Errorf("created secret (-want +got):\n%s", d)
	}
	// defaults: variant generic, description ""; value stored as sent
	if status, _, out = a.do("POST", p, `{"name":"PLAIN","value":"as it is"}`); status != 201 {
		t.Fatalf("create with defaults: %d %v", status, out)
	}
	plain := out["secret"].(map[string]any)
	if plain["variant_s"] != "generic" || plain["description_t"] != "" || plain["value_s"] != "as it is" {
		t.Errorf("defaults: %v", plain)
	}

	status, _, out = a.do("GET", p, "")
	if status != 200 || out["success"] != true || len(out["secrets"].([]any)) != 2 {
		t.Fatalf("list: %d %v", status, out)
	}
	if d := cmp.Diff(want, out["secrets"].([]any)[0]); d != "" {
		t.Errorf("listed (-want +got):\n%s", d)
	}
	a.srv.SetListValues(false)
	_, _, out = a.do("GET", p, "")
	if _, has := out["secrets"].([]any)[0].(map[string]any)["value_s"]; has {
		t.Error("SetListValues(false): the list still carries value_s")
	}
	if _, _, out = a.do("GET", p+"/"+uid, ""); out["secret"].(map[string]any)["value_s"] != "aHVudGVyMg==" {
		t.Errorf("GET by uid without list values: %v", out)
	}
	a.srv.SetListValues(true)

	// PUT is partial
	if status, _, out = a.do("PUT", p+"/"+uid, `{"description":"new"}`); status != 200 {
		t.Fatalf("update: %d %v", status, out)
	}
	want["description_t"] = "new"
	if d := cmp.Diff(want, out["secret"]); d != "" {
		t.Errorf("updated (-want +got):\n%s", d)
	}
	if status, _, _ = a.do("PUT", p+"/"+uid, `{"name":"PLAIN"}`); status != 409 {
		t.Errorf("rename onto a taken name: %d, want 409", status)
	}

	if status, _, out = a.do("DELETE", p+"/"+uid, ""); status != 200 || out["success"] != true {
		t.Errorf("delete: %d %v", status, out)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		if status, _, out = a.do(m, p+"/"+uid, `{}`); status != 404 || out["success"] != false || out["message"] == "" {
			t.Errorf("%s of a deleted uid: %d %v", m, status, out)
		}
	}
	if status, _, out = a.do("GET", datalayertest.APIPrefix+"/whoami", ""); status != 200 || out["profile"] == nil {
		t.Errorf("whoami: %d %v", status, out)
	}
	if got := a.srv.Count("create"); got != 2 {
		t.Errorf("Count(create) = %d", got)
	}
}

// TestErrors: the error answers {"success":false,"message"} and their
// statuses.
func TestErrors(t *testing.T) {
	a := setup(t)
	if s, _, _ := a.do("POST", p, `{"name":"K","value":"v"}`); s != 201 {
		t.Fatal(s)
	}
	for _, tc := range []struct {
		name, method, path, body, key string
		status                        int
	}{
		{"duplicate name", "POST", p, `{"name":"K","value":"w"}`, "", 409},
		{"no name", "POST", p, `{"value":"w"}`, "", 400},
		{"empty name", "POST", p, `{"name":"","value":"w"}`, "", 400},
		{"no value", "POST", p, `{"name":"N"}`, "", 400},
		{"unknown variant", "POST", p, `{"name":"N","value":"w","variant":"certificate"}`, "", 400},
		{"not JSON", "POST", p, `name=N`, "", 400},
		{"too large", "POST", p, `{"name":"N","value":"` + strings.Repeat("x", 1<<20) + `"}`, "", 413},
		{"no API key", "GET", p, "", "-", 401},
		{"unknown API key", "GET", p, "", "nope", 401},
		{"unknown path", "GET", datalayertest.APIPrefix + "/nothing", "", "", 404},
		{"outside the prefix", "GET", "/secrets", "", "", 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := *a
			switch tc.key {
			case "-":
				b.key = ""
			case "":
			default:
				b.key = tc.key
			}
			status, _, out := b.do(tc.method, tc.path, tc.body)
			if status != tc.status || out["success"] != false || out["message"] == "" {
				t.Errorf("%d %v, want %d with the error envelope", status, out, tc.status)
			}
		})
	}
	if got := len(a.srv.Stored(a.key)); got != 1 {
		t.Errorf("%d secrets stored after refused writes", got)
	}
}

// TestAccounts: each API key is an account of its own.
func TestAccounts(t *testing.T) {
	a := setup(t)
	b := &api{t, a.srv, a.srv.NewAPIKey()}
	a.do("POST", p, `{"name":"K","value":"a"}`)
	if s, _, _ := b.do("POST", p, `{"name":"K","value":"b"}`); s != 201 {
		t.Errorf("the same name in another account: %d", s)
	}
	if _, _, out := b.do("GET", p, ""); len(out["secrets"].([]any)) != 1 {
		t.Errorf("account b lists %v", out)
	}
	uid := a.srv.Stored(a.key)[0].UID
	if s, _, _ := b.do("GET", p+"/"+uid, ""); s != 404 {
		t.Errorf("another account's uid: %d, want 404", s)
	}
}

// TestFaults: FailNext answers the error envelope with the status and
// Retry-After asked for, LoseReplyNext applies the request and drops the
// answer, DelayNext holds a request; one fault per request, in order.
func TestFaults(t *testing.T) {
	a := setup(t)
	a.srv.FailNext(1, 503, 0)
	a.srv.FailNext(1, 429, 1500*time.Millisecond)
	a.srv.DelayNext(1, time.Millisecond)
	for i, want := range []struct {
		status     int
		retryAfter string
	}{{503, ""}, {429, "2"}, {200, ""}, {200, ""}} {
		status, ra, out := a.do("GET", p, "")
		if status != want.status || ra != want.retryAfter || (status != 200 && out["success"] != false) {
			t.Errorf("request %d: %d Retry-After %q %v, want %+v", i, status, ra, out, want)
		}
	}
	a.srv.LoseReplyNext(1)
	drivertest.NoAnswer(t, "POST", a.srv.URL()+p, `{"name":"K","value":"v"}`, "Authorization", "Bearer "+a.key)
	if got := a.srv.Stored(a.key); len(got) != 1 || got[0].Name != "K" {
		t.Errorf("the lost reply's create did not land: %+v", got)
	}
	if a.srv.Requests() != 5 || a.srv.Count("list") != 4 || a.srv.Count("create") != 1 {
		t.Errorf("Requests %d, Count(list) %d, Count(create) %d", a.srv.Requests(), a.srv.Count("list"), a.srv.Count("create"))
	}
}

// TestSeedAndDelete: secrets written as another client would, and
// deleted from elsewhere.
func TestSeedAndDelete(t *testing.T) {
	a := setup(t)
	uid, err := a.srv.Seed(a.key, datalayertest.StoredSecret{Name: "K", Value: "plain value", Description: "d"})
	if err != nil {
		t.Fatal(err)
	}
	want := []datalayertest.StoredSecret{{UID: uid, Name: "K", Variant: "generic", Description: "d", Value: "plain value"}}
	if d := cmp.Diff(want, a.srv.Stored(a.key)); d != "" {
		t.Errorf("stored (-want +got):\n%s", d)
	}
	if _, err := a.srv.Seed(a.key, datalayertest.StoredSecret{Name: "K"}); err == nil {
		t.Error("Seed of a taken name succeeded")
	}
	if _, err := a.srv.Seed(a.key, datalayertest.StoredSecret{Name: "V", Variant: "nope"}); err == nil {
		t.Error("Seed of an unknown variant succeeded")
	}
	if !a.srv.Delete(a.key, uid) || a.srv.Delete(a.key, uid) || len(a.srv.Stored(a.key)) != 0 {
		t.Error("Delete")
	}
}

// TestULIDs: uids are ULIDs, increasing in creation order.
func TestULIDs(t *testing.T) {
	a := setup(t)
	last := ""
	for i := range 200 {
		uid, err := a.srv.Seed(a.key, datalayertest.StoredSecret{Name: "K" + strings.Repeat("x", i)})
		if err != nil {
			t.Fatal(err)
		}
		if !ulid.MatchString(uid) || uid <= last {
			t.Fatalf("uid %q after %q", uid, last)
		}
		last = uid
	}
}
