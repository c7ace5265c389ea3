package lockertest

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling: error statuses, delays, lost replies.

type fault struct {
	status     int
	retryAfter time.Duration
	delay      time.Duration
	loseReply  bool // do the request, then drop the connection without an answer
}

// FailNext makes the next n requests answer status (with Retry-After when
// retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, fault{status: status, retryAfter: retryAfter})
	}
}

// DelayNext delays the next n requests by d.
func (s *Server) DelayNext(n int, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, fault{delay: d})
	}
}

// LoseReplyNext makes the next n requests do their work (a write lands)
// and then close the connection without an answer, as a reply lost on
// the network. It shares FailNext's queue: faults are used one per
// request, in the order they were added.
func (s *Server) LoseReplyNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.fail = append(s.fail, fault{loseReply: true})
	}
}

// fault applies the next queued fault to this request, if any, and
// reports whether it answered the request (or dropped it).
func (s *Server) fault(w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	var f *fault
	if len(s.fail) > 0 {
		f = &s.fail[0]
		s.fail = s.fail[1:]
	}
	s.mu.Unlock()
	if f == nil {
		return false
	}
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return true
		}
	}
	if f.status != 0 {
		if f.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		code := map[int]string{429: "rate_limited", 503: "service_unavailable", 500: "server_error"}[f.status]
		if code == "" {
			code = "http_error"
		}
		s.writeErr(w, apiError{f.status, code, http.StatusText(f.status)})
		return true
	}
	if f.loseReply {
		s.handle(httptest.NewRecorder(), r)
		panic(http.ErrAbortHandler) // the connection closes with no answer
	}
	return false
}
