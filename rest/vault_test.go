package rest_test

import (
	"context"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/restapi"
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

// TestIdempotencyStoreOnVault: the documented production setup keeps
// idempotency records in Vault; claim, pending, finish, replay, abort and
// purge work there.
func TestIdempotencyStoreOnVault(t *testing.T) {
	s := restapi.NewStoreIdempotency(openVault(t))
	now := time.Now()
	rec := func(done bool, exp time.Time) *restapi.IdempotencyRecord {
		return &restapi.IdempotencyRecord{Fingerprint: "fp", Done: done, Started: now, Expires: exp}
	}
	if old, err := s.Begin(ctx, "k", "a", rec(false, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("claim: %+v, %v", old, err)
	}
	if old, err := s.Begin(ctx, "k", "a", rec(false, now.Add(time.Hour)), time.Minute); err != nil || old == nil || old.Done {
		t.Fatalf("pending: %+v, %v", old, err)
	}
	done := rec(true, now.Add(time.Hour))
	done.Status, done.Body = 201, []byte(`{"data":{"id":"x"}}`)
	if err := s.Finish(ctx, "k", "a", done); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Begin(ctx, "k", "a", rec(false, now.Add(time.Hour)), time.Minute); err != nil || old == nil || !old.Done || string(old.Body) != `{"data":{"id":"x"}}` {
		t.Fatalf("replay: %+v, %v", old, err)
	}
	if err := s.Abort(ctx, "k", "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Begin(ctx, "k", "b", rec(true, now.Add(-time.Minute)), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Purge(ctx); err != nil || n != 1 {
		t.Errorf("Purge: %d, %v; want 1", n, err)
	}
}
