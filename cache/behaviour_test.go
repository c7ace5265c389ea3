package cache_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
	"github.com/polysecret/secrets/memory"
)

// TestInvalidationOnWrite: a write through the cached store is seen by the
// next read at once, without the clock moving.
func TestInvalidationOnWrite(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		write func(st *secrets.Store) error
		env   string // where to read back
		want  string // "" = NotFound
	}{
		{"Create", func(st *secrets.Store) error {
			_, err := st.Create(ctx, secrets.Secret{Key: "NEW", Value: "created"})
			return err
		}, "", "created"},
		{"Put", func(st *secrets.Store) error {
			_, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "put"})
			return err
		}, "", "put"},
		{"Modify", func(st *secrets.Store) error {
			_, err := st.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("modified")})
			return err
		}, "", "modified"},
		{"Delete", func(st *secrets.Store) error { return st.Delete(ctx, "K") }, "", ""},
		{"move: source", func(st *secrets.Store) error {
			_, err := st.Modify(ctx, "K", secrets.Update{Environment: secrets.Ptr("dev")})
			return err
		}, "", ""},
		{"move: target", func(st *secrets.Store) error {
			_, err := st.Modify(ctx, "K", secrets.Update{Environment: secrets.Ptr("dev"), Value: secrets.Ptr("moved")})
			return err
		}, "dev", "moved"},
		{"move into global", func(st *secrets.Store) error {
			_, err := st.In("dev").Modify(ctx, "DEVONLY", secrets.Update{Environment: secrets.Ptr("")})
			return err
		}, "", "devonly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, cache.Options{TTL: time.Hour})
			if _, err := f.direct.CreateEnvironment(ctx, secrets.Environment{Name: "dev"}); err != nil {
				t.Fatal(err)
			}
			f.put(t, "", "K", "old")
			f.put(t, "dev", "DEVONLY", "devonly")
			// Prime every entry the write could touch.
			for _, env := range []string{"", "dev"} {
				for _, k := range []string{"K", "NEW", "DEVONLY"} {
					f.value(t, env, k)
					f.store.In(env).Get(ctx, k)
				}
			}
			key := map[string]string{"Create": "NEW", "move into global": "DEVONLY"}[tt.name]
			if key == "" {
				key = "K"
			}
			if err := tt.write(f.store); err != nil {
				t.Fatal(err)
			}
			v, code := f.value(t, tt.env, key)
			if v != tt.want || (tt.want == "") != (code == secrets.NotFound) {
				t.Errorf("Value after %s: %q, %v; want %q", tt.name, v, code, tt.want)
			}
			sec, err := f.store.In(tt.env).Get(ctx, key)
			if tt.want == "" && secrets.ErrorCode(err) != secrets.NotFound || tt.want != "" && (err != nil || sec.Value != tt.want) {
				t.Errorf("Get after %s: %v, %v; want %q", tt.name, sec, err, tt.want)
			}
		})
	}
}

// TestInvalidationOnDeleteEnvironment: the entries of a deleted
// environment are dropped, the others kept.
func TestInvalidationOnDeleteEnvironment(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, cache.Options{TTL: time.Hour})
	if _, err := f.direct.CreateEnvironment(ctx, secrets.Environment{Name: "dev"}); err != nil {
		t.Fatal(err)
	}
	f.put(t, "", "K", "g")
	f.value(t, "dev", "K") // (dev, K) NotFound and ("", K)
	f.value(t, "dev", "X") // (dev, X) and ("", X), both NotFound
	if n := f.c.Len(); n != 4 {
		t.Fatalf("%d entries, want 4", n)
	}
	if err := f.store.DeleteEnvironment(ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	if n := f.c.Len(); n != 2 {
		t.Errorf("%d entries after DeleteEnvironment, want the 2 global ones", n)
	}
}

// TestMissInFlightDuringWrite: a miss that read the old value while a
// write went through does not store it.
func TestMissInFlightDuringWrite(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, cache.Options{TTL: time.Hour})
	f.put(t, "", "K", "old")
	f.gate.after.Store(true)
	f.gate.hold()
	done := make(chan string)
	go func() { v, _ := f.store.Value(ctx, "K"); done <- v }()
	<-f.gate.entered // the miss has read "old" from the backend
	if _, err := f.store.Put(ctx, secrets.Secret{Key: "K", Value: "new"}); err != nil {
		t.Fatal(err)
	}
	f.gate.release()
	if v := <-done; v != "old" {
		t.Errorf("the concurrent read: %q", v)
	}
	if v, _ := f.value(t, "", "K"); v != "new" {
		t.Errorf("after the write: %q, want new", v)
	}
}

// TestSingleflight: 64 concurrent misses of one key make one backend call.
func TestSingleflight(t *testing.T) {
	for _, read := range []string{"Value", "Get"} {
		t.Run(read, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t, cache.Options{TTL: time.Hour})
			f.put(t, "", "K", "v")
			f.gate.hold()
			var wg sync.WaitGroup
			errs := make(chan error, 64)
			for range 64 {
				wg.Go(func() {
					var v string
					var err error
					if read == "Value" {
						v, err = f.store.Value(ctx, "K")
					} else {
						var s *secrets.Secret
						if s, err = f.store.Get(ctx, "K"); err == nil {
							v = s.Value
						}
					}
					if err == nil && v != "v" {
						err = errors.New("wrong value " + v)
					}
					errs <- err
				})
			}
			<-f.gate.entered
			for f.c.Stats().Misses < 64 { // every reader has missed (and joins, or finds the entry)
				time.Sleep(time.Millisecond)
			}
			f.gate.release()
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
			if n := f.gate.gets.Load(); n != 1 {
				t.Errorf("%d backend Gets for 64 concurrent misses, want 1", n)
			}
		})
	}
}

// TestMissWaiterCancels: a reader whose context ends stops waiting; the
// others still get the answer.
func TestMissWaiterCancels(t *testing.T) {
	f := newFixture(t, cache.Options{TTL: time.Hour})
	f.put(t, "", "K", "v")
	f.gate.hold()
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error)
	go func() { _, err := f.store.Value(ctx, "K"); first <- err }()
	<-f.gate.entered
	second := make(chan string)
	go func() { v, _ := f.store.Value(context.Background(), "K"); second <- v }()
	cancel()
	if err := <-first; secrets.ErrorCode(err) != secrets.Canceled {
		t.Errorf("canceled reader: %v, want Canceled", err)
	}
	f.gate.release()
	if v := <-second; v != "v" {
		t.Errorf("other reader: %q", v)
	}
}

// TestStaleIfError: on Unavailable, RateLimited or DeadlineExceeded the
// last value is served for MaxStale past its TTL, and said so; other errors
// are returned; past MaxStale the error is returned.
func TestStaleIfError(t *testing.T) {
	const ttl, maxStale = time.Minute, 10 * time.Minute
	tests := []struct {
		code      secrets.Code
		after     time.Duration
		wantStale bool
	}{
		{secrets.Unavailable, ttl, true},
		{secrets.RateLimited, ttl + maxStale/2, true},
		{secrets.DeadlineExceeded, ttl + maxStale - 1, true},
		{secrets.Unavailable, ttl + maxStale, false},
		{secrets.PermissionDenied, ttl, false},
		{secrets.Internal, ttl, false},
	}
	for _, tt := range tests {
		t.Run(tt.code.String()+"/"+tt.after.String(), func(t *testing.T) {
			var told []string
			f := newFixture(t, cache.Options{TTL: ttl, MaxStale: maxStale, Jitter: noJitter, RefreshAhead: -1,
				OnStale: func(env, key string, err error) {
					told = append(told, key+":"+code(err).String())
				}})
			f.put(t, "", "K", "last")
			f.value(t, "", "K")
			f.clock.Add(tt.after)
			failures := 2 // one per read
			if tt.wantStale {
				failures = 1 // the second read is answered stale without asking (StaleRetryInterval)
			}
			f.inj.FailNext("Get", failures, tt.code)
			wantCode := tt.code
			if wantCode == secrets.DeadlineExceeded {
				wantCode = secrets.Unavailable // the driver's deadline, not the caller's
			}
			for _, read := range []string{"Value", "Get"} {
				var v string
				var err error
				if read == "Value" {
					v, err = f.store.Value(context.Background(), "K")
				} else {
					var s *secrets.Secret
					if s, err = f.store.Get(context.Background(), "K"); err == nil {
						v = s.Value
					}
				}
				switch {
				case tt.wantStale && (err != nil || v != "last"):
					t.Errorf("%s: %q, %v; want the stale value", read, v, err)
				case !tt.wantStale && secrets.ErrorCode(err) != wantCode:
					t.Errorf("%s: %q, %v; want %v", read, v, err, wantCode)
				}
			}
			wantStale := 0
			if tt.wantStale {
				wantStale = 2
			}
			if st := f.c.Stats(); st.Stale != uint64(wantStale) || len(told) != wantStale {
				t.Errorf("Stats.Stale = %d, OnStale told %v; want %d", st.Stale, told, wantStale)
			}
			// The backend back: a fresh value, once StaleRetryInterval
			// (default 5 s) has passed.
			f.put(t, "", "K", "fresh")
			f.clock.Add(cache.DefaultStaleRetry)
			if v, _ := f.value(t, "", "K"); v != "fresh" {
				t.Errorf("backend back: %q, want fresh", v)
			}
		})
	}
}

// TestRefreshAhead: a hit past RefreshAhead×TTL starts exactly one
// background refresh; the hit, and every read while the refresh waits on
// the backend, answer at once from the entry.
func TestRefreshAhead(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, cache.Options{TTL: 100 * time.Second, Jitter: noJitter, RefreshAhead: 0.8})
	f.put(t, "", "K", "old")
	f.value(t, "", "K")
	f.put(t, "", "K", "new")
	f.clock.Add(79 * time.Second)
	f.value(t, "", "K")
	if st := f.c.Stats(); st.Refreshes != 0 {
		t.Fatalf("refresh before the threshold: %+v", st)
	}
	f.clock.Add(time.Second)
	f.gate.hold() // the backend does not answer until released
	for range 100 {
		if v, err := f.store.Value(ctx, "K"); err != nil || v != "old" {
			t.Fatalf("read during the refresh: %q, %v", v, err)
		}
	}
	<-f.gate.entered // the refresh is at the backend
	if st := f.c.Stats(); st.Refreshes != 1 || st.InnerCalls != 2 || st.Hits != 101 {
		t.Errorf("Stats %+v: want 1 refresh, 2 inner calls, 101 hits", st)
	}
	f.gate.release()
	for {
		if v, _ := f.value(t, "", "K"); v == "new" {
			break
		}
		time.Sleep(time.Millisecond) // until the refresh lands; no bound asserted
	}
	if st := f.c.Stats(); st.Refreshes != 1 || st.InnerCalls != 2 {
		t.Errorf("Stats %+v: want 1 refresh, 2 inner calls", st)
	}
}

// TestCloseStopsRefresh: Close cancels a refresh in flight and waits for
// it.
func TestCloseStopsRefresh(t *testing.T) {
	inner := newGate()
	clock := newClock()
	db := memory.NewDB()
	c := cache.New(backend.Intercept(db.Driver(), "mem", inner.intercept), cache.Options{TTL: 100 * time.Second, Clock: clock.Now})
	st := secrets.NewStore(c, secrets.StoreOptions{Scheme: "mem"})
	ctx := context.Background()
	if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	st.Value(ctx, "K")
	clock.Add(90 * time.Second)
	inner.hold()
	st.Value(ctx, "K")
	<-inner.entered
	if err := st.Close(); err != nil { // returns only once the refresh has ended
		t.Fatal(err)
	}
	if s := c.Stats(); s.Refreshes != 1 {
		t.Errorf("%+v", s)
	}
}

// plain is a driver with none of the optional interfaces.
type plain struct{ backend.Driver }

// TestOptionalInterfaces: the cache answers ErrSkip where its inner driver
// lacks an optional interface, and passes through where it has one.
func TestOptionalInterfaces(t *testing.T) {
	ctx := context.Background()
	full := cache.New(memory.NewDB().Driver(), cache.Options{})
	bare := cache.New(plain{memory.NewDB().Driver()}, cache.Options{})
	tests := []struct {
		name string
		call func(c *cache.Cache) error
	}{
		{"Ping", func(c *cache.Cache) error { return c.Ping(ctx) }},
		{"Put", func(c *cache.Cache) error {
			_, err := c.Put(ctx, &backend.Secret{Key: "K", Value: "v"})
			return err
		}},
		{"Values", func(c *cache.Cache) error { _, err := c.Values(ctx, "", []string{"K"}); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.call(full); err != nil {
				t.Errorf("over mem: %v", err)
			}
			if err := tt.call(bare); !errors.Is(err, backend.ErrSkip) {
				t.Errorf("over a driver without it: %v, want ErrSkip", err)
			}
		})
	}
	// Value works over both, from the cache.
	for _, c := range []*cache.Cache{full, bare} {
		st := secrets.NewStore(c, secrets.StoreOptions{Scheme: "mem"})
		if _, err := st.Create(ctx, secrets.Secret{Key: "V", Value: "x"}); err != nil {
			t.Fatal(err)
		}
		if v, err := st.Value(ctx, "V"); err != nil || v != "x" {
			t.Errorf("Value: %q, %v", v, err)
		}
		var got *cache.Cache
		if !st.With(func(ctx context.Context, c *backend.Call, next func(context.Context) error) error { return next(ctx) }).As(&got) || got != c {
			t.Errorf("As(**cache.Cache) through a middleware: %v", got)
		}
		st.Close()
	}
}

// TestStaleRetryInterval: while an entry is served stale, the backend is
// asked again at most once per StaleRetryInterval; the reads in between
// answer stale at once.
func TestStaleRetryInterval(t *testing.T) {
	var told []string
	f := newFixture(t, cache.Options{TTL: time.Minute, MaxStale: time.Hour, StaleRetryInterval: 10 * time.Second,
		Jitter: noJitter, RefreshAhead: -1, OnStale: func(env, key string, err error) { told = append(told, code(err).String()) }})
	f.put(t, "", "K", "old")
	f.value(t, "", "K")
	f.put(t, "", "K", "new")
	f.clock.Add(time.Minute)
	f.inj.FailNext("Get", 1, secrets.Unavailable)
	steps := []struct {
		advance   time.Duration
		want      string
		wantCalls int // backend Gets since the fill
	}{
		{0, "old", 1},                 // asks, fails: stale
		{5 * time.Second, "old", 1},   // within the retry interval: stale, no call
		{5*time.Second - 1, "old", 1}, // still within
		{1, "new", 2},                 // asks again: the backend is back
		{30 * time.Second, "new", 2},  // a fresh entry
	}
	before := f.inj.Calls("Get")
	for i, s := range steps {
		f.clock.Add(s.advance)
		if v, code := f.value(t, "", "K"); v != s.want {
			t.Errorf("step %d: %q, %v; want %q", i, v, code, s.want)
		}
		if n := f.inj.Calls("Get") - before; n != s.wantCalls {
			t.Errorf("step %d: %d backend Gets, want %d", i, n, s.wantCalls)
		}
	}
	if diff := cmp.Diff([]string{"Unavailable", "Unavailable", "Unavailable"}, told); diff != "" {
		t.Errorf("OnStale (-want +got):\n%s", diff)
	}
	if st := f.c.Stats(); st.Stale != 3 {
		t.Errorf("Stats.Stale = %d, want 3", st.Stale)
	}
}
