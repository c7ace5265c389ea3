package testserver

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Faults: a queue of faults the next requests meet instead of (or after)
// their normal handling — error statuses, delays, lost replies —, a hook
// at the start of every request, and a request counter.

// Hooks is one server's fault queue, request hook and counter; a Server
// embeds it, so that FailNext, DelayNext, LoseReplyNext, OnRequest and
// Requests are methods of every test server. The zero value is ready; it
// is safe for concurrent use.
type Hooks struct {
	requests  atomic.Int64
	onRequest atomic.Pointer[func(*http.Request)]
	mu        sync.Mutex
	queue     []fault
}

type fault struct {
	status     int
	retryAfter time.Duration
	delay      time.Duration
	loseReply  bool // do the request, then drop the connection without an answer
}

// FailNext makes the next n requests answer status (with Retry-After, in
// whole seconds rounded up, when retryAfter > 0) without doing anything.
func (h *Hooks) FailNext(n, status int, retryAfter time.Duration) {
	h.add(n, fault{status: status, retryAfter: retryAfter})
}

// DelayNext delays the next n requests by d (or until the client gives
// up), then serves them normally.
func (h *Hooks) DelayNext(n int, d time.Duration) { h.add(n, fault{delay: d}) }

// LoseReplyNext makes the next n requests do their work (a write lands)
// and then close the connection without an answer, as a reply lost on the
// network. Faults of every kind share one queue and are used one per
// request, in the order they were added.
func (h *Hooks) LoseReplyNext(n int) { h.add(n, fault{loseReply: true}) }

func (h *Hooks) add(n int, f fault) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for range n {
		h.queue = append(h.queue, f)
	}
}

// OnRequest calls f at the start of every request, before any fault (and
// before the server takes its lock): f may change the server's state to
// play a concurrent writer at an exact point of a client's request
// sequence. nil removes it.
func (h *Hooks) OnRequest(f func(r *http.Request)) {
	if f == nil {
		h.onRequest.Store(nil)
		return
	}
	h.onRequest.Store(&f)
}

// Requests counts the requests received (faulted ones included).
func (h *Hooks) Requests() int { return int(h.requests.Load()) }

// serve counts the request, calls the OnRequest hook, and applies the
// next queued fault, if any: a delay (then serve, unless the client gave
// up), a failure (Retry-After set, then writeErr answers status in the
// server's protocol), or a lost reply (serve into a discarded recorder,
// then the connection closes with no answer). Without a fault, serve
// answers.
func (h *Hooks) serve(w http.ResponseWriter, r *http.Request, writeErr func(w http.ResponseWriter, status int), serve http.HandlerFunc) {
	h.requests.Add(1)
	if f := h.onRequest.Load(); f != nil {
		(*f)(r)
	}
	h.mu.Lock()
	var f *fault
	if len(h.queue) > 0 {
		f = &h.queue[0]
		h.queue = h.queue[1:]
	}
	h.mu.Unlock()
	if f == nil {
		serve(w, r)
		return
	}
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case f.status != 0:
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		writeErr(w, f.status)
	case f.loseReply:
		serve(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler) // the connection closes with no answer
	default:
		serve(w, r)
	}
}
