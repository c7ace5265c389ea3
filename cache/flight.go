package cache

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// flight is one call of the inner driver for a missed key, shared by every
// concurrent miss of that key (a singleflight).
type flight struct {
	done    chan struct{}
	e       *entry // the answer as an entry (also when it is not cached)
	err     error  // an error that is not cached
	invalid bool   // under Cache.mu: a write invalidated the key meanwhile
}

// fill returns the answer of the inner driver for k, making one call for all
// concurrent misses of k. The call runs on its own (the first caller's
// context values, without its cancellation), so that a caller that gives up
// does not fail the others; each caller waits until the answer or the end
// of its own context.
func (c *Cache) fill(ctx context.Context, k cacheKey, now int64) (*entry, error) {
	c.mu.Lock()
	if e := c.entries.Load(k.env, k.key); e != nil && now < e.fresh { // filled since our lookup
		c.mu.Unlock()
		return e, nil
	}
	f := c.flights[k]
	if f == nil {
		f = &flight{done: make(chan struct{})}
		c.flights[k] = f
		c.mu.Unlock()
		go c.run(context.WithoutCancel(ctx), k, f)
	} else {
		c.mu.Unlock()
	}
	select {
	case <-f.done:
		return f.e, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run makes the call of flight f and publishes its answer.
func (c *Cache) run(ctx context.Context, k cacheKey, f *flight) {
	defer close(f.done)
	c.stats.inner.Add(1)
	sec, err := c.inner.Get(ctx, k.env, k.key, backend.GetOptions{})
	e, ok := c.newEntry(k, sec, err, c.exact())
	if ok {
		c.store(e, f)
	}
	c.mu.Lock()
	if c.flights[k] == f {
		delete(c.flights, k)
	}
	c.mu.Unlock()
	switch {
	case e != nil:
		f.e = e
	case err != nil:
		f.err = err
	default: // a secret that expired already: answer it, uncached
		f.e = &entry{k: k, sec: sec, value: sec.Value, expiresAt: sec.ExpiresAt}
	}
}

// refresh reads e's key again in the background (refresh-ahead) and
// replaces e with the answer; on an error e stays until its TTL ends.
func (c *Cache) refresh(e *entry) {
	c.bgMu.Lock()
	if c.closed {
		c.bgMu.Unlock()
		return
	}
	c.mu.Lock()
	if c.flights[e.k] != nil || c.entries.Load(e.k.env, e.k.key) != e { // a miss is filling it already, or e is gone
		c.mu.Unlock()
		c.bgMu.Unlock()
		return
	}
	f := &flight{done: make(chan struct{})}
	c.flights[e.k] = f // concurrent misses of the key join the refresh
	c.mu.Unlock()
	c.wg.Add(1)
	c.bgMu.Unlock()
	c.stats.refreshes.Add(1)
	go func() {
		defer c.wg.Done()
		c.run(c.bg, e.k, f)
	}()
}
