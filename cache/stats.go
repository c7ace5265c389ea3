package cache

import "sync/atomic"

// Stats are a Cache's counters since New.
type Stats struct {
	// Hits: reads answered from the cache as fresh.
	Hits uint64
	// Misses: reads that needed the inner driver (shared misses count once
	// per reader).
	Misses uint64
	// Stale: reads answered with an entry past its TTL because the backend
	// failed (stale-if-error).
	Stale uint64
	// Refreshes: background refreshes started by refresh-ahead.
	Refreshes uint64
	// Evictions: entries evicted to stay within MaxEntries.
	Evictions uint64
	// InnerCalls: Gets made on the inner driver (misses and refreshes).
	InnerCalls uint64
	// Entries is the number of entries now.
	Entries int
}

// counters: hits is striped (stripes.go); the others, counted off the hot
// path, share a cache line after it.
type counters struct {
	hits      stripes
	misses    atomic.Uint64
	stale     atomic.Uint64
	refreshes atomic.Uint64
	evictions atomic.Uint64
	inner     atomic.Uint64
}

// Stats returns the counters.
func (c *Cache) Stats() Stats {
	return Stats{
		Hits:       c.stats.hits.load(),
		Misses:     c.stats.misses.Load(),
		Stale:      c.stats.stale.Load(),
		Refreshes:  c.stats.refreshes.Load(),
		Evictions:  c.stats.evictions.Load(),
		InnerCalls: c.stats.inner.Load(),
		Entries:    c.Len(),
	}
}
