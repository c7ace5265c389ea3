package vault

import (
	"context"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/testenv"
)

// Tests of unexported parts, against the server TestMain (package
// vault_test) started: it exports VAULT_ADDR and VAULT_TOKEN.

func openDriver(t *testing.T, raw string) *driver {
	t.Helper()
	testenv.Require(t, os.Getenv("VAULT_ADDR") != "", "no Vault server (see main_test.go)")
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	d, err := new(URLOpener).OpenDriverURL(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d.(*driver)
}

// 8.22: Ping proves the server answers and accepts the token; a wrong
// token is Unauthenticated.
func TestPing(t *testing.T) {
	ctx := context.Background()
	var p backend.Pinger = openDriver(t, "vault://secret/ping-test")
	if err := p.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	t.Setenv("VAULT_TOKEN", "hvs.not-a-token")
	p = openDriver(t, "vault://secret/ping-test")
	if err := p.Ping(ctx); backend.Classify(err, classify) != backend.Unauthenticated {
		t.Fatalf("Ping with a wrong token: %v", err)
	}
}

// 8.26 (c): Modify no longer moves; the portable layer does (AtomicMove is
// not declared).
func TestModifyDoesNotMove(t *testing.T) {
	d := openDriver(t, "vault://secret/move-test")
	if d.Capabilities().AtomicMove {
		t.Error("AtomicMove declared")
	}
	env := "prod"
	_, err := d.Modify(context.Background(), "", "K", &backend.Update{Environment: &env})
	if backend.Classify(err, classify) != backend.Internal {
		t.Fatalf("Modify with Environment: %v, want Internal", err)
	}
}

// 9.2: the URLOpener's Options are defaults for what the URL does not set;
// URL parameters win; MaxRetries 0 is the default and negative is none.
func TestOpenerSettings(t *testing.T) {
	testenv.Require(t, os.Getenv("VAULT_ADDR") != "", "no Vault server (see main_test.go)")
	t.Setenv("VAULT_CLIENT_TIMEOUT", "")
	type got struct {
		MaxRetries, Conc int
		Timeout          time.Duration
	}
	for _, tc := range []struct {
		name string
		opts Options
		url  string
		want got
	}{
		{"defaults", Options{}, "vault://secret/app", got{backend.DefaultMaxRetries, backend.DefaultListFetchConc, DefaultTimeout}},
		{"options", Options{MaxRetries: 3, ListConcurrency: 2, Timeout: time.Second}, "vault://secret/app", got{3, 2, time.Second}},
		{"negative retries are none", Options{MaxRetries: -1}, "vault://secret/app", got{0, backend.DefaultListFetchConc, DefaultTimeout}},
		{"URL wins", Options{MaxRetries: 3, ListConcurrency: 2, Timeout: time.Second}, "vault://secret/app?max_retries=5&list_concurrency=4&timeout=2s",
			got{5, 4, 2 * time.Second}},
		{"URL max_retries=0 is none", Options{MaxRetries: 3}, "vault://secret/app?max_retries=0", got{0, backend.DefaultListFetchConc, DefaultTimeout}},
		{"mount and prefix from the URL", Options{Mount: "other", Prefix: "x"}, "vault://secret/app", got{backend.DefaultMaxRetries, backend.DefaultListFetchConc, DefaultTimeout}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				o    *URLOpener
			}{{"built client", &URLOpener{Options: tc.opts}}, {"own client", &URLOpener{Client: newTestClient(t), Options: tc.opts}}} {
				drv, err := c.o.OpenDriverURL(context.Background(), u)
				if err != nil {
					t.Fatalf("%s: %v", c.name, err)
				}
				d := drv.(*driver)
				if diff := cmp.Diff(tc.want, got{d.maxRetries, d.conc, d.timeout}); diff != "" {
					t.Errorf("%s: settings (-want +got):\n%s", c.name, diff)
				}
				if d.mount != "secret" || d.prefix != "app" {
					t.Errorf("%s: mount %q, prefix %q", c.name, d.mount, d.prefix)
				}
				d.Close()
			}
		})
	}
}

func newTestClient(t *testing.T) *api.Client {
	t.Helper()
	c, err := api.NewClient(api.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
