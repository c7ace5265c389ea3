package rest_test

import (
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// BenchmarkGet: one Get through the driver and the gateway (one HTTP
// request over loopback, the audit line, the served store's Get) against
// the served mem:// store directly.
func BenchmarkGet(b *testing.B) {
	mem := memory.OpenStore()
	g := restapitest.Start(b, mem, highRate, restapitest.Full("all"))
	st := open(b, g, "all")
	b.Cleanup(func() { st.Close() })
	if _, err := mem.Create(ctx, secrets.Secret{Key: "K", Value: "value", Labels: map[string]string{"a": "b"}}); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		st   *secrets.Store
	}{{"rest", st}, {"direct", mem}} {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := tc.st.Get(ctx, "K"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreate: one Create through the gateway, which also claims and
// finishes its Idempotency-Key (two writes to the record store).
func BenchmarkCreate(b *testing.B) {
	g := restapitest.Start(b, memory.OpenStore(), highRate, restapitest.Full("all"))
	st := open(b, g, "all")
	b.Cleanup(func() { st.Close() })
	n := 0
	for b.Loop() {
		n++
		if _, err := st.Create(ctx, secrets.Secret{Key: fmt.Sprint("K", n), Value: "value"}); err != nil {
			b.Fatal(err)
		}
	}
}
