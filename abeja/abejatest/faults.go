package abejatest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling — error statuses, delays, lost replies — used one
// per request in the order they were added.

type fault struct {
	status     int
	retryAfter time.Duration
	delay      time.Duration
	loseReply  bool
}

// FailNext makes the next n requests answer status (an error body
// {"error","error_description"}; Retry-After in whole seconds when
// retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.queue(n, fault{status: status, retryAfter: retryAfter})
}

// DelayNext delays the next n requests by d (or until the client gives
// up), then serves them.
func (s *Server) DelayNext(n int, d time.Duration) { s.queue(n, fault{delay: d}) }

// LoseReplyNext makes the next n requests do their work (a write lands) and
// then close the connection without an answer, as a reply lost on the
// network.
func (s *Server) LoseReplyNext(n int) { s.queue(n, fault{loseReply: true}) }

// OnRequest calls f at the start of every request, before any fault: f may
// change the server's state to play a concurrent writer. nil removes it.
func (s *Server) OnRequest(f func(r *http.Request)) {
	if f == nil {
		s.onReq.Store(nil)
		return
	}
	s.onReq.Store(&f)
}

func (s *Server) queue(n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, f)
	}
}

// fault applies the next queued fault, if any, and reports whether it
// answered (or dropped) the request.
func (s *Server) fault(w http.ResponseWriter, r *http.Request) bool {
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
	switch {
	case f.status != 0:
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		writeErr(w, errorf(f.status, http.StatusText(f.status)))
		return true
	case f.loseReply:
		s.handle(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler) // the connection closes with no answer
	}
	return false
}
