package memory_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/memory"
)

var memCaps = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
	Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true}

func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Harness{
		New: func(t *testing.T) conformance.Opener {
			db := memory.NewDB()
			return func(t *testing.T) *secrets.Store {
				return secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
			}
		},
		Want:        memCaps,
		Concurrency: 16,
	})
}

// TestValueAllocatesNothing: Store.Value on mem:// makes no allocation, in
// the scope and through the global fallback (issue 12.2).
func TestValueAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Log("allocation counts are checked without -race (make test-short, or go test ./memory)")
		return
	}
	ctx := context.Background()
	st := memory.OpenStore()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"", "prod"} {
		if _, err := st.In(env).Create(ctx, secrets.Secret{Key: "HOT_" + env, Value: "v", Labels: map[string]string{"a": "b"}}); err != nil {
			t.Fatal(err)
		}
	}
	prod := st.In("prod")
	for _, key := range []string{"HOT_prod", "HOT_"} {
		n := testing.AllocsPerRun(100, func() {
			if v, err := prod.Value(ctx, key); err != nil || v != "v" {
				t.Fatal(v, err)
			}
		})
		if n != 0 {
			t.Errorf("Value(%s) makes %v allocations, want 0", key, n)
		}
	}
}

// raceEnabled is set by race_test.go under -race.
var raceEnabled bool
