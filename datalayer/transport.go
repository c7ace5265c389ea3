package datalayer

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/polysecret/secrets/backend"
)

// The HTTP exchange: one request (backend.HTTPCall: its timeout, the
// answer read, a failure without an answer) with the official clients'
// headers and the API's answer envelope, retried as backend.RetryPolicy
// says.

// exchange is one API call: what to send, where to decode the answer, and
// the strings an error message must never show (the value sent, in both
// encodings).
type exchange struct {
	method, path string
	body         any
	out          any
	redact       []string
}

// do sends the call and decodes a 2xx JSON answer into x.out. It retries
// RateLimited and Unavailable outcomes up to MaxRetries times, waiting as
// backend.RetryPolicy says (Retry-After honoured, capped at its Max), and
// never sleeps into the caller's deadline.
//
// landed reports whether an attempt of this call may have been applied by
// the server without the client seeing it succeed: its answer was lost
// (a transport failure, the request timeout) or was a 5xx from something
// in front of the server. A write that ends in a conflict (409 on a
// create, 404 on a delete) after such an attempt may be meeting itself.
func (c *Client) do(ctx context.Context, x exchange) (landed bool, err error) {
	var payload []byte
	if x.body != nil {
		if payload, err = json.Marshal(x.body); err != nil {
			return false, err
		}
	}
	err = c.conn.Do(ctx, "datalayer", x.method, x.path, classify, func(ctx context.Context) (time.Duration, error) {
		err := c.once(ctx, &x, payload)
		var ae *APIError
		switch {
		case err == nil:
		case errors.As(err, &ae):
			if ae.Status >= 500 {
				landed = true
			}
			return ae.RetryAfter, err
		case ctx.Err() == nil:
			landed = true // sent, maybe applied; the answer is lost
		}
		return 0, err
	})
	return landed, err
}

func (c *Client) once(ctx context.Context, x *exchange, payload []byte) error {
	call := backend.HTTPCall{Driver: "datalayer", Method: x.method, URL: c.base + x.path, Path: x.path,
		Body: payload, Timeout: c.conn.Timeout, Header: func(h http.Header) {
			h.Set("Authorization", "Bearer "+c.key)
			h.Set("Accept", "application/json")
			h.Set("User-Agent", "polysecret-datalayer/"+Version)
			if payload != nil {
				h.Set("Content-Type", "application/json")
			}
			if x.method == http.MethodGet {
				h.Set("Cache-Control", "no-store, no-cache, must-revalidate") // as the official client
			}
		}}
	ans, err := call.Send(ctx, c.conn.HC)
	if err != nil {
		return err
	}
	c.conn.Log.DebugContext(ctx, "datalayer: request", "method", x.method, "path", x.path, "status", ans.Status)
	if ans.Status < 200 || ans.Status > 299 {
		return &APIError{Status: ans.Status, Message: errorMessage(ans.Body, ans.Status, x.redact),
			RetryAfter: backend.ParseRetryAfter(ans.Header)}
	}
	var env struct {
		Success *bool `json:"success"`
	}
	if json.Unmarshal(ans.Body, &env) != nil {
		// Never quote the body: it may hold values.
		return backend.Errorf(backend.Internal, "datalayer: undecodable answer to %s %s", x.method, x.path)
	}
	if env.Success != nil && !*env.Success {
		return &APIError{Status: ans.Status, Message: errorMessage(ans.Body, ans.Status, x.redact)}
	}
	if x.out == nil {
		return nil
	}
	if err := json.Unmarshal(ans.Body, x.out); err != nil {
		return backend.Errorf(backend.Internal, "datalayer: undecodable answer to %s %s", x.method, x.path)
	}
	return nil
}

// maxMessage bounds the server's message kept in an APIError.
const maxMessage = 300

// errorMessage is the message of an error answer: "message", else a
// "detail" string or its "message" (as the official TypeScript client
// reads them), else the status text. What the call sent as a value is
// cut out, should the server quote it.
func errorMessage(body []byte, status int, redact []string) string {
	var e struct {
		Message *string         `json:"message"`
		Detail  json.RawMessage `json:"detail"`
	}
	msg := ""
	if json.Unmarshal(body, &e) == nil {
		switch {
		case e.Message != nil:
			msg = *e.Message
		case len(e.Detail) > 0:
			var s string
			var d struct {
				Message string `json:"message"`
			}
			if json.Unmarshal(e.Detail, &s) == nil {
				msg = s
			} else if json.Unmarshal(e.Detail, &d) == nil {
				msg = d.Message
			}
		}
	}
	msg = backend.Redact(msg, redact...)
	if msg == "" {
		msg = http.StatusText(status)
	}
	if len(msg) > maxMessage {
		msg = msg[:maxMessage]
		for !utf8.ValidString(msg) {
			msg = msg[:len(msg)-1]
		}
		msg += "…"
	}
	return msg
}
