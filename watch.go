package secrets

import (
	"context"
	"errors"
	"iter"
	"math/rand/v2"
	"reflect"
	"sync"
	"time"

	"github.com/polysecret/secrets/backend"
)

// DefaultWatchInterval is how often Watch polls when neither
// StoreOptions.WatchInterval nor the URL parameter watch_interval says.
const DefaultWatchInterval = 30 * time.Second

// watchJitter is the fraction by which each polling interval is randomly
// lengthened or shortened, so that many processes do not poll in step.
const watchJitter = 0.1

// watchMaxBackoff bounds the interval after consecutive errors (×8).
const watchMaxBackoff = 3

// watchAfter waits for the next poll; tests replace it (export_test.go).
// Read under pollers' lock.
var watchAfter = time.After

// Watch yields the secret key (as Get returns it: the scope's, else the
// global one; "KEY#field" selects a field) and then again each time it
// changes — another version, value or scope —, by polling the backend every
// watch interval (StoreOptions.WatchInterval, URL parameter
// watch_interval, default 30 s, each wait randomly ±10%).
//
// An error is yielded once, with a nil secret, and again only when another
// error code follows, or after a success: NotFound while the key is missing,
// then the secret when it appears; Unavailable while the backend is down,
// then the secret again once it answers. After an error other than
// NotFound the interval doubles at each failed poll, up to 8 times. When the
// store is closed, Watch yields that error and ends; it ends too when ctx
// ends (yielding nothing more) or the loop stops.
//
// Watchers of one key in one scope on one driver share one poller,
// whatever their number: N watched keys cost N polls per interval. Each
// watcher gets its own copy of each secret. On a store with a cache in
// front (package cache, URL parameters cache_*), the polls are answered by
// the cache: a change made elsewhere shows within its TTL plus the
// interval.
func (s *Store) Watch(ctx context.Context, key string) iter.Seq2[*Secret, error] {
	return func(yield func(*Secret, error) bool) {
		p := s.acquirePoller(ctx, key)
		defer p.release()
		var seen uint64
		for {
			p.mu.Lock()
			st, changed := p.state, p.changed
			p.mu.Unlock()
			if st != nil && st.seq != seen {
				seen = st.seq
				if !yield(st.sec.Clone(), st.err) || st.final {
					return
				}
				continue
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return
			}
		}
	}
}

// watchKey names a poller: one per driver, scope and key.
type watchKey struct {
	drv      backend.Driver
	env, key string
}

var pollers = struct {
	sync.Mutex
	m map[watchKey]*poller
}{m: map[watchKey]*poller{}}

// poller polls one key for all its watchers.
type poller struct {
	k      watchKey
	shared bool // in pollers.m
	refs   int  // under pollers' lock
	cancel context.CancelFunc

	mu      sync.Mutex
	state   *watchState   // the latest; nil before the first poll
	changed chan struct{} // closed (and replaced) at each new state
}

// watchState is one answer of the backend as watchers see it.
type watchState struct {
	seq   uint64
	sec   *Secret
	err   error
	final bool // the store is closed: watchers end after it
}

func (s *Store) acquirePoller(ctx context.Context, key string) *poller {
	k := watchKey{drv: s.drv, env: s.env, key: key}
	shared := s.drv != nil && reflect.TypeOf(s.drv).Comparable()
	pollers.Lock()
	defer pollers.Unlock()
	if shared {
		if p := pollers.m[k]; p != nil {
			p.refs++
			return p
		}
	}
	pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p := &poller{k: k, shared: shared, refs: 1, cancel: cancel, changed: make(chan struct{})}
	if shared {
		pollers.m[k] = p
	}
	interval := s.watchInterval
	if interval <= 0 {
		interval = DefaultWatchInterval
	}
	go p.run(pctx, s.view(), key, interval, watchAfter)
	return p
}

// release drops one watcher; the last one stops the poller.
func (p *poller) release() {
	pollers.Lock()
	defer pollers.Unlock()
	p.refs--
	if p.refs > 0 {
		return
	}
	if p.shared && pollers.m[p.k] == p {
		delete(pollers.m, p.k)
	}
	p.cancel()
}

func (p *poller) run(ctx context.Context, s *Store, key string, interval time.Duration, after func(time.Duration) <-chan time.Time) {
	var (
		last     *watchState
		failures int
	)
	for {
		sec, err := s.Get(ctx, key)
		if ctx.Err() != nil {
			return
		}
		st := &watchState{sec: sec, err: err, final: errors.Is(err, ErrClosed)}
		if last == nil || !sameState(last, st) {
			p.publish(st)
			last = st
		}
		if st.final {
			return
		}
		wait := interval
		if err != nil && ErrorCode(err) != NotFound {
			failures = min(failures+1, watchMaxBackoff)
			wait <<= failures
		} else {
			failures = 0
		}
		wait += time.Duration((rand.Float64()*2 - 1) * watchJitter * float64(wait))
		select {
		case <-ctx.Done():
			return
		case <-after(wait):
		}
	}
}

func (p *poller) publish(st *watchState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != nil {
		st.seq = p.state.seq
	}
	st.seq++
	p.state = st
	close(p.changed)
	p.changed = make(chan struct{})
}

// sameState: nothing a watcher must hear of: the same error code, or the
// same secret (scope, version, value).
func sameState(a, b *watchState) bool {
	if a.err != nil || b.err != nil {
		return a.err != nil && b.err != nil && ErrorCode(a.err) == ErrorCode(b.err)
	}
	return a.sec.Environment == b.sec.Environment && a.sec.Version == b.sec.Version && a.sec.Value == b.sec.Value
}
