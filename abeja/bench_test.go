package abeja_test

import (
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/drivertest"
)

// Against abejatest, in process:
// go test -run '^$' -bench . -benchmem ./abeja/
// Each benchmark reports requests/op, counted by the server.

func benchStore(b *testing.B) (*env, *secrets.Store) {
	e := newEnv(b)
	return e, e.store(b, abeja.ClientOptions{})
}

// coldLoop runs f, at each iteration, on a fresh store (one that knows no
// ids) over one client, and reports the requests per iteration.
func coldLoop(b *testing.B, e *env, f func(fresh *secrets.Store) error) {
	c := e.client(b, abeja.ClientOptions{})
	report := drivertest.PerOpCounted(b, e.srv.Requests)
	for b.Loop() {
		fresh, err := abeja.New(c, abeja.Options{Organization: e.org})
		if err != nil {
			b.Fatal(err)
		}
		err = f(fresh)
		fresh.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	report()
}

// BenchmarkGet: a name whose id the store knows (it created it, or listed
// it) is one GET by id; a fresh store's first read of a name scans the
// listing (pages of 100) — "cold", a name created near the end of 1,000.
func BenchmarkGet(b *testing.B) {
	e, st := benchStore(b)
	drivertest.Seed(b, st, 1000, func(i int) string { return fmt.Sprintf("K%04d", i) })
	b.Run("known-id", func(b *testing.B) {
		report := drivertest.PerOpCounted(b, e.srv.Requests)
		for b.Loop() {
			if _, err := st.Get(ctx, "K0999"); err != nil {
				b.Fatal(err)
			}
		}
		report()
	})
	b.Run("cold-near-end-of-1000", func(b *testing.B) {
		coldLoop(b, e, func(fresh *secrets.Store) error { _, err := fresh.Get(ctx, "K0999"); return err })
	})
}

// BenchmarkCreate: one POST.
func BenchmarkCreate(b *testing.B) {
	e, st := benchStore(b)
	report := drivertest.PerOpCounted(b, e.srv.Requests)
	drivertest.CreateEach(b, st, func(i int) secrets.Secret { return secrets.Secret{Key: fmt.Sprintf("C%07d", i), Value: "v"} })
	report()
}

// BenchmarkList1000WithValues: every secret of an organization of 1,000,
// with values, through the List iterator: one consistent read of the
// listing, ⌈(1000-1)/99⌉ = 11 requests, serves every page (100 by
// default, or 1000).
func BenchmarkList1000WithValues(b *testing.B) {
	e, st := benchStore(b)
	drivertest.Seed(b, st, 1000, func(i int) string { return fmt.Sprintf("L%04d", i) })
	for _, ps := range []int{100, 1000} {
		b.Run(fmt.Sprintf("page-size-%d", ps), func(b *testing.B) {
			report := drivertest.PerOpCounted(b, e.srv.Requests)
			for b.Loop() {
				drivertest.ListAll(b, st, secrets.ListOptions{WithValues: true, PageSize: ps}, 1000, drivertest.SeedValue)
			}
			report()
		})
	}
}

// BenchmarkValues50: Store.Values of 50 keys in an organization of 1,000:
// by id on a Store that knows them, one read of the listing (ending when
// all are met) on one that does not — "cold", a fresh Store per call.
func BenchmarkValues50(b *testing.B) {
	e, st := benchStore(b)
	drivertest.Seed(b, st, 1000, func(i int) string { return fmt.Sprintf("K%04d", i) })
	keys := make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%04d", i*20)
	}
	check := func(res []secrets.ValueResult, err error) {
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatal(r.Err)
			}
		}
	}
	b.Run("known-ids", func(b *testing.B) {
		report := drivertest.PerOpCounted(b, e.srv.Requests)
		for b.Loop() {
			check(st.Values(ctx, keys...))
		}
		report()
	})
	b.Run("cold", func(b *testing.B) {
		coldLoop(b, e, func(fresh *secrets.Store) error { check(fresh.Values(ctx, keys...)); return nil })
	})
}
