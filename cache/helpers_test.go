package cache_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
)

// fakeClock is Options.Clock for tests: it moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock { return &fakeClock{t: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// gate is an interceptor that counts the inner driver's Gets and can hold
// them until released.
type gate struct {
	gets    atomic.Int64
	held    atomic.Pointer[chan struct{}]
	entered chan struct{} // receives once per held Get, when it starts waiting
	after   atomic.Bool   // hold a Get after the backend answered, not before
}

func newGate() *gate { return &gate{entered: make(chan struct{}, 1024)} }

// hold makes the following Gets wait until release (or their context ends).
func (g *gate) hold() { ch := make(chan struct{}); g.held.Store(&ch) }

func (g *gate) release() {
	if ch := g.held.Swap(nil); ch != nil {
		close(*ch)
	}
}

func (g *gate) intercept(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
	if c.Op == "Get" {
		g.gets.Add(1)
		var err error
		if g.after.Load() {
			err = next(ctx)
		}
		if ch := g.held.Load(); ch != nil {
			g.entered <- struct{}{}
			select {
			case <-*ch:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if g.after.Load() {
			return err
		}
	}
	return next(ctx)
}

// fixture is a cached store over mem://, with a direct (uncached) store on
// the same data, a fault injector and a gate between the cache and mem://.
type fixture struct {
	store  *secrets.Store // cached
	direct *secrets.Store // the same data, no cache: "another process"
	c      *cache.Cache
	inj    *faultinject.Injector
	gate   *gate
	clock  *fakeClock
}

func newFixture(t *testing.T, o cache.Options) *fixture {
	t.Helper()
	f := &fixture{inj: faultinject.New(), gate: newGate(), clock: newClock()}
	db := memory.NewDB()
	inner := backend.Intercept(db.Driver(), memory.Scheme, f.gate.intercept)
	inner = backend.Intercept(inner, memory.Scheme, f.inj.Interceptor())
	if o.Clock == nil {
		o.Clock = f.clock.Now
	}
	f.c = cache.New(inner, o)
	f.store = secrets.NewStore(f.c, secrets.StoreOptions{Scheme: memory.Scheme})
	f.direct = secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})
	t.Cleanup(func() {
		f.gate.release()
		f.store.Close()
		f.direct.Close()
	})
	return f
}

func (f *fixture) put(t *testing.T, env, key, value string) {
	t.Helper()
	if _, err := f.direct.In(env).Put(context.Background(), secrets.Secret{Key: key, Value: value}); err != nil {
		t.Fatal(err)
	}
}

// value reads through the cache; "" and the code on error.
func (f *fixture) value(t *testing.T, env, key string) (string, secrets.Code) {
	t.Helper()
	v, err := f.store.In(env).Value(context.Background(), key)
	if err != nil {
		return "", secrets.ErrorCode(err)
	}
	return v, secrets.Unknown
}
