package cache_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/memory"
)

// TestHitPathCoarseClock: GetValue's usual hit (the real, coarse clock; no
// call but the lookup) and its bounds, by Stats: every hit counted once; an
// entry past its refresh-ahead point is still a hit and starts one refresh;
// an entry past its TTL is a miss; a cached NotFound is a hit that answers
// NotFound. The coarse clock is frozen at a time after the fill.
func TestHitPathCoarseClock(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name         string
		key          string
		refreshAhead float64
		after        time.Duration // the frozen clock, after the fill
		reads        int           // after the freeze (two before it, after the fill)
		wantCode     secrets.Code  // of every read; Unknown: no error
		want         cache.Stats
	}{
		{"fresh", "KEY", 0.5, 10 * time.Minute, 3, secrets.Unknown, cache.Stats{Hits: 5, Misses: 1}},
		{"refresh due", "KEY", 0.5, 31 * time.Minute, 1, secrets.Unknown, cache.Stats{Hits: 3, Misses: 1, Refreshes: 1}},
		{"past the TTL", "KEY", -1, 61 * time.Minute, 2, secrets.Unknown, cache.Stats{Hits: 2, Misses: 3}},
		{"NotFound cached", "MISSING", 0.5, 0, 2, secrets.NotFound, cache.Stats{Hits: 4, Misses: 1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db := memory.NewDB()
			c := cache.New(db.Driver(), cache.Options{TTL: time.Hour, Jitter: noJitter, RefreshAhead: tt.refreshAhead})
			store := secrets.NewStore(c, secrets.StoreOptions{Scheme: memory.Scheme})
			t.Cleanup(func() { store.Close() })
			if _, err := secrets.NewStore(db.Driver(), secrets.StoreOptions{}).Put(ctx, secrets.Secret{Key: "KEY", Value: "v"}); err != nil {
				t.Fatal(err)
			}
			read := func(when string) {
				t.Helper()
				v, err := store.Value(ctx, tt.key)
				if got := secrets.ErrorCode(err); got != tt.wantCode || tt.wantCode == secrets.Unknown && (err != nil || v != "v") {
					t.Fatalf("Value(%q) %s = %q, %v; want code %v", tt.key, when, v, err, tt.wantCode)
				}
			}
			read("(fill)")
			filled := time.Now()
			read("after the fill")
			read("after the fill")
			cache.FreezeCoarseClock(c, filled.Add(tt.after))
			for range tt.reads {
				read("with the clock frozen")
			}
			opt := cmpopts.IgnoreFields(cache.Stats{}, "InnerCalls", "Entries") // a refresh runs in the background
			if diff := cmp.Diff(tt.want, c.Stats(), opt); diff != "" {
				t.Errorf("Stats (-want +got):\n%s", diff)
			}
		})
	}
}
