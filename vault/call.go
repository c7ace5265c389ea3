package vault

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is how the driver talks to Vault: every request goes through
// try (one attempt, with the per-request timeout) and, unless it is a
// check-and-set write, through do (the retry loop). The api client itself
// never retries and has no timeout of its own (see newDriver).

// retryAfterKey keys the *atomic.Int64 in a request's context where
// retryAfterTransport leaves the reply's Retry-After.
type retryAfterKey struct{}

// retryAfterTransport records the Retry-After of each reply for the attempt
// that made the request; the api client does not expose reply headers on
// errors.
type retryAfterTransport struct{ next http.RoundTripper }

func (t retryAfterTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if resp != nil {
		if h, ok := r.Context().Value(retryAfterKey{}).(*atomic.Int64); ok {
			h.Store(int64(backend.ParseRetryAfter(resp.Header)))
		}
	}
	return resp, err
}

func (t retryAfterTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// neverRetry is the api client's CheckRetry: the driver retries by itself.
func neverRetry(context.Context, *http.Response, error) (bool, error) { return false, nil }

// timeoutError is an attempt that got no answer within the per-request
// timeout while the caller's context was still alive: Unavailable, retried.
type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string {
	return "vault: no answer within " + e.after.String() + ": " + e.err.Error()
}
func (e *timeoutError) Unwrap() error { return e.err }

// try makes one attempt of op with the per-request timeout and returns the
// server's Retry-After, if any.
func (d *driver) try(ctx context.Context, op func(ctx context.Context, kv *api.KVv2) error) (time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	var ra atomic.Int64
	err := op(context.WithValue(actx, retryAfterKey{}, &ra), d.kv)
	if err != nil && ctx.Err() == nil && (actx.Err() != nil || backend.ContextCode(err) != backend.Unknown) {
		// The caller's context is alive: our own timeout (or one of the
		// user's http.Client) ran out.
		err = &timeoutError{after: d.timeout, err: err}
	}
	return time.Duration(ra.Load()), err
}

// pause waits before retry number n (1-based) after err, honouring the
// server's Retry-After; false when the caller's context ends first (then
// the retry loop returns the last error at once rather than sleep in vain).
func (d *driver) pause(ctx context.Context, n int, retryAfter time.Duration) bool {
	wait := backend.RetryPolicy{}.Delay(n, retryAfter)
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
		return false
	}
	return backend.Sleep(ctx, wait) == nil
}

// do runs an idempotent request: retried while it fails with RateLimited or
// Unavailable (per-request timeouts included), at most maxRetries times,
// with backoff. A 403 is refined into Unauthenticated when the token itself
// is refused (see refine).
func (d *driver) do(ctx context.Context, op func(ctx context.Context, kv *api.KVv2) error) error {
	err := d.retry(ctx, op)
	return d.refine(ctx, err)
}

func (d *driver) retry(ctx context.Context, op func(ctx context.Context, kv *api.KVv2) error) error {
	return backend.RetryPolicy{MaxRetries: d.maxRetries}.Do(ctx, classify,
		func(ctx context.Context) (time.Duration, error) { return d.try(ctx, op) }, nil)
}

// refine tells a refused token from a refused path: Vault answers 403 for
// both, so after a 403 the driver looks its own token up; if that is
// refused too, the token is not valid (Unauthenticated). Message text is
// never read.
func (d *driver) refine(ctx context.Context, err error) error {
	if !isStatus(err, http.StatusForbidden) || ctx.Err() != nil {
		return err
	}
	tok := d.sessionToken()
	if isStatus(d.lookupSelf(ctx), http.StatusForbidden) {
		d.tokenRefused(tok)
		return backend.Errorf(backend.Unauthenticated, "vault: the token is not accepted (its self-lookup is refused too): %w", err)
	}
	return err
}

// sessionToken is the token the login session holds ("" without one),
// read before a self-lookup so that a refusal names the token refused.
func (d *driver) sessionToken() string {
	if d.sess == nil {
		return ""
	}
	return d.sess.current()
}

// tokenRefused tells the login session, if any, that Vault refused tok:
// unless a new login already replaced it, the session logs in again at
// once.
func (d *driver) tokenRefused(tok string) {
	if d.sess != nil {
		d.sess.refused(tok)
	}
}

// lookupSelf looks the driver's token up (auth/token/lookup-self), with
// retries: a 403 means the token itself is not valid.
func (d *driver) lookupSelf(ctx context.Context) error {
	return d.retry(ctx, func(ctx context.Context, _ *api.KVv2) error {
		_, err := d.c.Auth().Token().LookupSelfWithContext(ctx)
		return err
	})
}

// ambiguous reports whether a failed write may nevertheless have landed:
// anything but a definite answer of Vault (a 4xx).
func ambiguous(err error) bool {
	var re *api.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode >= 500
	}
	return true
}

func isStatus(err error, codes ...int) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && slices.Contains(codes, re.StatusCode)
}

// statusCodes maps Vault's HTTP status codes to codes. Vault's error type is
// its status; messages are never read.
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	405: backend.Unimplemented,
	412: backend.FailedPrecondition,
	429: backend.RateLimited,
	500: backend.Internal,
	502: backend.Unavailable,
	503: backend.Unavailable, // sealed, standby
	504: backend.Unavailable,
}

func classify(err error) backend.Code {
	if err == nil {
		return backend.Unknown
	}
	var be *backend.Error
	if errors.As(err, &be) {
		return be.Code
	}
	var te *timeoutError
	if errors.As(err, &te) {
		return backend.Unavailable
	}
	if errors.Is(err, api.ErrSecretNotFound) {
		return backend.NotFound
	}
	if c := backend.ContextCode(err); c != backend.Unknown {
		return c
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		if c, ok := statusCodes[re.StatusCode]; ok {
			return c
		}
		if re.StatusCode >= 500 {
			return backend.Unavailable
		}
		return backend.Unknown
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return backend.Unavailable
	}
	return backend.Unknown
}
