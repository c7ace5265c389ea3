package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// One HTTP exchange of a driver that makes its own requests (locker,
// abeja, datalayer, rest): the per-request timeout, the answer read, and
// the classification of what failed without an answer. Each driver keeps
// its headers, its error envelope and its status table; the retry loop
// around the exchange is RetryPolicy.Do.

// MaxAnswerBody bounds the answer body HTTPCall.Send reads.
const MaxAnswerBody = 64 << 20

// HTTPCall is one request.
type HTTPCall struct {
	Driver string // names the driver in errors: "locker"
	Method string
	URL    string // the full target, query included
	// Path is what errors show of the target: never its query (which may
	// hold names) nor its host.
	Path    string
	Body    []byte              // nil: no body
	Header  func(h http.Header) // sets the driver's headers; may be nil
	Timeout time.Duration       // the request timeout (0: none but hc's own)
}

// HTTPAnswer is an HTTP answer, its body read.
type HTTPAnswer struct {
	Status int
	Header http.Header
	Body   []byte // at most MaxAnswerBody bytes
}

// Send sends the call with hc within its Timeout and reads the answer,
// whatever its status. A call that gets no answer fails with the caller's
// context error as it is when the caller's context is done, a
// *RequestTimeout when the request timeout (or hc's own Timeout) fired
// first, and a *TransportError otherwise (refused, reset, closed).
func (c *HTTPCall) Send(ctx context.Context, hc *http.Client) (*HTTPAnswer, error) {
	var rd io.Reader
	if c.Body != nil {
		rd = bytes.NewReader(c.Body)
	}
	actx, cancel := ctx, context.CancelFunc(func() {})
	if c.Timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, c.Timeout)
	}
	defer cancel()
	req, err := http.NewRequestWithContext(actx, c.Method, c.URL, rd)
	if err != nil {
		return nil, err
	}
	if c.Header != nil {
		c.Header(req.Header)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, c.noAnswer(ctx, actx, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswerBody))
	if err != nil {
		return nil, c.noAnswer(ctx, actx, err)
	}
	return &HTTPAnswer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// noAnswer tells a timeout of the request (the call's Timeout, or a
// user's http.Client.Timeout) from the caller's own context: the first is
// a retryable *RequestTimeout, the second stays the context's error.
func (c *HTTPCall) noAnswer(ctx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	if actx.Err() != nil {
		return &RequestTimeout{Driver: c.Driver, Method: c.Method, Path: c.Path, After: c.Timeout}
	}
	var ne net.Error
	if ContextCode(err) != Unknown || (errors.As(err, &ne) && ne.Timeout()) {
		return &RequestTimeout{Driver: c.Driver, Method: c.Method, Path: c.Path} // the http.Client's own timeout
	}
	return &TransportError{Driver: c.Driver, Method: c.Method, Path: c.Path, Err: err}
}

// RequestTimeout is a driver's own per-request timeout firing while the
// caller's context is still alive: a transport failure like a 503
// (retryable, Unavailable), not the caller's DeadlineExceeded. It does
// not wrap the context error, so that no classifier takes it for the
// caller's deadline.
type RequestTimeout struct {
	Driver, Method, Path string
	After                time.Duration // 0: a user's http.Client.Timeout
}

func (e *RequestTimeout) Error() string {
	if e.After == 0 {
		return fmt.Sprintf("%s: no answer to %s %s before the HTTP client's timeout", e.Driver, e.Method, e.Path)
	}
	return fmt.Sprintf("%s: no answer to %s %s within the request timeout (%v)", e.Driver, e.Method, e.Path, e.After)
}

// Timeout marks it as a timeout for net.Error-minded callers.
func (e *RequestTimeout) Timeout() bool { return true }

// TransportError is a request that got no HTTP answer, or whose answer
// broke off (refused, reset, closed): Unavailable, retried. Its message
// names the path, never the URL's query.
type TransportError struct {
	Driver, Method, Path string
	Err                  error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s: %s %s: %v", e.Driver, e.Method, e.Path, cause(e.Err))
}

func (e *TransportError) Unwrap() error { return e.Err }

// cause is err without net/http's *url.Error wrapper, whose message quotes
// the whole URL.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// HTTPCode classifies what an HTTP exchange fails with besides the API's
// own error answers: the caller's context as ContextCode says, a
// RequestTimeout, TransportError or other network error as Unavailable,
// anything else Unknown. Drivers call it after their APIError.
func HTTPCode(err error) Code {
	var rt *RequestTimeout
	var te *TransportError
	if errors.As(err, &rt) || errors.As(err, &te) {
		return Unavailable
	}
	if c := ContextCode(err); c != Unknown {
		return c
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return Unavailable
	}
	return Unknown
}

// StatusCode classifies an HTTP error status by a driver's table; a
// status the table lacks is Unavailable from 500 up (retried), else
// Unknown.
func StatusCode(table map[int]Code, status int) Code {
	if c, ok := table[status]; ok {
		return c
	}
	if status >= 500 {
		return Unavailable
	}
	return Unknown
}

// HTTPClassifier is the classifier of a driver whose error answers are of
// type E, as Classify says: a coded *Error in the chain first, then the
// caller's context, then an error answer (found with errors.As) by code,
// and anything else by HTTPCode (timeouts, transport failures).
func HTTPClassifier[E error](code func(E) Code) func(error) Code {
	answer := func(err error) Code {
		var e E
		if errors.As(err, &e) {
			return code(e)
		}
		return HTTPCode(err)
	}
	return func(err error) Code { return Classify(err, answer) }
}

// Redact cuts every non-empty string of secret out of msg (a server's
// error text that may quote what the request sent: a value, or its
// encoding on the wire), so that an error never carries secret material.
func Redact(msg string, secret ...string) string {
	for _, s := range secret {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}
