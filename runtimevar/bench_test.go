package psvar_test

import (
	"context"
	"testing"

	"gocloud.dev/runtimevar"

	"github.com/polysecret/secrets"
	psvar "github.com/polysecret/secrets/runtimevar"
)

// BenchmarkSideBySide reads one warm value: polysecret's Store.Value on
// mem:// behind a cache (cache_ttl), and gocloud's Variable.Latest on a
// Variable over the same store (this package's driver), in one run; each
// also under b.RunParallel, and mem:// without a cache for comparison.
//
//	cd runtimevar && go test -run '^$' -bench SideBySide -benchmem
func BenchmarkSideBySide(b *testing.B) {
	ctx := context.Background()
	store, err := secrets.OpenStore(ctx, "mem://?cache_ttl=1h")
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "hunter2"}); err != nil {
		b.Fatal(err)
	}
	if _, err := store.Value(ctx, "DB_PASSWORD"); err != nil { // warm the cache
		b.Fatal(err)
	}
	v, err := psvar.OpenVariable(store, "DB_PASSWORD", runtimevar.StringDecoder, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer v.Close()
	if _, err := v.Latest(ctx); err != nil { // warm the variable
		b.Fatal(err)
	}

	b.Run("polysecret", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := store.Value(ctx, "DB_PASSWORD"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// For comparison: mem:// alone, without a cache (memory's ValueGetter).
	plain, err := secrets.OpenStore(ctx, "mem://")
	if err != nil {
		b.Fatal(err)
	}
	defer plain.Close()
	if _, err := plain.Create(ctx, secrets.Secret{Key: "DB_PASSWORD", Value: "hunter2"}); err != nil {
		b.Fatal(err)
	}
	b.Run("polysecret/nocache", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := plain.Value(ctx, "DB_PASSWORD"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gocloud", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Latest(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("polysecret/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := store.Value(ctx, "DB_PASSWORD"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
	b.Run("gocloud/parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := v.Latest(ctx); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
