package datalayertest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling — error statuses, delays, lost replies — and a
// hook at the start of every request.

type fault struct {
	status     int
	retryAfter time.Duration
	delay      time.Duration
	loseReply  bool // do the request, then drop the connection without an answer
}

// FailNext makes the next n requests answer status (with Retry-After, in
// whole seconds rounded up, when retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.queue(n, fault{status: status, retryAfter: retryAfter})
}

// DelayNext delays the next n requests by d (then serves them normally).
func (s *Server) DelayNext(n int, d time.Duration) { s.queue(n, fault{delay: d}) }

// LoseReplyNext makes the next n requests do their work (a write lands)
// and then close the connection without an answer, as a reply lost on the
// network. Faults of every kind share one queue and are used one per
// request, in the order they were added.
func (s *Server) LoseReplyNext(n int) { s.queue(n, fault{loseReply: true}) }

func (s *Server) queue(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// OnRequest calls f at the start of every request, before any fault or
// lock: f may change the server's state (Seed, Delete, or requests of its
// own) to play a concurrent writer at an exact point of a client's
// request sequence. nil removes it.
func (s *Server) OnRequest(f func(r *http.Request)) {
	if f == nil {
		s.onRequest.Store(nil)
		return
	}
	s.onRequest.Store(&f)
}

// fault applies the next queued fault to this request, if any, and
// reports whether it answered the request (or dropped it).
func (s *Server) fault(w http.ResponseWriter, r *http.Request, route, uid string) bool {
	s.mu.Lock()
	var f *fault
	if len(s.faults) > 0 {
		f = &s.faults[0]
		s.faults = s.faults[1:]
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return true
		}
	}
	if f.status != 0 {
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		writeErr(w, f.status, http.StatusText(f.status))
		return true
	}
	if f.loseReply {
		s.handle(httptest.NewRecorder(), r, route, uid)
		panic(http.ErrAbortHandler) // the connection closes with no answer
	}
	return false
}
