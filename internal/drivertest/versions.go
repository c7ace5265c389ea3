package drivertest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// EveryModifyMakesOneVersion checks, on an empty store st with versions,
// that each Modify — of the description, labels, type, expiry or value
// alone — makes exactly one new, current version whose id Modify returns,
// with the value the step leaves; and that the metadata belongs to the
// secret, not to a version: the first version, read back, has its own
// value and the latest metadata.
func EveryModifyMakesOneVersion(t *testing.T, st *secrets.Store) {
	t.Helper()
	ctx := context.Background()
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
	ignore := cmp.FilterPath(func(p cmp.Path) bool {
		switch p.Last().String() {
		case ".ID", ".Version", ".CreatedAt", ".UpdatedAt":
			return true
		}
		return false
	}, cmp.Ignore())
	if diff := cmp.Diff(want, old, ignore); diff != "" {
		t.Errorf("Get at the first version (-want +got):\n%s", diff)
	}
	if old.Version != first.Version {
		t.Errorf("Get at version %q says version %q", first.Version, old.Version)
	}
}
