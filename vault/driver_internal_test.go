package vault

import (
	"context"
	"net/url"
	"os"
	"testing"

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
	d, err := openURL(context.Background(), u)
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
