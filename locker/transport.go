package locker

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// The HTTP exchange: one request (backend.HTTPCall: its timeout, the
// answer read, a failure without an answer) with the official SDK's
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
	return c.conn.Do(ctx, "locker", method, redactQuery(path), classify, func(ctx context.Context) (time.Duration, error) {
		err := c.once(ctx, method, path, payload, out)
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.RetryAfter, err
		}
		return 0, err
	})
}

func redactQuery(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

func (c *Client) once(ctx context.Context, method, path string, payload []byte, out any) error {
	call := backend.HTTPCall{Driver: "locker", Method: method, URL: c.base + path, Path: redactQuery(path),
		Body: payload, Timeout: c.conn.Timeout, Header: func(h http.Header) {
			h.Set("Authorization", "Bearer "+c.id)
			h.Set("User-Agent", "Locker Secret Go SDK - version "+Version+" (polysecret)")
			h.Set("Cache-Control", "no-cache")
			h.Set("Content-Type", "application/json")
			for k, v := range c.headers {
				h.Set(k, v)
			}
		}}
	ans, err := call.Send(ctx, c.conn.HC)
	if err != nil {
		return err
	}
	c.conn.Log.DebugContext(ctx, "locker: request", "method", method, "path", redactQuery(path), "status", ans.Status)
	if ans.Status != 200 && ans.Status != 201 {
		ae := &APIError{Status: ans.Status, RetryAfter: backend.ParseRetryAfter(ans.Header)}
		var eb struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(ans.Body, &eb) == nil {
			ae.Code, ae.Message = eb.Code, eb.Message
		} else {
			ae.Message = http.StatusText(ans.Status)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(ans.Body, out); err != nil {
		// The body holds ciphertexts at most; still, do not quote it.
		return backend.Errorf(backend.Internal, "locker: undecodable answer to %s %s", method, redactQuery(path))
	}
	return nil
}
