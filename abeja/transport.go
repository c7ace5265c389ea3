package abeja

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"syscall"
	"time"

	"github.com/polysecret/secrets/backend"
)

// The HTTP exchange: one request (backend.HTTPCall: its timeout, the
// answer read, a failure without an answer) with the SDK's headers and
// ABEJA's error body, retried as backend.RetryPolicy says — and, for a
// write, knowing whether an attempt that failed may still have landed.

// request is one API call.
type request struct {
	method, path string
	query        url.Values
	body         any // JSON-encoded when not nil
	out          any // a 2xx JSON answer is decoded into it
	// landed, when set, is asked before each retry that follows an
	// attempt which may have been applied (see maybeApplied): true means
	// it was, and the call succeeds without sending again. Non-idempotent
	// writes (POST of a version) set it.
	landed func(ctx context.Context) (bool, error)
	// redact is what the request sends as a secret (the value, its
	// base64): cut out of the server's error text, should it quote it.
	redact []string
}

// do runs r, retrying RateLimited and Unavailable outcomes (429, 5xx,
// transport failures, the per-request timeout) up to MaxRetries times,
// waiting as backend.RetryPolicy says (Retry-After honoured). uncertain
// reports that some attempt failed after the request may have reached the
// server, so that a final 409 or 404 may be the caller's own earlier
// attempt.
func (c *Client) do(ctx context.Context, r *request) (uncertain bool, err error) {
	var payload []byte
	if r.body != nil {
		if payload, err = json.Marshal(r.body); err != nil {
			return false, err
		}
	}
	target := c.base + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	err = c.conn.Do(ctx, "abeja", r.method, r.path, classify, func(ctx context.Context) (time.Duration, error) {
		if uncertain && r.landed != nil {
			ok, err := r.landed(ctx)
			if err != nil {
				return 0, err
			}
			if ok {
				return 0, nil
			}
		}
		err := c.once(ctx, r.method, target, r.path, payload, r.out, r.redact)
		if maybeApplied(err) {
			uncertain = true
		}
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.RetryAfter, err
		}
		return 0, err
	})
	return uncertain, err
}

// maybeApplied reports whether a failed attempt may have been applied by
// the server: a transport failure other than a refused connection, the
// request timeout, or a 500, 502 or 504 (a 429 or 503 is a refusal).
func maybeApplied(err error) bool {
	if err == nil {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Status == 500 || ae.Status == 502 || ae.Status == 504
	}
	return !errors.Is(err, syscall.ECONNREFUSED)
}

func (c *Client) once(ctx context.Context, method, target, path string, payload []byte, out any, redact []string) error {
	call := backend.HTTPCall{Driver: "abeja", Method: method, URL: target, Path: path,
		Body: payload, Timeout: c.conn.Timeout, Header: func(h http.Header) {
			h.Set("Authorization", c.auth)
			h.Set("User-Agent", "polysecret-abeja/"+Version)
			h.Set("Accept", "application/json")
			if payload != nil {
				h.Set("Content-Type", "application/json")
			}
		}}
	ans, err := call.Send(ctx, c.conn.HC)
	if err != nil {
		return err
	}
	c.conn.Log.DebugContext(ctx, "abeja: request", "method", method, "path", path, "status", ans.Status)
	if ans.Status < 200 || ans.Status > 299 {
		ae := parseAPIError(ans.Status, ans.Header, ans.Body)
		ae.Description = backend.Redact(ae.Description, redact...)
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(ans.Body, out); err != nil {
		// The body may hold values: never quote it.
		return backend.Errorf(backend.Internal, "abeja: undecodable answer to %s %s", method, path)
	}
	return nil
}
