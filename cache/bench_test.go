package cache_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
)

// raceEnabled is set by race_test.go under -race.
var raceEnabled bool

// hotStores are a store on mem:// with a cache in front, and one without,
// both holding KEY (global) and a prod scope without it.
func hotStores(tb testing.TB) (cached, plain *secrets.Store) {
	tb.Helper()
	ctx := context.Background()
	db := memory.NewDB()
	cached = secrets.NewStore(cache.New(db.Driver(), cache.Options{TTL: time.Hour}), secrets.StoreOptions{Scheme: memory.Scheme})
	plain = secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	if _, err := plain.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		tb.Fatal(err)
	}
	if _, err := plain.Put(ctx, secrets.Secret{Key: "KEY", Value: "value-of-some-length-0123456789", Labels: map[string]string{"a": "b"}}); err != nil {
		tb.Fatal(err)
	}
	if _, err := plain.In("prod").Put(ctx, secrets.Secret{Key: "PROD_KEY", Value: "p"}); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { cached.Close(); plain.Close() })
	return cached, plain
}

// TestValueHitAllocatesNothing: Store.Value answered by the cache makes no
// allocation, in the scope and through the global fallback (a cached
// NotFound, then the global entry).
func TestValueHitAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Log("allocation counts are checked without -race (go test ./cache)")
		return
	}
	ctx := context.Background()
	cached, _ := hotStores(t)
	for _, tt := range []struct{ env, key string }{{"", "KEY"}, {"prod", "PROD_KEY"}, {"prod", "KEY"}} {
		st := cached.In(tt.env)
		if _, err := st.Value(ctx, tt.key); err != nil { // fill
			t.Fatal(err)
		}
		n := testing.AllocsPerRun(100, func() {
			if _, err := st.Value(ctx, tt.key); err != nil {
				t.Fatal(err)
			}
		})
		if n != 0 {
			t.Errorf("Value(%s in %q) on a hit: %v allocations, want 0", tt.key, tt.env, n)
		}
	}
}

// BenchmarkValue: Store.Value of a hot key, answered by the cache (hit) or
// by mem:// directly, on one goroutine and under b.RunParallel.
func BenchmarkValue(b *testing.B) {
	cached, plain := hotStores(b)
	benchValues(b, cached, plain, true)
}

// benchValues runs Store.Value of KEY on cached (as "cache-hit") and on
// plain (as "mem"), after a first read that fills the cache, and under
// b.RunParallel too when parallel.
func benchValues(b *testing.B, cached, plain *secrets.Store, parallel bool) {
	ctx := context.Background()
	read := func(b *testing.B, st *secrets.Store) {
		if _, err := st.Value(ctx, "KEY"); err != nil {
			b.Fatal(err)
		}
	}
	for _, bb := range []struct {
		name string
		st   *secrets.Store
	}{{"cache-hit", cached}, {"mem", plain}} {
		read(b, bb.st)
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				read(b, bb.st)
			}
		})
		if !parallel {
			continue
		}
		b.Run(bb.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					read(b, bb.st)
				}
			})
		})
	}
}

// BenchmarkGet: Store.Get of a hot key (a copy of the Secret each time).
func BenchmarkGet(b *testing.B) {
	cached, plain := hotStores(b)
	ctx := context.Background()
	for _, bb := range []struct {
		name string
		st   *secrets.Store
	}{{"cache-hit", cached}, {"mem", plain}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bb.st.Get(ctx, "KEY"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRefreshAheadSteadyState: reads of a hot key while refresh-ahead
// keeps replacing its entry (TTL 100 ms, refresh after 50 ms, each backend
// read delayed 1 ms): no read waits on the backend. It reports the p99
// latency of the first 10,000 reads, the maximum of all, the reads that
// took over 1 ms (the backend's delay), the misses after the first read
// (want 0) and the refreshes.
func BenchmarkRefreshAheadSteadyState(b *testing.B) {
	ctx := context.Background()
	inj := faultinject.New()
	inj.Delay("Get", time.Millisecond)
	db := memory.NewDB()
	c := cache.New(backend.Intercept(db.Driver(), memory.Scheme, inj.Interceptor()),
		cache.Options{TTL: 100 * time.Millisecond, Jitter: -1, RefreshAhead: 0.5})
	st := secrets.NewStore(c, secrets.StoreOptions{Scheme: memory.Scheme})
	defer st.Close()
	if _, err := st.Put(ctx, secrets.Secret{Key: "KEY", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	if _, err := st.Value(ctx, "KEY"); err != nil {
		b.Fatal(err)
	}
	lat := make([]time.Duration, 0, 10000)
	var slowest time.Duration
	slow := 0
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if _, err := st.Value(ctx, "KEY"); err != nil {
			b.Fatal(err)
		}
		d := time.Since(start)
		if len(lat) < cap(lat) {
			lat = append(lat, d)
		}
		slowest = max(slowest, d)
		if d > time.Millisecond {
			slow++
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	s := c.Stats()
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(slowest.Nanoseconds()), "max-ns")
	b.ReportMetric(float64(slow), "reads>1ms")
	b.ReportMetric(float64(s.Misses-1), "misses")
	b.ReportMetric(float64(s.Refreshes), "refreshes")
}

// BenchmarkGetValueDriver: the cache's own cost of a hit (GetValue on the
// driver, without the portable layer's checks), against mem://'s.
func BenchmarkGetValueDriver(b *testing.B) {
	ctx := context.Background()
	db := memory.NewDB()
	c := cache.New(db.Driver(), cache.Options{TTL: time.Hour})
	defer c.Close()
	if _, err := secrets.NewStore(db.Driver(), secrets.StoreOptions{}).Put(ctx, secrets.Secret{Key: "KEY", Value: "v"}); err != nil {
		b.Fatal(err)
	}
	for _, bb := range []struct {
		name string
		g    backend.ValueGetter
	}{{"cache-hit", c}, {"mem", db.Driver().(backend.ValueGetter)}} {
		if _, _, err := bb.g.GetValue(ctx, "", "KEY"); err != nil {
			b.Fatal(err)
		}
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := bb.g.GetValue(ctx, "", "KEY"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(bb.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, _, err := bb.g.GetValue(ctx, "", "KEY"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// BenchmarkValueExpiring: Store.Value of a hot key that has an ExpiresAt
// (an hour away), answered by the cache or by mem://: the portable layer
// checks the expiry with the exact time (time.Now) once per read.
func BenchmarkValueExpiring(b *testing.B) {
	ctx := context.Background()
	db := memory.NewDB()
	cached := secrets.NewStore(cache.New(db.Driver(), cache.Options{TTL: time.Hour}), secrets.StoreOptions{Scheme: memory.Scheme})
	plain := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	b.Cleanup(func() { cached.Close(); plain.Close() })
	if _, err := plain.Put(ctx, secrets.Secret{Key: "KEY", Value: "v", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		b.Fatal(err)
	}
	benchValues(b, cached, plain, false)
}
