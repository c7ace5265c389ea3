package drivertest

import (
	"context"
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
)

// PerOp reports the requests tr forwarded during the benchmark's loop, per
// operation, as the metric "requests/op": call it before the loop, and the
// function it returns after.
func PerOp(b *testing.B, tr *Transport) (report func()) { return PerOpCounted(b, tr.Requests) }

// PerOpCounted is PerOp for any request counter, such as a test server's
// Requests.
func PerOpCounted[N ~int | ~int64](b *testing.B, requests func() N) (report func()) {
	start := requests()
	return func() { b.ReportMetric(float64(requests()-start)/float64(b.N), "requests/op") }
}

// Loop runs op for each iteration of b.Loop and fails b at the first error.
func Loop(b *testing.B, op func() error) {
	b.Helper()
	for b.Loop() {
		if err := op(); err != nil {
			b.Fatal(err)
		}
	}
}

// CreateEach creates, at each iteration of b.Loop, the secret s(i), i
// counting from 1, and fails b at the first error.
func CreateEach(b *testing.B, st *secrets.Store, s func(i int) secrets.Secret) {
	b.Helper()
	i := 0
	Loop(b, func() error {
		i++
		_, err := st.Create(context.Background(), s(i))
		return err
	})
}

// Values50 is issue 9's benchmark of Values against a loop of Get. It
// creates the environment env in st and 50 keys K00 … K49 with the values
// "v"+key, every one in env — or, with fallback, every other one global
// only, so that the fallback to the global secret runs — and returns the
// store in env and the keys after running, on that store, the
// sub-benchmarks "Values" (one Values of the 50 keys) and "Get-loop" (50
// Gets). Both check every value and report requests/op as requests counts
// them.
func Values50[N ~int | ~int64](b *testing.B, st *secrets.Store, env string, fallback bool, requests func() N) (in *secrets.Store, keys []string) {
	b.Helper()
	ctx := context.Background()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: env}); err != nil {
		b.Fatal(err)
	}
	in = st.In(env)
	keys = make([]string, 50)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%02d", i)
		where := in
		if fallback && i%2 == 1 {
			where = st.In("")
		}
		if _, err := where.Create(ctx, secrets.Secret{Key: keys[i], Value: "v" + keys[i]}); err != nil {
			b.Fatal(err)
		}
	}
	check := func(b *testing.B, i int, s *secrets.Secret, err error) {
		if err != nil {
			b.Fatalf("%s: %v", keys[i], err)
		}
		if s.Value != "v"+keys[i] {
			b.Fatalf("%s = %q", keys[i], s.Value)
		}
	}
	b.Run("Values", func(b *testing.B) {
		report := PerOpCounted(b, requests)
		for b.Loop() {
			res, err := in.Values(ctx, keys...)
			if err != nil {
				b.Fatal(err)
			}
			for i, r := range res {
				check(b, i, r.Secret, r.Err)
			}
		}
		report()
	})
	b.Run("Get-loop", func(b *testing.B) {
		report := PerOpCounted(b, requests)
		for b.Loop() {
			for i, k := range keys {
				s, err := in.Get(ctx, k)
				check(b, i, s, err)
			}
		}
		report()
	})
	return in, keys
}
