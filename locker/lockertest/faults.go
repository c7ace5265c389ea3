package lockertest

import (
	"net/http"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling — error statuses, delays, lost replies —, kept by
// internal/faulthooks; what is Locker's here is the error envelope of a
// failure.

// FailNext makes the next n requests answer status (with Retry-After when
// retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.faults.FailNext(n, status, retryAfter)
}

// DelayNext delays the next n requests by d.
func (s *Server) DelayNext(n int, d time.Duration) { s.faults.DelayNext(n, d) }

// LoseReplyNext makes the next n requests do their work (a write lands)
// and then close the connection without an answer, as a reply lost on
// the network. It shares FailNext's queue: faults are used one per
// request, in the order they were added.
func (s *Server) LoseReplyNext(n int) { s.faults.LoseReplyNext(n) }

// faultAnswer is FailNext's answer: Locker's envelope with the code its
// SDKs know for the status.
func (s *Server) faultAnswer(w http.ResponseWriter, status int) {
	code := map[int]string{429: "rate_limited", 503: "service_unavailable", 500: "server_error"}[status]
	if code == "" {
		code = "http_error"
	}
	s.writeErr(w, apiError{status, code, http.StatusText(status)})
}
