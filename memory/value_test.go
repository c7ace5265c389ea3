package memory_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/memory"
)

// TestValueFollowsWrites: Store.Value (GetValue, read without the lock)
// answers what Get answers after every kind of write, on the store that
// wrote and on another driver of the same DB.
func TestValueFollowsWrites(t *testing.T) {
	ctx := context.Background()
	db := memory.NewDB()
	w := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	r := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	if _, err := w.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name  string
		write func() error
	}{
		{"Create", func() error { _, err := w.Create(ctx, secrets.Secret{Key: "K", Value: `{"a":"1"}`}); return err }},
		{"Put", func() error { _, err := w.Put(ctx, secrets.Secret{Key: "K", Value: `{"a":"2"}`}); return err }},
		{"Modify", func() error {
			_, err := w.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr(`{"a":"3"}`)})
			return err
		}},
		{"Modify of a field", func() error { _, err := w.Modify(ctx, "K#a", secrets.Update{Value: secrets.Ptr("4")}); return err }},
		{"Modify moving to prod", func() error {
			_, err := w.Modify(ctx, "K", secrets.Update{Environment: secrets.Ptr("prod")})
			return err
		}},
		{"Put in prod", func() error { _, err := w.In("prod").Put(ctx, secrets.Secret{Key: "K", Value: "5"}); return err }},
		{"Delete in prod", func() error { return w.In("prod").Delete(ctx, "K") }},
		{"Create again", func() error { _, err := w.Create(ctx, secrets.Secret{Key: "K", Value: "6"}); return err }},
		{"Delete", func() error { return w.Delete(ctx, "K") }},
	} {
		if err := step.write(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		for _, st := range []*secrets.Store{w, r} {
			for _, env := range []string{"", "prod"} {
				s := st.In(env)
				v, verr := s.Value(ctx, "K")
				g, gerr := s.Get(ctx, "K")
				switch {
				case gerr != nil && secrets.ErrorCode(verr) != secrets.ErrorCode(gerr):
					t.Errorf("after %s, in %q: Value error %v, Get error %v", step.name, env, verr, gerr)
				case gerr == nil && (verr != nil || v != g.Value):
					t.Errorf("after %s, in %q: Value = %q, %v; Get = %q", step.name, env, v, verr, g.Value)
				}
			}
		}
	}
}

// TestValueWhileWriting: readers of Value (no lock) see only values that
// were written, while writers replace them (run under -race).
func TestValueWhileWriting(t *testing.T) {
	ctx := context.Background()
	st := memory.OpenStore()
	if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "v-0"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				if v, err := st.Value(ctx, "K"); err != nil || !strings.HasPrefix(v, "v-") {
					t.Errorf("Value = %q, %v", v, err)
					return
				}
			}
		}()
	}
	for i := range 2000 {
		if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: fmt.Sprint("v-", i)}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Put(ctx, secrets.Secret{Key: fmt.Sprint("OTHER_", i), Value: "x"}); err != nil { // grows the index
			t.Fatal(err)
		}
		if v, err := st.Value(ctx, "K"); err != nil || v != fmt.Sprint("v-", i) {
			t.Fatalf("Value right after Put %d = %q, %v", i, v, err)
		}
	}
	close(done)
	wg.Wait()
}
