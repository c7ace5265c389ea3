package locker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// The HTTP exchange: one request with its timeout, the official SDK's
// headers and Locker's error envelope, retried as backend.RetryPolicy says.

// do sends a request and decodes a 2xx JSON answer into out. It retries
// RateLimited and Unavailable outcomes (429, 5xx, transport failures, the
// per-request timeout) up to MaxRetries times, waiting as
// backend.RetryPolicy says (Retry-After honoured, capped at its Max). It
// never sleeps into the caller's deadline: when the wait would end after
// it, the last answer is returned at once.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	return c.retry.Do(ctx, classify, func(ctx context.Context) (time.Duration, error) {
		err := c.once(ctx, method, path, payload, out)
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.RetryAfter, err
		}
		return 0, err
	}, func(n int, code backend.Code, wait time.Duration) {
		c.log.DebugContext(ctx, "locker: retrying", "method", method, "path", redactQuery(path), "code", code.String(), "attempt", n, "wait", wait)
	})
}

func redactQuery(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

func (c *Client) once(ctx context.Context, method, path string, payload []byte, out any) error {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.id)
	req.Header.Set("User-Agent", "Locker Secret Go SDK - version "+Version+" (polysecret)")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportErr(ctx, actx, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return c.transportErr(ctx, actx, method, path, err)
	}
	c.log.DebugContext(ctx, "locker: request", "method", method, "path", redactQuery(path), "status", resp.StatusCode)
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		ae := &APIError{Status: resp.StatusCode, RetryAfter: backend.ParseRetryAfter(resp.Header)}
		var eb struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &eb) == nil {
			ae.Code, ae.Message = eb.Code, eb.Message
		} else {
			ae.Message = http.StatusText(resp.StatusCode)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		// The body holds ciphertexts at most; still, do not quote it.
		return backend.Errorf(backend.Internal, "locker: undecodable answer to %s %s", method, redactQuery(path))
	}
	return nil
}

// transportErr tells a timeout of the request (the driver's Timeout, or a
// user's http.Client.Timeout) from the caller's own context: the first is
// a retryable requestTimeout, the second stays the context's error.
func (c *Client) transportErr(ctx, actx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return err
	}
	if actx.Err() != nil {
		return &requestTimeout{method: method, path: redactQuery(path), after: c.timeout}
	}
	var ne net.Error
	if backend.ContextCode(err) != backend.Unknown || (errors.As(err, &ne) && ne.Timeout()) {
		return &requestTimeout{method: method, path: redactQuery(path)} // the http.Client's own timeout
	}
	return err
}
