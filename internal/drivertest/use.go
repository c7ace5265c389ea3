package drivertest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/polysecret/secrets"
)

// CreateAndRead is a test's first use of a store it just opened: it creates
// the secret K with the value "v" and reads it back.
func CreateAndRead(t testing.TB, st *secrets.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("Value = %q, %v", v, err)
	}
}

// SeedValue is the value of every secret Seed creates.
const SeedValue = "value"

// Seed creates n secrets in st, keys made by key(i), each with the value
// SeedValue, eight at a time.
func Seed(t testing.TB, st *secrets.Store, n int, key func(i int) string) {
	t.Helper()
	var (
		wg    sync.WaitGroup
		sem   = make(chan struct{}, 8)
		mu    sync.Mutex
		first error
	)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if _, err := st.Create(context.Background(), secrets.Secret{Key: key(i), Value: SeedValue}); err != nil {
				mu.Lock()
				if first == nil {
					first = fmt.Errorf("seed %s: %w", key(i), err)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// ListAll lists st with opts and fails t unless it yields want secrets,
// each with the value value when opts.WithValues.
func ListAll(t testing.TB, st *secrets.Store, opts secrets.ListOptions, want int, value string) {
	t.Helper()
	n := 0
	for s, err := range st.List(context.Background(), opts) {
		if err != nil {
			t.Fatal(err)
		}
		if opts.WithValues && s.Value != value {
			t.Fatalf("%s = %q, want %q", s.Key, s.Value, value)
		}
		n++
	}
	if n != want {
		t.Fatalf("listed %d secrets, want %d", n, want)
	}
}

// ClosesOnlyItself checks issue 8's point 14 on a store opened on the
// application's own client, whose transport is tr: the store works
// (CreateAndRead), its Close reaches none of the client's connections, and
// afterwards clientWorks, a call through that client, still succeeds.
func ClosesOnlyItself(t testing.TB, st *secrets.Store, tr *Transport, clientWorks func() error) {
	t.Helper()
	CreateAndRead(t, st)
	if tr.Requests() == 0 {
		t.Error("no request went through the application's transport")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if n := tr.Closed(); n != 0 {
		t.Errorf("Close closed the application's idle connections (%d calls)", n)
	}
	if err := clientWorks(); err != nil {
		t.Errorf("the application's client after Close: %v", err)
	}
}

// EnvironmentNames lists the environments of st, failing t on an error,
// and returns their names in the order listed, with the environments.
func EnvironmentNames(t testing.TB, st *secrets.Store) ([]string, []*secrets.Environment) {
	t.Helper()
	envs, err := st.ListEnvironments(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range envs {
		names = append(names, e.Name)
	}
	return names, envs
}
