package drivertest

import (
	"context"
	"testing"
	"time"

	"github.com/polysecret/secrets"
)

// FaultServer is what the in-process test servers (abejatest,
// datalayertest, lockertest) offer a retry test: failing or delaying the
// next requests, and counting the requests.
type FaultServer interface {
	FailNext(n, status int, retryAfter time.Duration)
	DelayNext(n int, d time.Duration)
	Requests() int
}

// RetryCase is a row of a driver's retry table: the server fails the next
// Fails requests with Status (and Retry-After, when set) — or, with Delay,
// answers them only after Delay — and one call through a store with
// MaxRetries must end with Want (-1: success) after Requests requests.
type RetryCase struct {
	Name       string
	Fails      int
	Status     int
	RetryAfter time.Duration
	Delay      time.Duration // delay the Fails requests instead of failing them
	MaxRetries int
	Want       secrets.Code  // -1: success
	Requests   int           // the requests the call makes
	Deadline   time.Duration // the caller's deadline; 0: none
	Within     time.Duration // how long the call may take; 0: no bound
}

// RetryTarget is one case's store, made ready by the driver's test.
type RetryTarget struct {
	Server FaultServer
	Call   func(ctx context.Context) error // the call under test
	Then   func(t *testing.T)              // if set, the driver's own checks after the call
}

// Retries runs each case as a subtest: setup opens a store with the case's
// MaxRetries (and whatever the call needs on the server); the server then
// fails the next requests as the case says, and the call must end with
// the case's code after the case's number of requests (within its bound).
func Retries(t *testing.T, cases []RetryCase, setup func(t *testing.T, tc RetryCase) RetryTarget) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			tg := setup(t, tc)
			ctx := context.Background()
			if tc.Deadline > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.Deadline)
				defer cancel()
			}
			if tc.Delay > 0 {
				tg.Server.DelayNext(tc.Fails, tc.Delay)
			} else {
				tg.Server.FailNext(tc.Fails, tc.Status, tc.RetryAfter)
			}
			before, start := tg.Server.Requests(), time.Now()
			err := tg.Call(ctx)
			if (tc.Want == -1) != (err == nil) || err != nil && secrets.ErrorCode(err) != tc.Want {
				t.Fatalf("%v, want %v", err, tc.Want)
			}
			if got := tg.Server.Requests() - before; got != tc.Requests {
				t.Errorf("%d requests, want %d", got, tc.Requests)
			}
			if d := time.Since(start); tc.Within > 0 && d > tc.Within {
				t.Errorf("took %v, want under %v", d, tc.Within)
			}
			if tg.Then != nil {
				tg.Then(t)
			}
		})
	}
}

// RetryPolicy returns, as cases for Retries with max_retries 2, the retry
// policy that every HTTP driver takes from package backend: 503 and 502
// answers and a 429 with Retry-After are ridden out; 429 and 503 beyond
// max_retries end RateLimited and Unavailable after max_retries+1
// requests. A driver's test appends its own cases.
func RetryPolicy() []RetryCase {
	return []RetryCase{
		{Name: "503 twice", Fails: 2, Status: 503, MaxRetries: 2, Want: -1, Requests: 3},
		{Name: "502 once", Fails: 1, Status: 502, MaxRetries: 2, Want: -1, Requests: 2},
		{Name: "429 once, Retry-After 1s", Fails: 1, Status: 429, RetryAfter: time.Second, MaxRetries: 2, Want: -1, Requests: 2},
		{Name: "429 beyond max_retries", Fails: 3, Status: 429, MaxRetries: 2, Want: secrets.RateLimited, Requests: 3},
		{Name: "503 beyond max_retries", Fails: 3, Status: 503, MaxRetries: 2, Want: secrets.Unavailable, Requests: 3},
	}
}
