package hotmap

import (
	"fmt"
	"strings"
	"testing"
)

// TestStrhashEveryByte: changing any one byte of a string of any length up
// to 70, or its length, changes its hash.
func TestStrhashEveryByte(t *testing.T) {
	const seed = 0x1234
	for n := 0; n <= 70; n++ {
		s := strings.Repeat("k", n)
		h := strhash(seed, s)
		if strhash(seed, s+"k") == h {
			t.Errorf("len %d and %d hash alike", n, n+1)
		}
		for i := range n {
			b := []byte(s)
			b[i] = 'K'
			if strhash(seed, string(b)) == h {
				t.Errorf("len %d: byte %d changed, same hash", n, i)
			}
		}
	}
}

// TestStrhashSpread: 100,000 keys of the usual shapes in 65,536 buckets (by
// the low bits, as the map uses them): no collision of the whole hash, and
// no bucket with more than 12 keys (a uniform hash makes 8 already rare).
func TestStrhashSpread(t *testing.T) {
	seen := map[uint64]string{}
	buckets := make([]int, 1<<16)
	for i := range 100000 {
		k := []string{fmt.Sprintf("KEY_%d", i), fmt.Sprintf("app/%d/DB_PASSWORD", i), fmt.Sprint(i), fmt.Sprintf("a-rather-long-prefix/service-%d/credentials/password", i)}[i%4]
		h := strhash(42, k)
		if o, dup := seen[h]; dup {
			t.Fatalf("%q and %q have the same hash", o, k)
		}
		seen[h] = k
		buckets[h&(1<<16-1)]++
	}
	worst := 0
	for _, n := range buckets {
		worst = max(worst, n)
	}
	if worst > 12 {
		t.Errorf("fullest bucket holds %d keys, want at most 12", worst)
	}
}

// TestStrhashSeed: the seed changes the hash.
func TestStrhashSeed(t *testing.T) {
	for _, s := range []string{"", "A", "DB_PASSWORD", strings.Repeat("x", 40)} {
		if strhash(1, s) == strhash(2, s) {
			t.Errorf("%q: seeds 1 and 2 give the same hash", s)
		}
	}
}
