package secrets_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

// flaky is the memory driver without its one-step move, whose next
// failDeletes Deletes fail as an unreachable server would.
type flaky struct {
	backend.Driver
	failDeletes int
	deletes     int
}

func (f *flaky) Delete(ctx context.Context, env, key string) error {
	f.deletes++
	if f.failDeletes > 0 {
		f.failDeletes--
		return backend.Errorf(backend.Unavailable, "connection reset")
	}
	return f.Driver.Delete(ctx, env, key)
}

func (f *flaky) Capabilities() backend.Capabilities {
	c := f.Driver.Capabilities()
	c.AtomicMove = false
	return c
}

// TestMoveRetrySafe: a move whose Delete fails leaves the secret in one
// environment, or says it is in both; a retry completes it (issue 8.3).
func TestMoveRetrySafe(t *testing.T) {
	ctx := context.Background()
	setup := func(t *testing.T, failDeletes int) (*flaky, *secrets.Store) {
		f := &flaky{Driver: memory.NewDB().Driver(), failDeletes: failDeletes}
		st := secrets.NewStore(f, secrets.StoreOptions{Scheme: "flaky"})
		for _, e := range []string{"dev", "prod"} {
			if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: e}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := st.In("dev").Create(ctx, secrets.Secret{Key: "K", Value: "v1", Labels: map[string]string{"a": "b"}}); err != nil {
			t.Fatal(err)
		}
		return f, st
	}
	where := func(st *secrets.Store) (dev, prod bool) {
		_, errDev := st.In("dev").Get(ctx, "K")
		_, errProd := st.In("prod").Get(ctx, "K")
		return errDev == nil, errProd == nil
	}
	move := secrets.Update{Environment: secrets.Ptr("prod"), Value: secrets.Ptr("v2")}

	t.Run("SourceDeleteFailsCopyUndone", func(t *testing.T) {
		_, st := setup(t, 1)
		_, err := st.In("dev").Modify(ctx, "K", move)
		if secrets.ErrorCode(err) != secrets.Unavailable {
			t.Fatalf("move whose Delete failed: %v, want Unavailable", err)
		}
		if dev, prod := where(st); !dev || prod {
			t.Fatalf("after a failed move: in dev %v, in prod %v; want only dev", dev, prod)
		}
		if out, err := st.In("dev").Modify(ctx, "K", move); err != nil || out.Environment != "prod" || out.Value != "v2" {
			t.Fatalf("retry: %+v, %v", out, err)
		}
		if dev, prod := where(st); dev || !prod {
			t.Fatalf("after the retry: in dev %v, in prod %v; want only prod", dev, prod)
		}
	})
	t.Run("BothDeletesFailRetryCompletes", func(t *testing.T) {
		_, st := setup(t, 2)
		_, err := st.In("dev").Modify(ctx, "K", move)
		if secrets.ErrorCode(err) != secrets.Unavailable {
			t.Fatalf("move whose Delete and clean-up failed: %v, want Unavailable", err)
		}
		if dev, prod := where(st); !dev || !prod {
			t.Fatalf("in dev %v, in prod %v; the error says both", dev, prod)
		}
		out, err := st.In("dev").Modify(ctx, "K", move)
		if err != nil {
			t.Fatalf("retry of a half-done move: %v (must not be AlreadyExists)", err)
		}
		if out.Environment != "prod" || out.Value != "v2" || out.Labels["a"] != "b" {
			t.Fatalf("retry returned %+v", out)
		}
		if dev, prod := where(st); dev || !prod {
			t.Fatalf("after the retry: in dev %v, in prod %v; want only prod", dev, prod)
		}
		// A retry after the move completed (its answer lost) succeeds too.
		if out, err := st.In("dev").Modify(ctx, "K", move); err != nil || out.Environment != "prod" {
			t.Fatalf("retry of a completed move: %+v, %v", out, err)
		}
	})
	t.Run("TargetTakenByAnother", func(t *testing.T) {
		_, st := setup(t, 0)
		if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "other"}); err != nil {
			t.Fatal(err)
		}
		_, err := st.In("dev").Modify(ctx, "K", move)
		if secrets.ErrorCode(err) != secrets.AlreadyExists {
			t.Fatalf("move onto another secret: %v, want AlreadyExists", err)
		}
		if v, _ := st.In("prod").Value(ctx, "K"); v != "other" {
			t.Fatalf("the other secret now holds %q", v)
		}
	})
}
