package cache_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
)

const noJitter = -1

// TestTTL: an entry is served until its TTL ends, whatever the backend
// holds meanwhile, then read again.
func TestTTL(t *testing.T) {
	tests := []struct {
		after time.Duration
		want  string
	}{
		{0, "old"},
		{time.Minute, "old"},
		{10*time.Minute - time.Nanosecond, "old"},
		{10 * time.Minute, "new"},
		{time.Hour, "new"},
	}
	for _, tt := range tests {
		t.Run(tt.after.String(), func(t *testing.T) {
			f := newFixture(t, cache.Options{TTL: 10 * time.Minute, Jitter: noJitter, RefreshAhead: -1})
			f.put(t, "", "K", "old")
			if v, _ := f.value(t, "", "K"); v != "old" {
				t.Fatalf("first read %q", v)
			}
			f.put(t, "", "K", "new")
			f.clock.Add(tt.after)
			for _, read := range []func() string{
				func() string { v, _ := f.value(t, "", "K"); return v },
				func() string { s, _ := f.store.Get(context.Background(), "K"); return s.Value },
			} {
				if got := read(); got != tt.want {
					t.Errorf("after %v: %q, want %q", tt.after, got, tt.want)
				}
			}
		})
	}
}

// TestJitterBounds: with jitter j each entry lives between TTL×(1-j) and
// TTL, and not all the same time.
func TestJitterBounds(t *testing.T) {
	const n = 200
	f := newFixture(t, cache.Options{TTL: 100 * time.Second, Jitter: 0.5, RefreshAhead: -1})
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%03d", i)
		f.put(t, "", keys[i], "old")
		f.value(t, "", keys[i])
		f.put(t, "", keys[i], "new")
	}
	count := func() (old int) {
		for _, k := range keys {
			if v, _ := f.value(t, "", k); v == "old" {
				old++
			}
		}
		return old
	}
	f.clock.Add(50*time.Second - time.Nanosecond)
	if old := count(); old != n {
		t.Errorf("before TTL×(1-jitter): %d of %d entries served, want all", old, n)
	}
	f.clock.Add(25 * time.Second)
	if old := count(); old == 0 || old == n {
		t.Errorf("at 3/4 of the TTL: %d of %d entries still served, want some (entries expire spread out)", old, n)
	}
	f.clock.Add(25 * time.Second)
	if old := count(); old != 0 {
		t.Errorf("at the TTL: %d entries still served", old)
	}
}

// TestLRUEviction: beyond MaxEntries the least recently used entry goes.
func TestLRUEviction(t *testing.T) {
	f := newFixture(t, cache.Options{TTL: time.Hour, MaxEntries: 2})
	for _, k := range []string{"A", "B", "C"} {
		f.put(t, "", k, "v"+k)
	}
	f.value(t, "", "A")
	f.value(t, "", "B")
	f.value(t, "", "A") // A is now more recent than B
	f.value(t, "", "C") // evicts B
	before := f.gate.gets.Load()
	f.value(t, "", "A")
	f.value(t, "", "C")
	if n := f.gate.gets.Load() - before; n != 0 {
		t.Errorf("A and C: %d backend reads, want 0 (hits)", n)
	}
	f.value(t, "", "B")
	if n := f.gate.gets.Load() - before; n != 1 {
		t.Errorf("B: %d backend reads, want 1 (evicted)", n)
	}
	st := f.c.Stats()
	if st.Evictions != 2 || st.Entries != 2 {
		t.Errorf("Stats: %+v, want 2 evictions (B, then C or A for B) and 2 entries", st)
	}
}

// TestNotFoundTTL: NotFound is cached for NotFoundTTL, not TTL.
func TestNotFoundTTL(t *testing.T) {
	tests := []struct {
		name        string
		notFoundTTL time.Duration
		after       time.Duration
		want        string
	}{
		{"within", 10 * time.Second, 10*time.Second - 1, ""},
		{"after", 10 * time.Second, 10 * time.Second, "now"},
		{"default within", 0, cache.DefaultNotFoundTTL - 1, ""},
		{"default after", 0, cache.DefaultNotFoundTTL, "now"},
		{"off", -1, 0, "now"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cache.Options{TTL: time.Hour, NotFoundTTL: tt.notFoundTTL})
			if _, code := f.value(t, "", "K"); code != secrets.NotFound {
				t.Fatalf("code %v, want NotFound", code)
			}
			f.put(t, "", "K", "now")
			f.clock.Add(tt.after)
			v, code := f.value(t, "", "K")
			if v != tt.want || (tt.want == "") != (code == secrets.NotFound) {
				t.Errorf("after %v: %q, %v; want %q", tt.after, v, code, tt.want)
			}
		})
	}
}

// TestExpiredNeverServed: a cached secret is not served past its
// ExpiresAt, neither fresh nor stale, and an expired answer is not cached.
func TestExpiredNeverServed(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, cache.Options{TTL: time.Hour, MaxStale: time.Hour, RefreshAhead: -1})
	exp := f.clock.Now().Add(time.Minute)
	if _, err := f.direct.Put(ctx, secrets.Secret{Key: "K", Value: "old", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.value(t, "", "K"); v != "old" {
		t.Fatal(v)
	}
	if _, err := f.direct.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("new")}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Minute)
	before := f.gate.gets.Load()
	for range 3 {
		v, _, err := f.c.GetValue(ctx, "", "K")
		if err != nil || v != "new" {
			t.Errorf("past ExpiresAt: %q, %v; want the backend's answer", v, err)
		}
	}
	if n := f.gate.gets.Load() - before; n != 3 {
		t.Errorf("%d backend reads for 3 reads of an expired secret, want 3 (never cached)", n)
	}
	f.inj.FailNext("Get", 1, secrets.Unavailable)
	if _, _, err := f.c.GetValue(ctx, "", "K"); code(err) != secrets.Unavailable {
		t.Errorf("backend down, secret expired: %v, want Unavailable (no stale expired value)", err)
	}
}

// code classifies a driver-level error.
func code(err error) secrets.Code { return backend.Classify(err, nil) }

// TestStats: the counters after a known sequence.
func TestStats(t *testing.T) {
	f := newFixture(t, cache.Options{TTL: time.Minute, MaxStale: time.Hour, Jitter: noJitter, RefreshAhead: 0.5})
	f.put(t, "", "K", "v")
	f.value(t, "", "K")          // miss
	f.value(t, "", "K")          // hit
	f.value(t, "", "MISSING")    // miss (NotFound cached)
	f.value(t, "", "MISSING")    // hit
	f.clock.Add(2 * time.Minute) // past TTL
	f.inj.FailNext("Get", 1, secrets.Unavailable)
	f.value(t, "", "K") // miss, stale served
	got := f.c.Stats()
	want := cache.Stats{Hits: 2, Misses: 3, Stale: 1, InnerCalls: 3, Entries: 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}
