package rest_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
	_ "github.com/polysecret/secrets/vault"
)

// vaultCaps are vault://'s capabilities, which the driver declares in front
// of it.
var vaultCaps = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true,
	Expiry: true, AtomicModify: true, FieldWrites: true}

// openVault opens a Vault store on a fresh prefix, closed at cleanup.
func openVault(t testing.TB) *secrets.Store {
	t.Helper()
	vaultSrv.Require(t)
	st, err := secrets.OpenStore(context.Background(), "vault://secret/"+drivertest.Prefix())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestConformanceVault: rest:// → the gateway → vault:// → Vault dev server.
func TestConformanceVault(t *testing.T) {
	vaultSrv.Require(t)
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			g := startAudited(t, openVault(t))
			return func(t *testing.T) *secrets.Store { return open(t, g, "all") }
		},
		Want:        vaultCaps,
		Concurrency: 16,
		CheckAs:     checkAs,
	})
}
