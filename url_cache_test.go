package secrets_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/cache"
	_ "github.com/polysecret/secrets/memory"
)

// TestURLCacheParameters: cache_* parameters on any scheme put a cache in
// front of the driver (reachable with As), with the options they say; bad
// ones are InvalidArgument; watch_interval is accepted.
func TestURLCacheParameters(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		url      string
		wantErr  bool
		cached   bool
		wantOpts cache.Options // the fields compared
	}{
		{url: "mem://"},
		{url: "mem://?watch_interval=5s"},
		{url: "mem://?cache_ttl=5m&cache_max_stale=1h", cached: true,
			wantOpts: cache.Options{TTL: 5 * time.Minute, MaxStale: time.Hour, NotFoundTTL: 10 * time.Second, MaxEntries: cache.DefaultMaxEntries,
				Jitter: 0.1, RefreshAhead: 0.8, StaleRetryInterval: 5 * time.Second}},
		{url: "mem://x?env=&cache_not_found_ttl=3s&cache_max_entries=7&cache_refresh_ahead=off&cache_jitter=0&cache_stale_retry=1s", cached: true,
			wantOpts: cache.Options{TTL: cache.DefaultTTL, NotFoundTTL: 3 * time.Second, MaxEntries: 7, StaleRetryInterval: time.Second}},
		{url: "mem://?cache_ttl=2s&cache_refresh_ahead=0.5&cache_jitter=0.2", cached: true,
			wantOpts: cache.Options{TTL: 2 * time.Second, NotFoundTTL: 2 * time.Second, MaxEntries: cache.DefaultMaxEntries, Jitter: 0.2,
				RefreshAhead: 0.5, StaleRetryInterval: 2 * time.Second}},
		{url: "mem://?cache_ttl=soon", wantErr: true},
		{url: "mem://?cache_ttl=-1s", wantErr: true},
		{url: "mem://?cache_ttl=1m&cache_ttl=2m", wantErr: true},
		{url: "mem://?cache_colour=blue", wantErr: true},
		{url: "mem://?cache_max_entries=0", wantErr: true},
		{url: "mem://?cache_refresh_ahead=1", wantErr: true},
		{url: "mem://?watch_interval=0s", wantErr: true},
		{url: "mem://?watch_interval=often", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			st, err := secrets.OpenStore(ctx, tt.url)
			if tt.wantErr {
				if secrets.ErrorCode(err) != secrets.InvalidArgument {
					t.Fatalf("err %v, want InvalidArgument", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var c *cache.Cache
			if got := st.As(&c); got != tt.cached {
				t.Fatalf("As(**cache.Cache) = %v, want %v", got, tt.cached)
			}
			if !tt.cached {
				return
			}
			o := c.Options()
			o.Clock, o.OnStale = nil, nil
			if diff := cmp.Diff(tt.wantOpts, o); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
			// It caches: a second read is a hit.
			if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
					t.Fatal(v, err)
				}
			}
			if s := c.Stats(); s.Hits != 1 || s.Misses != 1 {
				t.Errorf("Stats %+v, want 1 hit and 1 miss", s)
			}
		})
	}
}
