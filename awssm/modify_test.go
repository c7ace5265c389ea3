package awssm_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/backend"
)

// TestEveryModifyMakesOneVersion (8.26, decisions a and b): every
// successful Modify makes exactly one new version, whatever it changes
// (value, description, labels, type, expiry); Get at an old version returns
// that version's value with the secret's current metadata.
func TestEveryModifyMakesOneVersion(t *testing.T) {
	needServer(t)
	st := open(t, "awssm://"+prefix())
	first, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v1", Description: "d1"})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2099, 1, 2, 3, 4, 5, 0, time.UTC)
	steps := []struct {
		name  string
		u     secrets.Update
		value string
	}{
		{"Description", secrets.Update{Description: secrets.Ptr("d2")}, "v1"},
		{"Labels", secrets.Update{Labels: map[string]string{"team": "core"}}, "v1"},
		{"Type", secrets.Update{Type: secrets.Ptr(secrets.TypePassword)}, "v1"},
		{"Expiry", secrets.Update{ExpiresAt: &exp}, "v1"},
		{"Value", secrets.Update{Value: secrets.Ptr("v2")}, "v2"},
		{"EmptyValue", secrets.Update{Value: secrets.Ptr("")}, ""},
		{"DescriptionOfEmpty", secrets.Update{Description: secrets.Ptr("d3")}, ""},
	}
	for i, step := range steps {
		out, err := st.Modify(ctx, "K", step.u)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		vs, err := st.Versions(ctx, "K")
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != i+2 {
			t.Fatalf("after Modify of %s: %d versions, want %d", step.name, len(vs), i+2)
		}
		if cur := vs[len(vs)-1]; !cur.Current || cur.ID != out.Version {
			t.Errorf("after Modify of %s: newest version %+v, Modify returned version %q", step.name, cur, out.Version)
		}
		if v, err := st.Value(ctx, "K"); err != nil || v != step.value {
			t.Errorf("after Modify of %s: Value = %q, %v; want %q", step.name, v, err, step.value)
		}
	}
	old, err := st.Get(ctx, "K", secrets.AtVersion(first.Version))
	if err != nil {
		t.Fatal(err)
	}
	want := &secrets.Secret{Key: "K", Value: "v1", Description: "d3", Type: secrets.TypePassword,
		Labels: map[string]string{"team": "core"}, ExpiresAt: exp}
	if diff := cmp.Diff(want, old, cmpIgnoreDriverFields()); diff != "" {
		t.Errorf("Get at the first version (-want +got):\n%s", diff)
	}
	if old.Version != first.Version {
		t.Errorf("Get at version %q says version %q", first.Version, old.Version)
	}
}

// TestDriverDoesNotMove (8.26, decision c): the driver does not declare
// AtomicMove, so the portable layer moves secrets itself; a driver Modify
// that is handed a move anyway refuses it (Internal) and changes nothing.
func TestDriverDoesNotMove(t *testing.T) {
	needServer(t)
	d, err := awssm.OpenDriver(ctx, "awssm://"+prefix())
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
