package datalayer_test

import (
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/internal/drivertest"
)

// The benchmarks run against datalayertest over loopback HTTP and report
// the requests each operation makes (requests/op), in both list shapes.

// benchValue is the value of the secrets the benchmarks create.
const benchValue = "value-of-some-length-0123456789"

func benchEnv(b *testing.B, withValues bool, n int) (*env, *secrets.Store) {
	b.Helper()
	e := newEnv(b, withValues)
	for i := range n {
		if _, err := e.srv.Seed(e.key, storedB64(fmt.Sprintf("KEY_%05d", i), benchValue)); err != nil {
			b.Fatal(err)
		}
	}
	st, err := datalayer.New(e.client(b), datalayer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return e, st
}

// BenchmarkGet: Store.Get in an account of 1,000 secrets — the uid known
// (a Store that has read the key before: one GET by uid), and unknown (a
// new Store for each read: the list, plus a GET by uid when the list
// leaves values out).
func BenchmarkGet(b *testing.B) {
	for _, shape := range shapes {
		b.Run(shape.name+"/uid known", func(b *testing.B) {
			e, st := benchEnv(b, shape.withValues, 1000)
			if _, err := st.Get(ctx, "KEY_00500"); err != nil {
				b.Fatal(err)
			}
			report := drivertest.PerOpCounted(b, e.srv.Requests)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := st.Get(ctx, "KEY_00500"); err != nil {
					b.Fatal(err)
				}
			}
			report()
		})
		b.Run(shape.name+"/uid unknown", func(b *testing.B) {
			e, _ := benchEnv(b, shape.withValues, 1000)
			c := e.client(b)
			report := drivertest.PerOpCounted(b, e.srv.Requests)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				st, _ := datalayer.New(c, datalayer.Options{})
				if _, err := st.Get(ctx, "KEY_00500"); err != nil {
					b.Fatal(err)
				}
				st.Close()
			}
			report()
		})
	}
}

// BenchmarkCreate: Store.Create of a new key: one POST.
func BenchmarkCreate(b *testing.B) {
	e, st := benchEnv(b, true, 0)
	report := drivertest.PerOpCounted(b, e.srv.Requests)
	b.ReportAllocs()
	b.ResetTimer()
	drivertest.CreateEach(b, st, func(i int) secrets.Secret {
		return secrets.Secret{Key: fmt.Sprintf("NEW_%08d", i), Value: benchValue}
	})
	report()
}

// BenchmarkList1000WithValues: one listing of 1,000 secrets with values
// (pages of 1,000): one GET /secrets when the list carries values; when
// it leaves them out, one more GET per secret, 8 at a time.
func BenchmarkList1000WithValues(b *testing.B) {
	for _, shape := range shapes {
		b.Run(shape.name, func(b *testing.B) {
			e, st := benchEnv(b, shape.withValues, 1000)
			report := drivertest.PerOpCounted(b, e.srv.Requests)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				drivertest.ListAll(b, st, secrets.ListOptions{WithValues: true, PageSize: 1000}, 1000, benchValue)
			}
			report()
		})
	}
}
