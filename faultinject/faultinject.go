// Package faultinject is a middleware for application tests: it makes the
// driver calls of a Store fail with a chosen code, adds latency to them and
// counts them, so that an application can test its own handling of
// Unavailable, RateLimited or a slow backend on mem:// without writing a
// driver.
//
//	store := memory.OpenStore()
//	inj := faultinject.New()
//	store = store.With(inj.Interceptor())
//
//	inj.FailNext("Get", 2, secrets.Unavailable) // the next two Gets fail
//	v, err := app.LoadConfig(ctx, store)        // retries, succeeds the third time
//	if n := inj.Calls("Get"); n != 3 { … }
//
//	inj.Delay("", time.Second) // every call takes a second (or until ctx ends)
//
// Operations are named as in backend.Call.Op, after the driver's methods:
// Get, Create, Modify, Delete, ListPage, Versions, Ping, Put, Values,
// ListEnvironments, GetEnvironment, CreateEnvironment, ModifyEnvironment and
// DeleteEnvironment; "" means any operation. They count driver calls, not
// Store calls: a Get in an environment that lacks the key and falls back to
// the global secret is two driver Gets, a Create in an environment is a
// Create and a GetEnvironment (the portable layer's check that the
// environment still exists), and a Ping on a driver without a Ping of its
// own (mem://) is a ListEnvironments.
//
// An injected failure is a *backend.Error of the chosen code, returned
// without calling the driver: the application sees a *secrets.Error with
// that code, and errors.Is(err, secrets.ErrUnavailable) and
// secrets.ErrorCode work as with a real backend. As for a real driver,
// Canceled and DeadlineExceeded injected while the caller's context is still
// alive reach the caller as Unavailable (a driver's own timeout, which a
// caller may retry); to test a real deadline, use Delay with a context that
// ends first.
//
// An Injector is safe for concurrent use and may be shared by several
// Stores.
package faultinject

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Ops lists the operation names an Injector accepts (besides "", any
// operation): the methods of a driver, as in backend.Call.Op.
var Ops = []string{"Get", "Create", "Modify", "Delete", "ListPage", "Versions", "Ping", "Put", "Values", "SetField",
	"ListEnvironments", "GetEnvironment", "CreateEnvironment", "ModifyEnvironment", "DeleteEnvironment"}

// Injector holds the faults to inject and counts calls. The zero value is
// not usable; make one with [New].
type Injector struct {
	mu     sync.Mutex
	fail   map[string][]secrets.Code // per op ("" = any), in order
	delay  map[string]time.Duration  // per op ("" = any)
	calls  map[string]int            // per op
	total  int
	failed int
}

// New returns an Injector with no faults.
func New() *Injector {
	return &Injector{fail: map[string][]secrets.Code{}, delay: map[string]time.Duration{}, calls: map[string]int{}}
}

func checkOp(op string) {
	if op != "" && !slices.Contains(Ops, op) {
		panic(fmt.Sprintf("faultinject: unknown operation %q (want one of %v, or \"\" for any)", op, Ops))
	}
}

// FailNext makes the next n calls of op ("" = any operation) fail with
// code, without calling the driver. Calls add up: FailNext("Get", 1,
// Unavailable) then FailNext("Get", 1, RateLimited) fails the next Get with
// Unavailable and the one after with RateLimited. A call of an operation
// with faults of its own takes those first, then the faults for any
// operation. It panics on an unknown operation name.
func (inj *Injector) FailNext(op string, n int, code secrets.Code) {
	checkOp(op)
	inj.mu.Lock()
	defer inj.mu.Unlock()
	for range n {
		inj.fail[op] = append(inj.fail[op], code)
	}
}

// Delay makes every call of op ("" = any operation) take at least d before
// it goes on (to the driver or to an injected failure), until Delay is
// called again for op or Reset; d <= 0 removes the delay. A delay for the
// operation itself replaces the one for any operation. If the call's
// context ends first, the call returns the context's error without calling
// the driver. It panics on an unknown operation name.
func (inj *Injector) Delay(op string, d time.Duration) {
	checkOp(op)
	inj.mu.Lock()
	defer inj.mu.Unlock()
	if d <= 0 {
		delete(inj.delay, op)
		return
	}
	inj.delay[op] = d
}

// Calls returns how many calls of op ("" = all operations) reached the
// Injector since New or Reset, failed ones included.
func (inj *Injector) Calls(op string) int {
	checkOp(op)
	inj.mu.Lock()
	defer inj.mu.Unlock()
	if op == "" {
		return inj.total
	}
	return inj.calls[op]
}

// Injected returns how many calls failed with an injected code since New or
// Reset.
func (inj *Injector) Injected() int {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	return inj.failed
}

// Reset removes every fault and delay and sets the counts to zero.
func (inj *Injector) Reset() {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	clear(inj.fail)
	clear(inj.delay)
	clear(inj.calls)
	inj.total, inj.failed = 0, 0
}

// next counts a call of op and returns its delay and whether (and with
// which code) it fails.
func (inj *Injector) next(op string) (d time.Duration, code secrets.Code, fail bool) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.calls[op]++
	inj.total++
	d, ok := inj.delay[op]
	if !ok {
		d = inj.delay[""]
	}
	for _, k := range []string{op, ""} {
		if q := inj.fail[k]; len(q) > 0 {
			code, inj.fail[k] = q[0], q[1:]
			inj.failed++
			return d, code, true
		}
	}
	return d, 0, false
}

// Interceptor returns the middleware, for [secrets.Store.With].
func (inj *Injector) Interceptor() backend.Interceptor {
	return func(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
		d, code, fail := inj.next(c.Op)
		if d > 0 {
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		}
		if fail {
			return &backend.Error{Code: code, Msg: "faultinject: injected " + code.String() + " in " + c.Op}
		}
		err := next(ctx)
		if errors.Is(err, backend.ErrSkip) {
			// Not a call: the driver under this middleware lacks the
			// optional operation, and the portable layer falls back.
			inj.uncount(c.Op)
		}
		return err
	}
}

func (inj *Injector) uncount(op string) {
	inj.mu.Lock()
	defer inj.mu.Unlock()
	inj.calls[op]--
	inj.total--
}
