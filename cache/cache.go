// Package cache is a read cache in front of any polysecret driver: a
// middleware on the driver seam (backend.Driver), so that it works the same
// on mem://, vault://, awssm:// and locker://.
//
//	drv := cache.New(inner, cache.Options{TTL: 5 * time.Minute, MaxStale: time.Hour})
//	store := secrets.NewStore(drv, secrets.StoreOptions{Scheme: "vault"})
//
// or, on any scheme, by URL parameters (see [ParseURLParams]):
//
//	vault://secret/myapp?env=prod&cache_ttl=5m&cache_max_stale=1h
//
// What it does:
//
//   - Get (without a version) and the value reads of Store.Value are
//     answered from memory for TTL (each entry's TTL shortened by a random
//     fraction up to Jitter, so that entries filled together do not expire
//     together), and never past the secret's ExpiresAt: an expired secret is
//     never served from the cache. NotFound is cached too, for NotFoundTTL.
//   - The cache holds at most MaxEntries entries; beyond that the least
//     recently used one is evicted (a CLOCK approximation of LRU: a hit sets
//     a reference bit, which costs no write when it is already set).
//   - Concurrent misses of one (environment, key) make one call of the
//     inner driver; the callers wait for it, each until its own context ends.
//   - Refresh-ahead: a hit on an entry older than RefreshAhead×TTL starts one
//     background read; the hit itself (and every read during the refresh)
//     is answered at once from the entry.
//   - Stale-if-error: when the inner Get fails with Unavailable, RateLimited
//     or DeadlineExceeded and an entry younger than TTL+MaxStale exists, the
//     entry is returned with a nil error; [Stats].Stale counts it and
//     Options.OnStale is told (environment, key and the error). While it is
//     served stale, the backend is asked again once per StaleRetryInterval;
//     the reads in between answer at once.
//   - Writes through this driver (Create, Put, Modify — both scopes of a
//     move —, Delete, DeleteEnvironment) invalidate the entries they touch
//     when they return, whether they succeeded or not, and a miss in flight
//     at that moment is not stored. Writes by other processes, or by another
//     Store with its own cache, are seen when the entry's TTL ends.
//
// The cache answers every optional driver interface its inner driver has
// (Pinger, Putter, BatchGetter, KeyChecker) and backend.ErrSkip for those it
// lacks, so wrapping adds or hides no capability; it always answers
// backend.ValueGetter, from the cache (a hit makes no allocation), filling
// a miss with the inner driver's Get. Batch reads (BatchGetter) pass
// through uncached. Capabilities, ErrorCode, As and ErrorAs pass through;
// As also sets a **Cache, so that the Cache (and its Stats) is reachable
// from a Store: var c *cache.Cache; store.As(&c). Close stops the
// background refreshes, then closes the inner driver.
package cache

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/hotmap"
)

// Defaults of Options.
const (
	DefaultTTL          = 5 * time.Minute
	DefaultNotFoundTTL  = 10 * time.Second
	DefaultMaxEntries   = 10000
	DefaultJitter       = 0.1
	DefaultRefreshAhead = 0.8
	DefaultStaleRetry   = 5 * time.Second
)

// Options configure a Cache. The zero value is usable: every zero field
// takes its default.
type Options struct {
	// TTL is how long an entry is served without asking the backend
	// (default DefaultTTL). Each entry's TTL is shortened by a random
	// fraction in [0, Jitter).
	TTL time.Duration
	// Jitter is that fraction: 0 means DefaultJitter (0.1), a negative
	// value none. At most 1.
	Jitter float64
	// MaxEntries bounds the number of entries (0: DefaultMaxEntries); the
	// least recently used is evicted first.
	MaxEntries int
	// NotFoundTTL is how long a NotFound answer is cached (0:
	// DefaultNotFoundTTL, but never longer than TTL; negative: NotFound is
	// not cached).
	NotFoundTTL time.Duration
	// MaxStale is how long past its TTL an entry may still be served when
	// the backend fails with Unavailable, RateLimited or DeadlineExceeded
	// (0: never).
	MaxStale time.Duration
	// StaleRetryInterval: while an entry is served stale, the backend is
	// asked again at most once per this interval, and the reads in between
	// are answered stale at once instead of each waiting for the backend
	// to fail (0: DefaultStaleRetryInterval, 5 s, but at most TTL).
	StaleRetryInterval time.Duration
	// RefreshAhead is the fraction of an entry's TTL after which a hit
	// starts one background refresh (0: DefaultRefreshAhead, 0.8; negative:
	// no refresh-ahead).
	RefreshAhead float64
	// OnStale, if set, is called (on the reader's goroutine) each time a
	// stale entry is served, with the backend's error. It must not block.
	OnStale func(env, key string, err error)
	// Clock replaces time.Now, for tests. Without it, hits read a coarse
	// clock (updated every 10 ms while the cache is read: time.Now costs
	// more than the rest of a hit on some virtual machines), so an entry
	// may be served up to 10 ms past its TTL; a hit counts a secret as
	// expired one tick (10 ms) before its ExpiresAt. The coarse clock can
	// lag more (a process that was stopped, or starved of CPU): the
	// portable layer checks ExpiresAt with the exact time before it answers
	// (Store.Get, Store.Value), so an expired secret is never returned.
	Clock func() time.Time
}

func (o Options) withDefaults() Options {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	switch {
	case o.Jitter == 0:
		o.Jitter = DefaultJitter
	case o.Jitter < 0:
		o.Jitter = 0
	case o.Jitter > 1:
		o.Jitter = 1
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.NotFoundTTL == 0 {
		o.NotFoundTTL = min(DefaultNotFoundTTL, o.TTL)
	}
	if o.MaxStale < 0 {
		o.MaxStale = 0
	}
	if o.StaleRetryInterval <= 0 {
		o.StaleRetryInterval = min(DefaultStaleRetry, o.TTL)
	}
	switch {
	case o.RefreshAhead == 0:
		o.RefreshAhead = DefaultRefreshAhead
	case o.RefreshAhead < 0 || o.RefreshAhead >= 1:
		o.RefreshAhead = 0
	}
	return o
}

// Cache is a caching backend.Driver around another driver. It is safe for
// concurrent use.
type Cache struct {
	inner backend.Driver
	opts  Options
	kc    backend.KeyChecker // inner's, if it has one (asserted once: CheckKey runs on every read)

	// mu orders the writers of entries, ring and flights. Readers of
	// entries (every hit) take no lock: hotmap.
	mu      sync.Mutex
	entries hotmap.Map[entry]    // in the Cache: a load less on every hit
	ring    ring                 // CLOCK order of the entries
	flights map[cacheKey]*flight // misses in progress
	stats   counters

	bg     context.Context // background refreshes; ended by Close
	stop   context.CancelFunc
	bgMu   sync.Mutex // orders wg.Add after Close's wg.Wait
	closed bool       // under bgMu
	wg     sync.WaitGroup
	coarse *coarseClock // nil with Options.Clock
}

// exact is the time now.
func (c *Cache) exact() time.Time {
	if c.opts.Clock != nil {
		return c.opts.Clock()
	}
	return time.Now()
}

// expiryMargin is how long before a secret's ExpiresAt its entry stops
// being a hit: the resolution of the clock hits read.
func (c *Cache) expiryMargin() time.Duration {
	if c.coarse == nil {
		return 0
	}
	return clockTick
}

// nanos is the time now for hits: coarse, unless Options.Clock is set.
func (c *Cache) nanos() int64 {
	if c.coarse != nil {
		return c.coarse.Nanos()
	}
	return c.exactNanos()
}

func (c *Cache) exactNanos() int64 { return c.exact().UnixNano() }

type cacheKey struct{ env, key string }

// staleState: the entry is being served stale; the backend is asked again
// at retry (Unix ns).
type staleState struct {
	retry int64
	err   error
}

// entry is one cached answer. Its fields do not change once it is in the
// map (a refresh replaces the entry), except the atomic flags.
type entry struct {
	k         cacheKey
	sec       *backend.Secret // nil when err is set
	err       error           // a cached NotFound
	value     string          // sec.Value, for GetValue
	expiresAt time.Time       // sec.ExpiresAt
	fetched   time.Time
	fresh     int64 // Unix ns: served as a hit before this
	refreshAt int64 // Unix ns: a hit after this refreshes (0: never)
	// quickUntil is GetValue's usual hit's bound: fresh, or refreshAt if
	// earlier (a hit then has to start the refresh); 0 for a cached
	// NotFound (not a value).
	quickUntil int64
	staleEnd   time.Time // served on backend errors before this

	ref        atomic.Bool // CLOCK reference bit
	stale      atomic.Pointer[staleState]
	refreshing atomic.Bool
	prev, next *entry // ring links, under Cache.mu
}

var (
	_ backend.Driver      = (*Cache)(nil)
	_ backend.Pinger      = (*Cache)(nil)
	_ backend.Putter      = (*Cache)(nil)
	_ backend.FieldSetter = (*Cache)(nil)
	_ backend.BatchGetter = (*Cache)(nil)
	_ backend.ValueGetter = (*Cache)(nil)
	_ backend.KeyChecker  = (*Cache)(nil)
)

// New returns inner with a cache in front of its reads.
func New(inner backend.Driver, opts Options) *Cache {
	c := &Cache{inner: inner, opts: opts.withDefaults(), flights: map[cacheKey]*flight{}}
	c.entries.Init()
	c.kc, _ = inner.(backend.KeyChecker)
	c.bg, c.stop = context.WithCancel(context.Background())
	if opts.Clock == nil {
		c.coarse = newCoarseClock()
	}
	return c
}

// Unwrap returns the driver the cache wraps.
func (c *Cache) Unwrap() backend.Driver { return c.inner }

// Options returns the options in effect (defaults filled in).
func (c *Cache) Options() Options { return c.opts }

// lookup returns the entry of k, or nil.
func (c *Cache) lookup(k cacheKey) *entry {
	return c.entries.Load(k.env, k.key)
}

// hit reports whether e may be served at now as a fresh answer, and starts a
// refresh-ahead when it is due. e.fresh ends a tick of the coarse clock
// before the secret's expiry (newEntry), so no exact time is read here.
func (c *Cache) hit(e *entry, now int64) bool {
	if e == nil || now >= e.fresh {
		return false
	}
	if !e.ref.Load() || e.refreshAt != 0 && now >= e.refreshAt {
		c.touch(e, now)
	}
	c.stats.hits.add()
	return true
}

// touch is hit's rare part: it sets e's reference bit, and starts a
// refresh-ahead when it is due.
func (c *Cache) touch(e *entry, now int64) {
	if !e.ref.Load() {
		e.ref.Store(true)
	}
	if e.refreshAt != 0 && now >= e.refreshAt && e.refreshing.CompareAndSwap(false, true) {
		c.refresh(e)
	}
}

// Get answers from the cache when it can; a Get at a version passes
// through.
func (c *Cache) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	if opts.Version != "" {
		return c.inner.Get(ctx, env, key, opts)
	}
	e, err := c.read(ctx, cacheKey{env, key})
	if err != nil {
		return nil, err
	}
	if e.err != nil {
		return nil, e.err
	}
	return e.sec.Clone(), nil
}

// GetValue is Get's value and expiry; a hit makes no allocation. The usual
// hit (a value, the coarse clock running, the reference bit set, no
// refresh due) is answered here with one call, the lookup; the rest is
// getValue's.
func (c *Cache) GetValue(ctx context.Context, env, key string) (string, time.Time, error) {
	e := c.entries.Load(env, key)
	if e != nil && c.coarse.quick() < e.quickUntil && e.ref.Load() { // quickUntil is 0 for a cached NotFound
		c.stats.hits.add()
		return e.value, e.expiresAt, nil
	}
	return c.getValue(ctx, env, key, e)
}

// getValue is GetValue after its usual hit was ruled out; e is the entry
// found (nil if none).
func (c *Cache) getValue(ctx context.Context, env, key string, e *entry) (string, time.Time, error) {
	if now := c.nanos(); !c.hit(e, now) {
		var err error
		if e, err = c.miss(ctx, cacheKey{env, key}, e, now); err != nil {
			return "", time.Time{}, err
		}
	}
	if e.err != nil {
		return "", time.Time{}, e.err
	}
	return e.value, e.expiresAt, nil
}

// read returns the entry to answer k with: a hit, or one filled by a call of
// the inner driver (shared by concurrent misses), or a stale one.
func (c *Cache) read(ctx context.Context, k cacheKey) (*entry, error) {
	now := c.nanos()
	old := c.lookup(k)
	if c.hit(old, now) {
		return old, nil
	}
	return c.miss(ctx, k, old, now)
}

// miss is read after old (nil if none) was no hit at now: a stale entry
// while the backend is retried later, or a fill.
func (c *Cache) miss(ctx context.Context, k cacheKey, old *entry, now int64) (*entry, error) {
	if old != nil {
		if st := old.stale.Load(); st != nil && now < st.retry && c.serveStale(old, st.err) {
			return old, nil
		}
	}
	c.stats.misses.Add(1)
	e, err := c.fill(ctx, k, now)
	if err == nil {
		return e, nil
	}
	if old != nil && staleCode(backend.Classify(err, c.inner.ErrorCode)) && c.serveStale(old, err) {
		old.stale.Store(&staleState{retry: c.exact().Add(c.opts.StaleRetryInterval).UnixNano(), err: err})
		return old, nil
	}
	return nil, err
}

// serveStale reports whether old may be served stale now (a secret within
// TTL+MaxStale and not expired), and if so counts it and tells OnStale.
func (c *Cache) serveStale(old *entry, err error) bool {
	if old.sec == nil {
		return false
	}
	if now := c.exact(); !now.Before(old.staleEnd) || old.sec.Expired(now) {
		return false
	}
	c.stats.stale.Add(1)
	if c.opts.OnStale != nil {
		c.opts.OnStale(old.k.env, old.k.key, err)
	}
	return true
}

// staleCode: the backend failures on which a stale entry may be served.
func staleCode(code backend.Code) bool {
	return code == backend.Unavailable || code == backend.RateLimited || code == backend.DeadlineExceeded
}

// newEntry makes the entry for an answer of the inner driver fetched at now;
// ok is false when the answer must not be cached (an error other than
// NotFound, NotFound with caching of NotFound off, an expired secret).
func (c *Cache) newEntry(k cacheKey, sec *backend.Secret, err error, now time.Time) (*entry, bool) {
	e := &entry{k: k, fetched: now}
	if err != nil {
		if c.opts.NotFoundTTL < 0 || backend.Classify(err, c.inner.ErrorCode) != backend.NotFound {
			return nil, false
		}
		e.err = err
		e.fresh = now.Add(c.opts.NotFoundTTL).UnixNano()
		return e, true
	}
	if sec.Expired(now) {
		return nil, false
	}
	ttl := c.opts.TTL
	if c.opts.Jitter > 0 {
		ttl -= time.Duration(rand.Float64() * c.opts.Jitter * float64(ttl))
	}
	e.sec, e.value, e.expiresAt = sec, sec.Value, sec.ExpiresAt
	fresh := now.Add(ttl)
	e.staleEnd = fresh.Add(c.opts.MaxStale)
	if !sec.ExpiresAt.IsZero() {
		fresh = minTime(fresh, sec.ExpiresAt.Add(-c.expiryMargin()))
		e.staleEnd = minTime(e.staleEnd, sec.ExpiresAt)
	}
	e.fresh = fresh.UnixNano()
	e.quickUntil = e.fresh
	if c.opts.RefreshAhead > 0 {
		e.refreshAt = now.Add(time.Duration(c.opts.RefreshAhead * float64(ttl))).UnixNano()
		e.quickUntil = min(e.quickUntil, e.refreshAt)
	}
	return e, true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// store puts e in the cache unless the flight f that fetched it was
// invalidated meanwhile (a write through this driver), evicting as needed.
func (c *Cache) store(e *entry, f *flight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if f != nil && f.invalid {
		return
	}
	if old := c.entries.Load(e.k.env, e.k.key); old != nil {
		c.ring.remove(old)
	}
	for c.entries.Len() >= c.opts.MaxEntries {
		v := c.ring.victim()
		if v == nil {
			break
		}
		c.ring.remove(v)
		c.entries.Delete(v.k.env, v.k.key)
		c.stats.evictions.Add(1)
	}
	c.entries.Store(e.k.env, e.k.key, e)
	c.ring.add(e)
}

// Invalidate drops the entry of (env, key), if any, and makes a miss of it
// in flight not store its answer.
func (c *Cache) Invalidate(env, key string) {
	k := cacheKey{env, key}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.dropLocked(k)
}

func (c *Cache) dropLocked(k cacheKey) {
	if e := c.entries.Delete(k.env, k.key); e != nil {
		c.ring.remove(e)
	}
	if f := c.flights[k]; f != nil {
		f.invalid = true
		delete(c.flights, k)
	}
}

// InvalidateEnvironment drops every entry of the scope env.
func (c *Cache) InvalidateEnvironment(env string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries.Range(func(e, key string, _ *entry) bool {
		if e == env {
			c.dropLocked(cacheKey{e, key})
		}
		return true
	})
	for k := range c.flights {
		if k.env == env {
			c.dropLocked(k)
		}
	}
}

// Len returns the number of entries.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.entries.Len()
}

// Close stops the background refreshes (waiting for those in flight), then
// closes the inner driver.
func (c *Cache) Close() error {
	c.bgMu.Lock()
	c.closed = true
	c.bgMu.Unlock()
	c.stop()
	c.wg.Wait()
	if c.coarse != nil {
		c.coarse.Close()
	}
	return c.inner.Close()
}
