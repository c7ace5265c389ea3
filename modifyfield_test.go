package secrets_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

// noFields is the memory driver without its field writes.
type noFields struct{ backend.Driver }

func (d noFields) Capabilities() backend.Capabilities {
	c := d.Driver.Capabilities()
	c.FieldWrites = false
	return c
}

// declaresFields declares FieldWrites but has no FieldSetter.
type declaresFields struct{ backend.Driver }

// TestModifyFieldRefusedBeforeAnyCall: a field Modify that cannot be done
// is refused with its code before the driver is called, and writes nothing.
func TestModifyFieldRefusedBeforeAnyCall(t *testing.T) {
	ctx := context.Background()
	db := memory.NewDB()
	setup := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: "mem"})
	const obj = `{"a":"b"}`
	if _, err := setup.Create(ctx, secrets.Secret{Key: "J", Value: obj}); err != nil {
		t.Fatal(err)
	}
	v := secrets.Ptr("x")
	for _, tc := range []struct {
		name string
		drv  func() backend.Driver
		ro   bool
		key  string
		u    secrets.Update
		want secrets.Code
	}{
		{"read-only", db.Driver, true, "J#a", secrets.Update{Value: v}, secrets.PermissionDenied},
		{"empty field", db.Driver, false, "J#", secrets.Update{Value: v}, secrets.InvalidArgument},
		{"control character", db.Driver, false, "J#a\n", secrets.Update{Value: v}, secrets.InvalidArgument},
		{"bad key", db.Driver, false, "J K!#a", secrets.Update{Value: v}, secrets.InvalidArgument},
		{"no value", db.Driver, false, "J#a", secrets.Update{}, secrets.InvalidArgument},
		{"description too", db.Driver, false, "J#a", secrets.Update{Value: v, Description: v}, secrets.InvalidArgument},
		{"move", db.Driver, false, "J#a", secrets.Update{Value: v, Environment: secrets.Ptr("")}, secrets.InvalidArgument},
		{"value not UTF-8", db.Driver, false, "J#a", secrets.Update{Value: secrets.Ptr("\xff")}, secrets.InvalidArgument},
		{"value too big", db.Driver, false, "J#a", secrets.Update{Value: secrets.Ptr(string(make([]byte, backend.MaxValueLen+1)))}, secrets.InvalidArgument},
		{"not declared", func() backend.Driver { return noFields{db.Driver()} }, false, "J#a", secrets.Update{Value: v}, secrets.Unimplemented},
		{"declared, no FieldSetter", func() backend.Driver { return declaresFields{db.Driver()} }, false, "J#a", secrets.Update{Value: v}, secrets.Unimplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			st := secrets.NewStore(tc.drv(), secrets.StoreOptions{Scheme: "mem", ReadOnly: tc.ro}).
				With(func(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
					calls.Add(1)
					return next(ctx)
				})
			_, err := st.Modify(ctx, tc.key, tc.u)
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Fatalf("got %v (%v), want %v", got, err, tc.want)
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%d driver calls, want none", n)
			}
			if got, err := setup.Value(ctx, "J"); err != nil || got != obj {
				t.Errorf("J changed: %v", err)
			}
		})
	}
}
