package vault_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Tests of the application's own client: New and URLOpener{Client}.

// ownClient returns a client built as an application would, whose
// transport counts requests and the CloseIdleConnections calls that reach
// it.
func ownClient(t testing.TB) (*api.Client, *drivertest.Transport) {
	t.Helper()
	next := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(next.CloseIdleConnections)
	tr := &drivertest.Transport{Next: next}
	return clientWith(t, tr), tr
}

// clientWith returns a client on the test server with the root token,
// whose requests go through rt.
func clientWith(t testing.TB, rt http.RoundTripper) *api.Client {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = vaultAddr
	cfg.HttpClient = &http.Client{Transport: rt}
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(vaultToken)
	return c
}

// newStore returns vault.New(c, opts), closed when the test ends.
func newStore(t testing.TB, c *api.Client, opts vault.Options) *secrets.Store {
	t.Helper()
	st, err := vault.New(c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// tokenWithPolicy makes the policy name with the rules policy, and returns
// a token that has it alone.
func tokenWithPolicy(t testing.TB, name, policy string) string {
	t.Helper()
	root := rootClient(t)
	if err := root.Sys().PutPolicy(name, policy); err != nil {
		t.Fatal(err)
	}
	tok, err := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{name}, TTL: "10m"})
	if err != nil {
		t.Fatal(err)
	}
	return tok.Auth.ClientToken
}

// checkMirror checks the custom_metadata of the secret at path (under the
// mount).
func checkMirror(t *testing.T, path string, want map[string]any) {
	t.Helper()
	md, err := rootClient(t).KVv2("secret").GetMetadata(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, md.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata of %s (-want +got):\n%s", path, diff)
	}
}

// clientState is what the driver must never change on the application's
// client.
type clientState struct {
	Address, Token string
	MaxRetries     int
	Timeout        time.Duration
	Transport      string // its address: the same transport, not a copy
	Headers        http.Header
}

func stateOf(c *api.Client) clientState {
	return clientState{Address: c.Address(), Token: c.Token(), MaxRetries: c.MaxRetries(), Timeout: c.ClientTimeout(),
		Transport: fmt.Sprintf("%p", c.CloneConfig().HttpClient.Transport), Headers: c.Headers()}
}

// 9.2: a URLOpener with the test's own client, on the test's own mux: the
// driver's requests go through that client's transport, URL parameters
// apply, and after Close the client is unchanged, its connections open, and
// usable.
func TestURLOpenerWithOwnClient(t *testing.T) {
	needServer(t)
	c, rc := ownClient(t)
	before := stateOf(c)
	mux := new(secrets.URLMux)
	mux.Register(vault.Scheme, &vault.URLOpener{Client: c})
	p := drivertest.Prefix()
	st, err := mux.OpenStore(ctx, "vault://secret/"+p+"?max_retries=1&timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	var got *api.Client
	if !st.As(&got) || got != c {
		t.Error("As(**api.Client) is not the application's client")
	}
	drivertest.ClosesOnlyItself(t, st, rc, func() error {
		s, err := c.KVv2("secret").Get(ctx, p+"/_global/K")
		if err == nil && s.Data["value"] != "v" {
			err = fmt.Errorf("K = %v", s.Data["value"])
		}
		return err
	})
	if diff := cmp.Diff(before, stateOf(c)); diff != "" {
		t.Errorf("the driver changed the application's client (-before +after):\n%s", diff)
	}
}

// 9.2: New with Environment and ReadOnly.
func TestNew(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	c, _ := ownClient(t)
	rw := newStore(t, c, vault.Options{Mount: "secret", Prefix: p})
	if _, err := rw.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "prod-v"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.Create(ctx, secrets.Secret{Key: "K", Value: "global-v"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		opts      vault.Options
		wantValue string
		wantWrite secrets.Code // of a Create of a new key; Unknown = success
	}{
		{"global", vault.Options{}, "global-v", secrets.Unknown},
		{"env", vault.Options{Environment: "prod"}, "prod-v", secrets.Unknown},
		{"readonly", vault.Options{ReadOnly: true}, "global-v", secrets.PermissionDenied},
		{"env+readonly", vault.Options{Environment: "prod", ReadOnly: true}, "prod-v", secrets.PermissionDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Mount, tc.opts.Prefix = "secret", p
			st := newStore(t, c, tc.opts)
			if got := st.Environment(); got != tc.opts.Environment {
				t.Errorf("Environment() = %q, want %q", got, tc.opts.Environment)
			}
			if v, err := st.Value(ctx, "K"); err != nil || v != tc.wantValue {
				t.Errorf("Value = %q, %v; want %q", v, err, tc.wantValue)
			}
			_, err := st.Create(ctx, secrets.Secret{Key: "N-" + tc.name, Value: "x"})
			if code := secrets.ErrorCode(err); code != tc.wantWrite {
				t.Errorf("Create: %v (code %v), want code %v", err, code, tc.wantWrite)
			}
		})
	}
}

// 9.2: New refuses what it cannot use, with InvalidArgument.
func TestNewInvalid(t *testing.T) {
	c := rootClient(t)
	ok := vault.Options{Mount: "secret", Prefix: "app"}
	for _, tc := range []struct {
		name   string
		client *api.Client
		edit   func(o *vault.Options)
	}{
		{"nil client", nil, func(*vault.Options) {}},
		{"no mount", c, func(o *vault.Options) { o.Mount = "" }},
		{"mount with a slash", c, func(o *vault.Options) { o.Mount = "a/b" }},
		{"no prefix", c, func(o *vault.Options) { o.Prefix = "" }},
		{"escaping prefix", c, func(o *vault.Options) { o.Prefix = "a/../b" }},
		{"reserved prefix", c, func(o *vault.Options) { o.Prefix = "_global" }},
		{"bad environment", c, func(o *vault.Options) { o.Environment = "bad env" }},
		{"negative timeout", c, func(o *vault.Options) { o.Timeout = -time.Second }},
		{"list concurrency too high", c, func(o *vault.Options) { o.ListConcurrency = 65 }},
		{"negative list concurrency", c, func(o *vault.Options) { o.ListConcurrency = -1 }},
		{"too many retries", c, func(o *vault.Options) { o.MaxRetries = 21 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := ok
			tc.edit(&o)
			st, err := vault.New(tc.client, o)
			if code := secrets.ErrorCode(err); code != secrets.InvalidArgument {
				t.Errorf("New = %v, %v (code %v); want InvalidArgument", st, err, code)
			}
		})
	}
}

// TestDefaultURLMuxWithOwnClient: registering a URLOpener with the
// application's client on the default mux replaces the driver's own, so
// secrets.OpenStore uses that client.
func TestDefaultURLMuxWithOwnClient(t *testing.T) {
	needServer(t)
	c, rc := ownClient(t)
	secrets.DefaultURLMux.Register(vault.Scheme, &vault.URLOpener{Client: c})
	t.Cleanup(func() { secrets.DefaultURLMux.Register(vault.Scheme, new(vault.URLOpener)) })
	st, err := secrets.OpenStore(ctx, "vault://secret/"+drivertest.Prefix())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var got *api.Client
	if !st.As(&got) || got != c || rc.Requests() == 0 {
		t.Fatalf("secrets.OpenStore did not use the registered client (As %v, %d requests)", got == c, rc.Requests())
	}
}
