package abejatest

import (
	"net/http"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling — error statuses, delays, lost replies — used one
// per request in the order they were added, and a hook at the start of
// every request, kept by internal/faulthooks; what is ABEJA's here is the
// error body of a failure.

// FailNext makes the next n requests answer status (an error body
// {"error","error_description"}; Retry-After in whole seconds when
// retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.faults.FailNext(n, status, retryAfter)
}

// DelayNext delays the next n requests by d (or until the client gives
// up), then serves them.
func (s *Server) DelayNext(n int, d time.Duration) { s.faults.DelayNext(n, d) }

// LoseReplyNext makes the next n requests do their work (a write lands) and
// then close the connection without an answer, as a reply lost on the
// network.
func (s *Server) LoseReplyNext(n int) { s.faults.LoseReplyNext(n) }

// OnRequest calls f at the start of every request, before any fault: f may
// change the server's state to play a concurrent writer. nil removes it.
func (s *Server) OnRequest(f func(r *http.Request)) { s.faults.OnRequest(f) }

// faultAnswer is FailNext's answer in ABEJA's error body.
func faultAnswer(w http.ResponseWriter, status int) {
	writeErr(w, errorf(status, http.StatusText(status)))
}
