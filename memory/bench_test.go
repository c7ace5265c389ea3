package memory_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

func benchStore(b *testing.B, n int) (*secrets.Store, backend.Driver) {
	b.Helper()
	drv := memory.NewDB().Driver()
	st := secrets.NewStore(drv, secrets.StoreOptions{Scheme: memory.Scheme})
	ctx := context.Background()
	for i := range n {
		if _, err := st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("KEY_%05d", i), Value: "value-of-some-length-0123456789"}); err != nil {
			b.Fatal(err)
		}
	}
	return st, drv
}

// BenchmarkGet is Store.Get of a secret without labels.
func BenchmarkGet(b *testing.B) {
	st, _ := benchStore(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Get(ctx, "KEY_00500"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetDriver is the same Get on the driver directly: the difference
// to BenchmarkGet is the portable layer's overhead.
func BenchmarkGetDriver(b *testing.B) {
	_, drv := benchStore(b, 1000)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := drv.Get(ctx, "", "KEY_00500", backend.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetWithLabels(b *testing.B) {
	st, _ := benchStore(b, 0)
	ctx := context.Background()
	if _, err := st.Create(ctx, secrets.Secret{Key: "L", Value: "v", Labels: map[string]string{"team": "a", "tier": "b"}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Get(ctx, "L"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCreate(b *testing.B) {
	st, _ := benchStore(b, 0)
	ctx := context.Background()
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%08d", i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := st.Create(ctx, secrets.Secret{Key: keys[i], Value: "v"}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkModify(b *testing.B) {
	st, _ := benchStore(b, 100)
	ctx := context.Background()
	v := "new-value"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Modify(ctx, "KEY_00050", secrets.Update{Value: &v}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkListPage lists one page of 100 out of 1,000 secrets.
func BenchmarkListPage(b *testing.B) {
	st, _ := benchStore(b, 1000)
	ctx := context.Background()
	_, tok, err := st.ListPage(ctx, secrets.ListOptions{PageSize: 100}, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		page, _, err := st.ListPage(ctx, secrets.ListOptions{PageSize: 100}, tok)
		if err != nil || len(page) != 100 {
			b.Fatal(err, len(page))
		}
	}
}

// BenchmarkValue: Store.Value on mem:// builds no Secret (0 allocations).
func BenchmarkValue(b *testing.B) {
	st := memory.OpenStore()
	ctx := context.Background()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v", Labels: map[string]string{"a": "b"}}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Value(ctx, "K"); err != nil {
			b.Fatal(err)
		}
	}
}
