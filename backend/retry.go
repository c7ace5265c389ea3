package backend

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// DefaultRetryBase is the first backoff of the default policy. With
// DefaultMaxRetries retries the backoffs are about 0.2, 0.4, 0.8, 1.6 and
// 3.2 s (never below half of each): a request rides out a server restart of
// a few seconds.
const DefaultRetryBase = 200 * time.Millisecond

// RetryPolicy is the retry policy of DESIGN.md §4 for drivers that make their
// own HTTP requests: exponential backoff with full jitter, Retry-After
// honoured, a bounded number of attempts. Drivers on an SDK with its own
// retryer (Vault's client, AWS's) configure that instead.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 = none
	Base       time.Duration // first backoff (default DefaultRetryBase)
	Max        time.Duration // cap of one backoff, Retry-After included (default 20s)
}

// Delay returns how long to wait before retry number attempt (1-based);
// retryAfter, if positive, is the server's own wish and wins up to Max.
func (p RetryPolicy) Delay(attempt int, retryAfter time.Duration) time.Duration {
	base, max := p.Base, p.Max
	if base <= 0 {
		base = DefaultRetryBase
	}
	if max <= 0 {
		max = 20 * time.Second
	}
	if retryAfter > 0 {
		return min(retryAfter, max)
	}
	d := base << min(attempt-1, 16)
	if d > max || d <= 0 {
		d = max
	}
	// Full jitter, never below half the step so that a burst really backs off.
	return d/2 + rand.N(d/2+1)
}

// Do runs attempt until it succeeds, fails with a code that is not
// Retryable (as classify says, or Classify when classify is nil), or has been retried MaxRetries times,
// waiting Delay between attempts (with the Retry-After the attempt
// reports). It never sleeps into the caller's deadline: when the wait would
// end after it, the last error is returned at once. onRetry, if not nil, is
// told of each retry before its wait (for logging). The drivers that make
// their own requests (vault, locker) all retry through it.
func (p RetryPolicy) Do(ctx context.Context, classify func(error) Code,
	attempt func(ctx context.Context) (retryAfter time.Duration, err error),
	onRetry func(n int, code Code, wait time.Duration)) error {
	for n := 1; ; n++ {
		ra, err := attempt(ctx)
		if err == nil {
			return nil
		}
		code := Classify(err, nil)
		if classify != nil {
			code = classify(err) // the driver's own view: its per-request timeout is Unavailable
		}
		if n > p.MaxRetries || !code.Retryable() || ctx.Err() != nil {
			return err
		}
		wait := p.Delay(n, ra)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		if onRetry != nil {
			onRetry(n, code, wait)
		}
		if Sleep(ctx, wait) != nil {
			return err
		}
	}
}

// Sleep waits d or until ctx is done, whichever comes first.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ParseRetryAfter reads a Retry-After header (seconds or an HTTP date).
func ParseRetryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// ForEach calls fn for each index in [0, n) with at most conc calls at once,
// and returns the first error (the context passed to fn is canceled then).
// Drivers use it to fetch values one by one with bounded concurrency.
func ForEach(ctx context.Context, n, conc int, fn func(ctx context.Context, i int) error) error {
	if conc < 1 {
		conc = 1
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		sem   = make(chan struct{}, conc)
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			if first != nil {
				return first
			}
			return ctx.Err()
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		}()
	}
	wg.Wait()
	return first
}
