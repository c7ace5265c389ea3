package psvar_test

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"gocloud.dev/gcerrors"
	"gocloud.dev/runtimevar"

	"github.com/polysecret/secrets"
	pstest "github.com/polysecret/secrets/internal/drivertest"
	psvar "github.com/polysecret/secrets/runtimevar"
)

// TestVariableSeesChanges: through the portable Variable, each change
// (new value, deletion, re-creation) is one new snapshot or error, read
// after Options.Wait.
func TestVariableSeesChanges(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store := memStore(t, secrets.Secret{Key: "K", Value: "one"})
	v, err := psvar.OpenVariable(store, "K", runtimevar.StringDecoder, &psvar.Options{Wait: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	for i, step := range []struct {
		name     string
		change   func() error
		want     string
		wantCode gcerrors.ErrorCode
	}{
		{"first", func() error { return nil }, "one", gcerrors.OK},
		{"modified", func() error {
			_, err := store.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("two")})
			return err
		}, "two", gcerrors.OK},
		{"deleted", func() error { return store.Delete(ctx, "K") }, "", gcerrors.NotFound},
		{"created again", func() error {
			_, err := store.Create(ctx, secrets.Secret{Key: "K", Value: "three"})
			return err
		}, "three", gcerrors.OK},
	} {
		if err := step.change(); err != nil {
			t.Fatalf("%d %s: %v", i, step.name, err)
		}
		snap, err := v.Watch(ctx)
		if code := gcerrors.Code(err); code != step.wantCode {
			t.Fatalf("%d %s: code %v (%v), want %v", i, step.name, code, err, step.wantCode)
		}
		if err == nil && snap.Value != step.want {
			t.Fatalf("%d %s: value %q, want %q", i, step.name, snap.Value, step.want)
		}
	}
}

// TestErrorAsVault: Variable.ErrorAs reaches the backend's own error (the
// store's ErrorAs), here Vault's *api.ResponseError for a refused token.
func TestErrorAsVault(t *testing.T) {
	needServer(t)
	t.Setenv("VAULT_TOKEN", "not-a-token")
	store, err := secrets.OpenStore(context.Background(), "vault://secret/"+pstest.Prefix())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	v, err := psvar.OpenVariable(store, "K", runtimevar.StringDecoder, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	_, err = first(t, v)
	if code := gcerrors.Code(err); code != gcerrors.PermissionDenied {
		t.Fatalf("code %v (%v), want PermissionDenied", code, err)
	}
	var re *api.ResponseError
	if !v.ErrorAs(err, &re) || re.StatusCode != 403 {
		t.Fatalf("ErrorAs(*api.ResponseError) = %v, want status 403", re)
	}
}
