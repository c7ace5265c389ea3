package cache_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/cache"
)

// TestConcurrentReadsAndWrites: goroutines read and write random keys
// through one cached store (MaxEntries far below the number of keys).
// Afterwards the cache holds at most MaxEntries entries, and every key
// reads back as the backend holds it: no write left a stale entry behind,
// whatever it raced with (a miss, a refresh, an eviction).
func TestConcurrentReadsAndWrites(t *testing.T) {
	const keys, maxEntries = 50, 40
	ctx := context.Background()
	f := newFixture(t, cache.Options{TTL: 10 * time.Minute, MaxEntries: maxEntries, RefreshAhead: 0.5})
	for i := range keys {
		f.put(t, "", fmt.Sprint("K", i), "0")
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for i := range 500 {
				k := fmt.Sprint("K", r.IntN(keys))
				switch r.IntN(10) {
				case 0:
					if _, err := f.store.Put(ctx, secrets.Secret{Key: k, Value: fmt.Sprint(g, ".", i)}); err != nil {
						t.Error(err)
					}
				case 1:
					f.clock.Add(time.Second) // ~400 s in all: past the refresh point (5 min), before the TTL (9–10 min)
				default:
					if _, err := f.store.Value(ctx, k); err != nil {
						t.Error(err)
					}
				}
			}
		})
	}
	wg.Wait()
	if n := f.c.Len(); n > maxEntries {
		t.Errorf("%d entries, MaxEntries %d", n, maxEntries)
	}
	f.gate.release()
	for i := range keys {
		k := fmt.Sprint("K", i)
		want, err := f.direct.Value(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		// A refresh started before the last write may still be landing:
		// it is discarded (invalidated), so the cache answers the backend.
		if got, _ := f.value(t, "", k); got != want {
			t.Errorf("%s: cached %q, backend %q", k, got, want)
		}
	}
}
