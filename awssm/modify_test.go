package awssm_test

import (
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestEveryModifyMakesOneVersion (8.26, decisions a and b): every
// successful Modify makes exactly one new version, whatever it changes
// (value, description, labels, type, expiry); Get at an old version returns
// that version's value with the secret's current metadata.
func TestEveryModifyMakesOneVersion(t *testing.T) {
	needServer(t)
	drivertest.EveryModifyMakesOneVersion(t, open(t, "awssm://"+drivertest.Prefix()))
}

// TestDriverDoesNotMove (8.26, decision c): the driver does not declare
// AtomicMove, so the portable layer moves secrets itself; a driver Modify
// that is handed a move anyway refuses it (Internal) and changes nothing.
func TestDriverDoesNotMove(t *testing.T) {
	needServer(t)
	d, err := awssm.OpenDriver(ctx, "awssm://"+drivertest.Prefix())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if d.Capabilities().AtomicMove {
		t.Error("Capabilities().AtomicMove is true")
	}
	if _, err := d.CreateEnvironment(ctx, &backend.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Create(ctx, &backend.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	_, err = d.Modify(ctx, "", "K", &backend.Update{Environment: secrets.Ptr("prod"), Value: secrets.Ptr("w")})
	if got := backend.Classify(err, d.ErrorCode); got != backend.Internal {
		t.Errorf("driver Modify with a move: %v (code %v), want Internal", err, got)
	}
	if s, err := d.Get(ctx, "", "K", backend.GetOptions{}); err != nil || s.Value != "v" {
		t.Errorf("global K after the refused move: %v, %v", s, err)
	}
	if _, err := d.Get(ctx, "prod", "K", backend.GetOptions{}); backend.Classify(err, d.ErrorCode) != backend.NotFound {
		t.Errorf("prod K after the refused move: %v", err)
	}
}
