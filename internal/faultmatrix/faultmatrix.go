// Package faultmatrix is the fault matrix of issue 8 as a permanent test:
// for each of Get, Create, Modify, a field write (Modify of KEY#field), List
// with values and Delete, and each
// fault of package faultproxy between a driver and its real server, it runs
// the operation once through the proxy and checks
//
//   - the error code: 503, a server that is down or resets every request, or
//     never answers → Unavailable (never DeadlineExceeded: the caller set no
//     deadline); 429 → RateLimited; a lost reply → success (a write may
//     instead report Unavailable if it leaves the truth in the state before
//     or after the operation, never a third one);
//   - that the call returns within a bound derived from max_retries and
//     timeout (generous: a bound, not a benchmark);
//   - the number of requests the fault took (max_retries+1 for a fault
//     that is retried; one for a lost reply);
//   - the truth, read through a store that talks to the server directly:
//     no write reported as done is missing, no write is applied twice (one
//     version per Create and Modify), nothing changed where nothing was
//     done.
//
// Cells run in parallel, each on its own key and its own proxy.
package faultmatrix

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// Op is an operation of the matrix.
type Op string

// The operations, in the order of the matrix.
const (
	Get    Op = "Get"
	Create Op = "Create"
	Modify Op = "Modify"
	List   Op = "List" // with values
	Delete Op = "Delete"
	// SetField is Modify of KEY#field: the write of one field of a JSON
	// object value.
	SetField Op = "SetField"
)

// Ops are the operations of the matrix.
var Ops = []Op{Get, Create, Modify, SetField, List, Delete}

// Fault is a column of the matrix.
type Fault string

// The faults.
const (
	// Refused: the proxy's port is closed (connection refused).
	Refused Fault = "refused"
	// Down: every request of the operation's kind is answered by closing
	// the connection before any byte.
	Down Fault = "down"
	// Reset: every such request is answered by a connection reset.
	Reset Fault = "reset"
	// LostReply: the first such request reaches the server, whose answer
	// is lost (connection reset); later ones pass.
	LostReply Fault = "lost-reply"
	// RateLimited: every such request gets 429 with Retry-After: 1.
	RateLimited Fault = "429"
	// Unavailable: every such request gets 503.
	Unavailable Fault = "503"
	// Hang: no such request is ever answered.
	Hang Fault = "hang"
)

// Faults are the columns of the matrix.
var Faults = []Fault{Refused, Down, Reset, LostReply, RateLimited, Unavailable, Hang}

var proxyFault = map[Fault]faultproxy.Fault{
	Down: faultproxy.Down, Reset: faultproxy.Reset, LostReply: faultproxy.LoseReply,
	RateLimited: faultproxy.TooManyRequests, Unavailable: faultproxy.Unavailable, Hang: faultproxy.Hang,
}

// Target says how to reach one driver's real server, through the proxy and
// directly.
type Target struct {
	// Upstream is the real server's base URL, http://host:port: what the
	// proxy forwards to.
	Upstream string
	// Open opens a store whose requests go to proxyURL
	// (http://127.0.0.1:port), in the namespace of Truth, with the URL
	// parameters max_retries and timeout set to maxRetries and timeout.
	// The runner never calls Open from two goroutines at once, and no
	// other cell opens a store meanwhile, so Open may point an
	// environment variable (VAULT_ADDR, AWS_ENDPOINT_URL_SECRETS_MANAGER,
	// credentials) at the proxy for the time of an OpenStore and restore it.
	Open func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error)
	// Truth is a store on the same namespace that talks to the real server
	// directly. The runner does not close it.
	Truth *secrets.Store
	// Request says which requests of op on key the faults hit: the ones
	// that do the operation's work (the write of a write, the read of a
	// read). The operation's other requests pass.
	Request func(op Op, key string) faultproxy.Match
	// MaxRetries and Timeout are the URL parameters of the stores under
	// test (default 2 and 2s).
	MaxRetries int
	Timeout    time.Duration
	// ErrorBody, if set, gives the content type and body of the 429 and
	// 503 answers; by default they are a short HTML page, as from a load
	// balancer in front of the server (not the API's own error shape: a
	// driver must classify them by HTTP status).
	ErrorBody func(status int) (contentType, body string)
}

// Bound is how long a call of the matrix may take: every attempt may wait
// its timeout (plus a second), every retry may wait two seconds (backoff or
// Retry-After: 1), plus three seconds of slack.
func Bound(maxRetries int, timeout time.Duration) time.Duration {
	return time.Duration(maxRetries+1)*(timeout+time.Second) + time.Duration(maxRetries)*2*time.Second + 3*time.Second
}

// openMu serializes Target.Open across every Run of the process.
var openMu sync.Mutex

// Run runs the matrix against tg, one subtest per cell, named Op/Fault
// (-run selects cells as usual). Delete is left out where the driver has no
// delete, SetField where it has no field writes (Capabilities.FieldWrites). Each selected cell starts its operation before its subtest turns
// parallel, so all of them run at once whatever -parallel says (they mostly
// wait: on timeouts, backoffs, Retry-After); the subtests then check them.
func Run(t *testing.T, tg Target) {
	t.Helper()
	if tg.MaxRetries == 0 {
		tg.MaxRetries = 2
	}
	if tg.Timeout == 0 {
		tg.Timeout = 2 * time.Second
	}
	caps := tg.Truth.Capabilities()
	for _, op := range Ops {
		if op == Delete && !caps.Delete || op == SetField && !caps.FieldWrites {
			continue
		}
		for _, f := range Faults {
			t.Run(string(op)+"/"+string(f), func(t *testing.T) {
				c := &cell{tg: &tg, op: op, f: f, done: make(chan struct{})}
				go c.run()
				t.Parallel()
				<-c.done
				c.check(t)
			})
		}
	}
}

// state is what the truth says about a key.
type state struct {
	Exists   bool
	Value    string
	Versions int // -1 where the driver has no versions
}

func (tg *Target) state(key string) (state, error) {
	ctx := context.Background()
	s, err := tg.Truth.Get(ctx, key)
	switch {
	case secrets.ErrorCode(err) == secrets.NotFound:
		return state{}, nil
	case err != nil:
		return state{}, fmt.Errorf("truth: Get(%s): %w", key, err)
	}
	st := state{Exists: true, Value: s.Value, Versions: -1}
	if tg.Truth.Capabilities().Versions {
		vs, err := tg.Truth.Versions(ctx, key)
		if err != nil {
			return state{}, fmt.Errorf("truth: Versions(%s): %w", key, err)
		}
		st.Versions = len(vs)
	}
	return st, nil
}

// outcome is what the operation under test returned.
type outcome struct {
	err    error
	got    *secrets.Secret   // Get
	listed []*secrets.Secret // List
}

func do(st *secrets.Store, op Op, key string) outcome {
	ctx := context.Background() // no deadline: decision (d) of issue 8
	var o outcome
	switch op {
	case Get:
		o.got, o.err = st.Get(ctx, key)
	case Create:
		_, o.err = st.Create(ctx, secrets.Secret{Key: key, Value: "v1"})
	case Modify:
		_, o.err = st.Modify(ctx, key, secrets.Update{Value: secrets.Ptr("v2")})
	case List:
		for s, err := range st.List(ctx, secrets.ListOptions{Prefix: key, WithValues: true}) {
			if err != nil {
				o.err = err
				break
			}
			o.listed = append(o.listed, s)
		}
	case SetField:
		_, o.err = st.Modify(ctx, key+secrets.FieldSeparator+"a", secrets.Update{Value: secrets.Ptr("2")})
	case Delete:
		o.err = st.Delete(ctx, key)
	}
	return o
}

// The value of SetField's key before and after its write of field a.
const (
	fieldBefore = `{"a":"1","b":"k"}`
	fieldAfter  = `{"a":"2","b":"k"}`
)

// cell is one operation under one fault.
type cell struct {
	tg   *Target
	op   Op
	f    Fault
	done chan struct{}

	// filled in by run
	fatal         error // the cell could not run
	key           string
	before, after state
	rule          *faultproxy.Rule
	bound         time.Duration
	o             outcome
	elapsed       time.Duration
	late          bool // returned only after the proxy closed
	stuck         bool // never returned
	truth         state
}

func (c *cell) run() {
	defer close(c.done)
	tg := c.tg
	c.key = fmt.Sprintf("FM_%s_%s", c.op, c.f)
	r := tg.MaxRetries
	versioned := tg.Truth.Capabilities().Versions
	vers := func(n int) int {
		if versioned {
			return n
		}
		return -1
	}
	ctx := context.Background()

	// The state before, and the state the operation is to leave.
	c.before = state{Exists: true, Value: "v1", Versions: vers(1)}
	c.after = c.before
	switch c.op {
	case Create:
		c.before = state{}
		c.after = state{Exists: true, Value: "v1", Versions: vers(1)}
	case Modify:
		c.after = state{Exists: true, Value: "v2", Versions: vers(2)}
	case SetField:
		c.before.Value = fieldBefore
		c.after = state{Exists: true, Value: fieldAfter, Versions: vers(2)}
	case Delete:
		c.after = state{}
	}
	if c.before.Exists {
		if _, err := tg.Truth.Create(ctx, secrets.Secret{Key: c.key, Value: c.before.Value}); err != nil {
			c.fatal = fmt.Errorf("setup: Create(%s) directly: %w", c.key, err)
			return
		}
	}
	defer func() { _ = tg.Truth.Delete(ctx, c.key) }()

	p, err := faultproxy.New(tg.Upstream)
	if err != nil {
		c.fatal = err
		return
	}
	defer p.Close()
	openMu.Lock()
	st, err := tg.Open(p.URL(), r, tg.Timeout)
	openMu.Unlock()
	if err != nil {
		c.fatal = fmt.Errorf("open through the proxy (max_retries=%d, timeout=%v): %w", r, tg.Timeout, err)
		return
	}

	if c.f == Refused {
		p.Set()
		if err := p.ClosePort(); err != nil {
			c.fatal = err
			return
		}
	} else {
		c.rule = &faultproxy.Rule{Match: tg.Request(c.op, c.key), Fault: proxyFault[c.f]}
		if c.f == LostReply {
			c.rule.Times = 1
		}
		if tg.ErrorBody != nil && (c.f == RateLimited || c.f == Unavailable) {
			status := 503
			if c.f == RateLimited {
				status = 429
			}
			c.rule.ContentType, c.rule.Body = tg.ErrorBody(status)
		}
		p.Set(c.rule)
	}

	c.bound = Bound(r, tg.Timeout)
	start := time.Now()
	done := make(chan outcome, 1)
	go func() { done <- do(st, c.op, c.key) }()
	select {
	case c.o = <-done:
	case <-time.After(c.bound + 5*time.Second):
		// Let go of whatever the proxy holds, then give the call a last
		// chance to come back (it may be in a backoff).
		p.Close()
		select {
		case c.o = <-done:
			c.late = true
		case <-time.After(30 * time.Second):
			c.stuck = true
			c.elapsed = time.Since(start)
			return // st stays open: the call still uses it
		}
	}
	c.elapsed = time.Since(start)
	p.Close()
	st.Close()
	if c.truth, err = tg.state(c.key); err != nil {
		c.fatal = err
	}
}

func (c *cell) check(t *testing.T) {
	op, f, r := c.op, c.f, c.tg.MaxRetries
	if c.fatal != nil {
		t.Fatal(c.fatal)
	}
	if c.stuck {
		t.Fatalf("%s under %s: still blocked %v after the call (bound %v), even after the proxy closed", op, f, c.elapsed.Round(time.Millisecond), c.bound)
	}
	if c.late {
		t.Errorf("%s under %s: returned only after the proxy closed, %v after the call (bound %v)", op, f, c.elapsed.Round(time.Millisecond), c.bound)
	} else if c.elapsed > c.bound {
		t.Errorf("%s under %s took %v; the bound for max_retries=%d, timeout=%v is %v", op, f, c.elapsed.Round(time.Millisecond), r, c.tg.Timeout, c.bound)
	}
	o := c.o
	code := secrets.ErrorCode(o.err)

	// The request count.
	if c.rule != nil && !c.late {
		want := r + 1
		if f == LostReply {
			want = 1
		}
		if got := c.rule.Hits(); got != want {
			t.Errorf("%s under %s: the fault took %d requests, want %d (max_retries=%d); error: %v", op, f, got, want, r, o.err)
		}
	}

	if f != LostReply {
		want := secrets.Unavailable
		if f == RateLimited {
			want = secrets.RateLimited
		}
		if code != want {
			t.Errorf("%s under %s: code %v, want %v; error: %v", op, f, code, want, o.err)
		}
		// Nothing reached the server: nothing may have changed.
		if d := cmp.Diff(c.before, c.truth); d != "" {
			t.Errorf("%s under %s changed the truth though no request reached the server (-before +truth):\n%s", op, f, d)
		}
		return
	}

	// A lost reply: retries must carry the operation through. A write may
	// instead say Unavailable (it cannot tell whether it landed), leaving
	// the state before or the state after; a read has no such excuse.
	read := op == Get || op == List
	switch {
	case o.err == nil:
		if d := cmp.Diff(c.after, c.truth); d != "" {
			t.Errorf("%s under %s reported success; the truth differs (-want +truth):\n%s", op, f, d)
		}
	case code == secrets.Unavailable && !read:
		t.Logf("%s under %s: Unavailable (%v); the truth must be the state before or after", op, f, o.err)
		if cmp.Diff(c.before, c.truth) != "" && cmp.Diff(c.after, c.truth) != "" {
			t.Errorf("%s under %s: reported Unavailable and left a third state: before %+v, after %+v, truth %+v", op, f, c.before, c.after, c.truth)
		}
	default:
		t.Errorf("%s under %s: code %v, want success (the request landed, only its reply was lost); error: %v; truth %+v", op, f, code, o.err, c.truth)
	}
	switch op {
	case Get:
		if o.err == nil && o.got.Value != "v1" {
			t.Errorf("Get under %s: value %q, want %q", f, o.got.Value, "v1")
		}
	case List:
		if o.err == nil {
			type kv struct{ Key, Value string }
			var got []kv
			for _, s := range o.listed {
				got = append(got, kv{s.Key, s.Value})
			}
			if d := cmp.Diff([]kv{{c.key, "v1"}}, got); d != "" {
				t.Errorf("List under %s (-want +got):\n%s", f, d)
			}
		}
	}
}
