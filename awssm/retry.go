package awssm

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"

	"github.com/polysecret/secrets/backend"
)

// Requests, timeouts and retries (DESIGN.md §4, issue 8 decisions d–f):
//
//   - Every attempt of every request has its own timeout (attemptTimeout,
//     a middleware right after the SDK's retry middleware, so that the
//     retries are outside it). An attempt that runs out of it while the
//     caller's context is alive is a *timeoutError: Unavailable, and retried
//     like a 503.
//   - The URL's retryer is the SDK's standard retryer with max_retries+1
//     attempts, no client-side retry quota (so that max_retries is what
//     happens), and backend.RetryPolicy's backoff, as every driver.
//   - Both the URL's retryer and a client's own (Options) are wrapped by
//     retryer: a Retry-After header wins over the backoff (capped at
//     backend.RetryPolicy's Max), and an answer that is not AWS's JSON with
//     status 429 or 5xx is retried (the SDK does not retry a 429 without an
//     error code).
//
// The SDK sleeps between attempts with the caller's context: no retry sleeps
// past it.

// DefaultTimeout is the per-request timeout when neither the URL's timeout
// parameter nor Options.Timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// timeoutError is an attempt that got no (complete) answer within the
// per-request timeout. It does not wrap the context error: the caller's
// context did not end, so it is not DeadlineExceeded but Unavailable.
type timeoutError struct {
	d     time.Duration
	cause error
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("no answer within the per-request timeout of %v (%v)", e.d, e.cause)
}

// Timeout and RetryableError make the SDK's retryers retry it.
func (e *timeoutError) Timeout() bool        { return true }
func (e *timeoutError) RetryableError() bool { return true }

// attemptTimeout bounds one attempt (request sent, answer read and decoded).
type attemptTimeout struct{ d time.Duration }

func (attemptTimeout) ID() string { return "PolysecretAttemptTimeout" }

func (m attemptTimeout) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error) {
	actx, cancel := context.WithTimeout(ctx, m.d)
	defer cancel()
	out, md, err := next.HandleFinalize(actx, in)
	if err != nil && ctx.Err() == nil && actx.Err() != nil {
		err = &timeoutError{d: m.d, cause: err}
	}
	return out, md, err
}

// withAttemptTimeout adds attemptTimeout to a client's stack (d > 0).
func withAttemptTimeout(d time.Duration) func(*middleware.Stack) error {
	return func(s *middleware.Stack) error {
		return s.Finalize.Insert(attemptTimeout{d}, "Retry", middleware.After)
	}
}

// newRetryer is the retryer of a client built from a URL.
func newRetryer(maxRetries int) aws.Retryer {
	policy := backend.RetryPolicy{MaxRetries: maxRetries}
	return retryer{retry.NewStandard(func(o *retry.StandardOptions) {
		o.MaxAttempts = maxRetries + 1
		o.RateLimiter = ratelimit.None
		o.Backoff = retry.BackoffDelayerFunc(func(attempt int, _ error) (time.Duration, error) {
			return policy.Delay(attempt, 0), nil
		})
	})}
}

// retryer adds Retry-After and the retry of non-JSON 429/5xx answers to a
// retryer (the driver's own, or the one of the client given in Options).
type retryer struct{ aws.Retryer }

func (r retryer) IsErrorRetryable(err error) bool {
	return r.Retryer.IsErrorRetryable(err) || retryableStatus(err)
}

func (r retryer) RetryDelay(attempt int, err error) (time.Duration, error) {
	if ra := retryAfter(err); ra > 0 {
		return backend.RetryPolicy{}.Delay(attempt, ra), nil
	}
	return r.Retryer.RetryDelay(attempt, err)
}

// GetAttemptToken keeps the wrapped retryer's RetryerV2 behaviour.
func (r retryer) GetAttemptToken(ctx context.Context) (func(error) error, error) {
	if v2, ok := r.Retryer.(aws.RetryerV2); ok {
		return v2.GetAttemptToken(ctx)
	}
	return r.Retryer.GetInitialToken(), nil // the SDK's own fallback for a Retryer that is not a RetryerV2
}

// retryAfter reads the Retry-After header of the answer that failed.
func retryAfter(err error) time.Duration {
	if r := httpResponse(err); r != nil {
		return backend.ParseRetryAfter(r.Header)
	}
	return 0
}

// retryableStatus: an answer without an AWS error code (a proxy's HTML, an
// empty body) whose HTTP status says "try again".
func retryableStatus(err error) bool {
	if apiErrorCode(err) != "" {
		return false
	}
	status := 0
	if r := httpResponse(err); r != nil {
		status = r.StatusCode
	}
	return status == 429 || status == 408 || status >= 500 && status <= 599
}
