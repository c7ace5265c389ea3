package testserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestHooks: faults are used one per request in the order they were
// added; a failure answers the status through writeErr with Retry-After
// rounded up to whole seconds and does not serve; a delay then serves; a
// lost reply serves and drops the connection; OnRequest runs before any
// fault; every request is counted.
func TestHooks(t *testing.T) {
	var h Hooks
	var served, hooked atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.serve(w, r, func(w http.ResponseWriter, status int) {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, "fault")
		}, func(w http.ResponseWriter, r *http.Request) {
			served.Add(1)
			_, _ = io.WriteString(w, "ok")
		})
	}))
	defer srv.Close()
	h.OnRequest(func(*http.Request) { hooked.Add(1) })
	h.FailNext(1, 429, 1500*time.Millisecond)
	h.LoseReplyNext(1)
	h.DelayNext(1, 10*time.Millisecond)

	type answer struct {
		status     int
		body       string
		retryAfter string
		lost       bool
	}
	get := func() answer {
		resp, err := srv.Client().Post(srv.URL, "text/plain", nil) // a POST: the transport does not replay it
		if err != nil {
			return answer{lost: true}
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(b), resp.Header.Get("Retry-After"), false}
	}
	for i, want := range []answer{
		{429, "fault", "2", false},
		{lost: true},
		{200, "ok", "", false},
		{200, "ok", "", false},
	} {
		if got := get(); got != want {
			t.Errorf("request %d: %+v, want %+v", i+1, got, want)
		}
	}
	if served.Load() != 3 || hooked.Load() != 4 || h.Requests() != 4 {
		t.Errorf("served %d, hooked %d, counted %d; want 3, 4, 4", served.Load(), hooked.Load(), h.Requests())
	}
	h.OnRequest(nil)
	get()
	if hooked.Load() != 4 {
		t.Error("OnRequest(nil) did not remove the hook")
	}
}
