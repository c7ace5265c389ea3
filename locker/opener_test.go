package locker_test

import (
	"net/http"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker"
)

// TestURLOpenerWithOwnClient (9.2): a URLOpener holding a Client the test
// built opens locker:// URLs on its own URLMux, with no LOCKER_* variable
// set; closing the Store leaves the client usable, and an http.Client the
// application gave it keeps its connections.
func TestURLOpenerWithOwnClient(t *testing.T) {
	var e *env
	drivertest.URLOpenerWithOwnClient(t, locker.Scheme, []drivertest.OpenerCase{
		{Name: "built-in transport, URL naming the client's base", URL: func() string {
			return "locker://" + e.srv.Host() + "/locker_secrets?scheme=http&env=prod"
		}},
		{Name: "own http.Client, URL naming the client's base", Own: true, URL: func() string {
			return "locker://" + e.srv.Host() + "/locker_secrets/?scheme=http&env=prod"
		}},
		{Name: "own http.Client, URL without host", Own: true, URL: func() string { return "locker://?env=prod" }},
	}, func(t *testing.T, hc *http.Client) drivertest.OwnClient[locker.Client] {
		e = newEnv(t)
		for _, v := range []string{"LOCKER_ACCESS_KEY_ID", "LOCKER_SECRET_ACCESS_KEY", "ACCESS_KEY_ID", "SECRET_ACCESS_KEY"} {
			t.Setenv(v, "")
		}
		c := e.mustClient(t, e.key, func(o *locker.ClientOptions) { o.HTTPClient = hc })
		seed, err := locker.New(c, locker.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := seed.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
			t.Fatal(err)
		}
		return drivertest.OwnClient[locker.Client]{Client: c, Opener: &locker.URLOpener{Client: c}, Env: "prod", Requests: e.srv.Requests,
			Reopen: func() (*secrets.Store, error) { return locker.New(c, locker.Options{Environment: "prod"}) },
			Then: func(t *testing.T) { // and the client's keys: the stored ciphertext decrypts with it
				var stored string
				for _, s := range e.proj.StoredSecrets() {
					if s.Hash == c.Hash("K") {
						stored = s.Value
					}
				}
				if v, err := c.Decrypt("value", stored); err != nil || v != "v" {
					t.Errorf("Client.Decrypt of the stored value after Close = %q, %v", v, err)
				}
			}}
	})
}

// TestURLOpenerRefuses: with a Client, a URL that names another API base
// or sets the client's own parameters is InvalidArgument before any
// request; so are Options that URLs cannot honour.
func TestURLOpenerRefuses(t *testing.T) {
	e := newEnv(t)
	c := e.mustClient(t, e.key)
	host := e.srv.Host()
	for _, tc := range []struct {
		name   string
		opener *locker.URLOpener
		url    string
	}{
		{"max_retries with a client", &locker.URLOpener{Client: c}, "locker://" + host + "/locker_secrets?scheme=http&max_retries=2"},
		{"timeout with a client", &locker.URLOpener{Client: c}, "locker://?timeout=5s"},
		{"insecure_tls with a client", &locker.URLOpener{Client: c}, "locker://?insecure_tls=true"},
		{"unknown parameter with a client", &locker.URLOpener{Client: c}, "locker://?bogus=1"},
		{"other host", &locker.URLOpener{Client: c}, "locker://other.example:8080/locker_secrets?scheme=http"},
		{"other scheme", &locker.URLOpener{Client: c}, "locker://" + host + "/locker_secrets"},
		{"other path", &locker.URLOpener{Client: c}, "locker://" + host + "/elsewhere?scheme=http"},
		{"bad path with a client", &locker.URLOpener{Client: c}, "locker://" + host + "/a/../locker_secrets?scheme=http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := new(secrets.URLMux)
			mux.Register(locker.Scheme, tc.opener)
			drivertest.RefusesURL(t, mux.OpenStore, tc.url, e.srv.Requests)
		})
	}
}

// TestNew: New's Options set the scope and the read-only mode; a read-only
// Store refuses a write before any request; a nil Client is
// InvalidArgument.
func TestNew(t *testing.T) {
	e := newEnv(t)
	c := e.mustClient(t, e.key)
	rw, err := locker.New(c, locker.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rw.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []secrets.Secret{{Key: "K", Value: "global"}, {Environment: "prod", Key: "K", Value: "prod"}} {
		if _, err := rw.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name      string
		opts      locker.Options
		wantValue string
		wantWrite secrets.Code
	}{
		{"global", locker.Options{}, "global", secrets.AlreadyExists},
		{"environment", locker.Options{Environment: "prod"}, "prod", secrets.AlreadyExists},
		{"read-only environment", locker.Options{Environment: "prod", ReadOnly: true}, "prod", secrets.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := locker.New(c, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.Environment() != tc.opts.Environment || st.ReadOnly() != tc.opts.ReadOnly {
				t.Errorf("scope %q read-only %v, want %q %v", st.Environment(), st.ReadOnly(), tc.opts.Environment, tc.opts.ReadOnly)
			}
			if v, err := st.Value(ctx, "K"); err != nil || v != tc.wantValue {
				t.Errorf("Value = %q, %v; want %q", v, err, tc.wantValue)
			}
			before := e.srv.Requests()
			_, err = st.Create(ctx, secrets.Secret{Key: "K", Value: "x"})
			if got := secrets.ErrorCode(err); got != tc.wantWrite {
				t.Errorf("Create = %v, want %s", err, tc.wantWrite)
			}
			if tc.opts.ReadOnly && e.srv.Requests() != before {
				t.Errorf("a refused write made %d requests", e.srv.Requests()-before)
			}
		})
	}
	if _, err := locker.New(nil, locker.Options{}); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("New(nil) = %v, want InvalidArgument", err)
	}
}
