package secrets_test

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
)

// ticker replaces Watch's wait: a poll happens when the test sends a tick;
// the intervals asked for are recorded.
type ticker struct {
	ticks chan time.Time
	waits chan time.Duration
}

func newTicker(t *testing.T) *ticker {
	tk := &ticker{ticks: make(chan time.Time), waits: make(chan time.Duration, 1000)}
	t.Cleanup(secrets.SetWatchAfter(func(d time.Duration) <-chan time.Time {
		tk.waits <- d
		return tk.ticks
	}))
	return tk
}

// tick lets the poller poll once more and returns once that poll is over,
// with the wait the poller asks for next.
func (tk *ticker) tick() time.Duration {
	tk.ticks <- time.Time{}
	return <-tk.waits
}

// event is what a watcher saw, as a comparable string.
func event(s *secrets.Secret, err error) string {
	if err != nil {
		return "error " + secrets.ErrorCode(err).String()
	}
	return s.Environment + "/" + s.Key + "=" + s.Value
}

// TestWatch: N watchers of one key share one poller (one Get per tick,
// whatever N); each yields the secret first, then each change, each
// distinct error once, NotFound included; after an error the interval
// backs off.
func TestWatch(t *testing.T) {
	const n = 8
	const interval = 10 * time.Second
	tk := newTicker(t)
	ctx := context.Background()
	inj := faultinject.New() // counts the Gets too
	db := memory.NewDB()
	drv := backend.Intercept(db.Driver(), memory.Scheme, inj.Interceptor())
	st := secrets.NewStore(drv, secrets.StoreOptions{Scheme: memory.Scheme, WatchInterval: interval})
	direct := secrets.NewStore(db.Driver(), secrets.StoreOptions{Scheme: memory.Scheme})

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	events := make([]chan string, n)
	var wg sync.WaitGroup
	for i := range events {
		events[i] = make(chan string, 100)
		wg.Go(func() {
			defer close(events[i])
			for s, err := range st.Watch(wctx, "K") {
				events[i] <- event(s, err)
			}
		})
	}
	expect := func(step, want string) {
		t.Helper()
		for i, ch := range events {
			if got := <-ch; got != want {
				t.Errorf("%s: watcher %d saw %q, want %q", step, i, got, want)
			}
		}
	}
	put := func(v string) {
		if _, err := direct.Put(ctx, secrets.Secret{Key: "K", Value: v}); err != nil {
			t.Fatal(err)
		}
	}
	polls := 1                // the first poll needs no tick
	var waits []time.Duration // waits[i]: after poll i+1
	tick := func() { waits = append(waits, tk.tick()); polls++ }

	waits = append(waits, <-tk.waits) // after the first poll
	expect("missing", "error NotFound")
	tick() // still missing: nothing
	put("v1")
	tick()
	expect("created", "/K=v1")
	tick() // unchanged: nothing
	put("v2")
	tick()
	expect("modified", "/K=v2")
	inj.FailNext("Get", 2, secrets.Unavailable)
	tick()
	expect("backend down", "error Unavailable")
	tick() // the same error: nothing
	tick()
	expect("backend back", "/K=v2")
	if _, err := direct.Delete(ctx, "K"), error(nil); err != nil {
		t.Fatal(err)
	}
	tick()
	expect("deleted", "error NotFound")
	put("v3")
	tick()
	expect("created again", "/K=v3")

	// The waits after each poll: the interval ±10%, doubled after each
	// failure (polls 6 and 7 failed).
	for i, w := range waits {
		mult := map[int]time.Duration{6: 2, 7: 4}[i+1]
		if mult == 0 {
			mult = 1
		}
		if lo, hi := mult*interval*9/10, mult*interval*11/10; w < lo || w > hi {
			t.Errorf("wait after poll %d: %v, want %v..%v", i+1, w, lo, hi)
		}
	}
	if got := inj.Calls("Get"); got != polls {
		t.Errorf("%d watchers: %d backend Gets for %d polls, want one per poll", n, got, polls)
	}
	if p := secrets.WatchPollers(); p != 1 {
		t.Errorf("%d pollers for one key, want 1", p)
	}
	stop()
	wg.Wait()
	for i, ch := range events {
		if rest := fmt.Sprint(drain(ch)); rest != "[]" {
			t.Errorf("watcher %d saw more: %s", i, rest)
		}
	}
	for secrets.WatchPollers() != 0 { // the last watcher stops the poller
		time.Sleep(time.Millisecond)
	}
}

func drain(ch chan string) []string {
	var out []string
	for s := range ch {
		out = append(out, s)
	}
	return out
}

// TestWatchSharing: watchers share a poller per (driver, scope, key), and
// a watcher that joins late gets the current secret without a poll.
func TestWatchSharing(t *testing.T) {
	newTicker(t)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	st := memory.OpenStore()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "dev"}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"A", "B"} {
		if _, err := st.Put(ctx, secrets.Secret{Key: k, Value: k}); err != nil {
			t.Fatal(err)
		}
	}
	first := func(st *secrets.Store, key string) string {
		next, done := iterPull(st.Watch(ctx, key))
		t.Cleanup(done)
		s, err := next()
		return event(s, err)
	}
	got := []string{first(st, "A"), first(st, "A"), first(st.In("dev"), "A"), first(st, "B"), first(st.ReadOnlyView(), "A")}
	want := []string{"/A=A", "/A=A", "/A=A", "/B=B", "/A=A"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if p := secrets.WatchPollers(); p != 3 {
		t.Errorf("%d pollers, want 3: (global, A), (dev, A), (global, B)", p)
	}
}

// TestWatchClosed: closing the store ends every watcher with ErrClosed.
func TestWatchClosed(t *testing.T) {
	tk := newTicker(t)
	ctx := context.Background()
	st := memory.OpenStore()
	if _, err := st.Put(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var seen []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		for s, err := range st.Watch(ctx, "K") {
			seen = append(seen, event(s, err))
			if len(seen) == 1 {
				st.Close()
				go func() { tk.ticks <- time.Time{} }()
			}
		}
	}()
	<-done
	if diff := cmp.Diff([]string{"/K=v", "error FailedPrecondition"}, seen); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// iterPull is iter.Pull2 for the tests.
func iterPull(seq func(func(*secrets.Secret, error) bool)) (func() (*secrets.Secret, error), func()) {
	next, stop := pull2(seq)
	return func() (*secrets.Secret, error) { s, err, _ := next(); return s, err }, stop
}

func pull2(seq func(func(*secrets.Secret, error) bool)) (func() (*secrets.Secret, error, bool), func()) {
	return iter.Pull2(iter.Seq2[*secrets.Secret, error](seq))
}

// TestWatchInterval: the interval comes from the URL parameter
// watch_interval, else DefaultWatchInterval.
func TestWatchInterval(t *testing.T) {
	for _, tt := range []struct {
		url  string
		want time.Duration
	}{
		{"mem://", secrets.DefaultWatchInterval},
		{"mem://?watch_interval=5s", 5 * time.Second},
	} {
		t.Run(tt.url, func(t *testing.T) {
			tk := newTicker(t)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			st, err := secrets.OpenStore(ctx, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			next, done := iterPull(st.Watch(ctx, "K"))
			defer done()
			next()
			if w := <-tk.waits; w < tt.want*9/10 || w > tt.want*11/10 {
				t.Errorf("wait %v, want %v ±10%%", w, tt.want)
			}
		})
	}
}
