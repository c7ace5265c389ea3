package backend

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHTTPCallSend: an answer of any status comes back read, with the
// driver's headers and body sent; the request timeout is a RequestTimeout
// (Unavailable), the caller's deadline stays DeadlineExceeded, a refused
// connection is a TransportError (Unavailable) whose message names the
// path and never the query.
func TestHTTPCallSend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		var b strings.Builder
		_, _ = fmt.Fprintf(&b, "%s %s %s", r.Method, r.Header.Get("X-Test"), r.URL.RawQuery)
		w.Header().Set("Retry-After", "3")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(b.String()))
	}))
	defer srv.Close()
	ctx := context.Background()

	call := HTTPCall{Driver: "drv", Method: "POST", URL: srv.URL + "/x?name=secret-name", Path: "/x",
		Body: []byte("{}"), Timeout: 5 * time.Second, Header: func(h http.Header) { h.Set("X-Test", "yes") }}
	ans, err := call.Send(ctx, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if ans.Status != http.StatusTeapot || string(ans.Body) != "POST yes name=secret-name" || ParseRetryAfter(ans.Header) != 3*time.Second {
		t.Errorf("answer = %d %q %v", ans.Status, ans.Body, ans.Header)
	}

	slow := HTTPCall{Driver: "drv", Method: "GET", URL: srv.URL + "/slow", Path: "/slow", Timeout: 50 * time.Millisecond}
	_, err = slow.Send(ctx, srv.Client())
	var rt *RequestTimeout
	if !errors.As(err, &rt) || HTTPCode(err) != Unavailable || Classify(err, HTTPCode) != Unavailable {
		t.Errorf("request timeout: %v (%v)", err, HTTPCode(err))
	}
	if want := "drv: no answer to GET /slow within the request timeout (50ms)"; err == nil || err.Error() != want {
		t.Errorf("request timeout: %v, want %q", err, want)
	}

	slow.Timeout = 5 * time.Second
	dctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err = slow.Send(dctx, srv.Client()); Classify(err, HTTPCode) != DeadlineExceeded {
		t.Errorf("caller's deadline: %v (%v)", err, Classify(err, HTTPCode))
	}

	slow.Timeout = 0
	hc := &http.Client{Timeout: 50 * time.Millisecond}
	if _, err = slow.Send(ctx, hc); !errors.As(err, &rt) || rt.After != 0 {
		t.Errorf("http.Client's timeout: %v", err)
	}

	down := HTTPCall{Driver: "drv", Method: "GET", URL: "http://127.0.0.1:1/p?name=secret-name", Path: "/p", Timeout: time.Second}
	_, err = down.Send(ctx, http.DefaultClient)
	var te *TransportError
	if !errors.As(err, &te) || HTTPCode(err) != Unavailable {
		t.Errorf("refused: %v (%v)", err, HTTPCode(err))
	}
	if err != nil && (!strings.HasPrefix(err.Error(), "drv: GET /p: ") || strings.Contains(err.Error(), "secret-name")) {
		t.Errorf("refused: message %q", err)
	}
}

func TestStatusCode(t *testing.T) {
	table := map[int]Code{404: NotFound, 500: Internal}
	for status, want := range map[int]Code{404: NotFound, 500: Internal, 502: Unavailable, 599: Unavailable, 418: Unknown} {
		if got := StatusCode(table, status); got != want {
			t.Errorf("StatusCode(%d) = %v, want %v", status, got, want)
		}
	}
}

func TestHTTPCode(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{&RequestTimeout{Driver: "d", Method: "GET", Path: "/"}, Unavailable},
		{fmt.Errorf("w: %w", &TransportError{Driver: "d", Err: errors.New("reset")}), Unavailable},
		{fmt.Errorf("w: %w", context.Canceled), Canceled},
		{errors.New("other"), Unknown},
	} {
		if got := HTTPCode(tc.err); got != tc.want {
			t.Errorf("HTTPCode(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}

type answerErr struct{ status int }

func (e *answerErr) Error() string { return fmt.Sprintf("HTTP %d", e.status) }

// TestHTTPClassifier: a coded *Error wins, then the caller's context, then
// the driver's answer type by its code, then HTTPCode.
func TestHTTPClassifier(t *testing.T) {
	classify := HTTPClassifier(func(e *answerErr) Code { return StatusCode(map[int]Code{404: NotFound}, e.status) })
	for _, tc := range []struct {
		err  error
		want Code
	}{
		{fmt.Errorf("w: %w", &answerErr{404}), NotFound},
		{&answerErr{503}, Unavailable},
		{&answerErr{418}, Unknown},
		{Wrap(AlreadyExists, &answerErr{404}), AlreadyExists},
		{Errorf(Internal, "undecodable"), Internal},
		{context.DeadlineExceeded, DeadlineExceeded},
		{&RequestTimeout{Driver: "d"}, Unavailable},
		{&TransportError{Driver: "d", Err: errors.New("reset")}, Unavailable},
		{errors.New("other"), Unknown},
	} {
		if got := classify(tc.err); got != tc.want {
			t.Errorf("classify(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
