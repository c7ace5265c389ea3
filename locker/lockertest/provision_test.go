package lockertest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/polysecret/secrets/locker/internal/lockercrypto"
	"github.com/polysecret/secrets/locker/lockertest"
)

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
