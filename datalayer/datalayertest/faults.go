package datalayertest

import (
	"net/http"
	"time"
)

// Faults: a queue of answers the next requests get instead of (or after)
// their normal handling — error statuses, delays, lost replies — and a
// hook at the start of every request, kept by internal/faulthooks; what
// is Datalayer's here is the error body of a failure.

// FailNext makes the next n requests answer status (with Retry-After, in
// whole seconds rounded up, when retryAfter > 0) without doing anything.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	s.faults.FailNext(n, status, retryAfter)
}

// DelayNext delays the next n requests by d (then serves them normally).
func (s *Server) DelayNext(n int, d time.Duration) { s.faults.DelayNext(n, d) }

// LoseReplyNext makes the next n requests do their work (a write lands)
// and then close the connection without an answer, as a reply lost on the
// network. Faults of every kind share one queue and are used one per
// request, in the order they were added.
func (s *Server) LoseReplyNext(n int) { s.faults.LoseReplyNext(n) }

// OnRequest calls f at the start of every request, before any fault or
// lock: f may change the server's state (Seed, Delete, or requests of its
// own) to play a concurrent writer at an exact point of a client's
// request sequence. nil removes it.
func (s *Server) OnRequest(f func(r *http.Request)) { s.faults.OnRequest(f) }

// faultAnswer is FailNext's answer in Datalayer's error body.
func faultAnswer(w http.ResponseWriter, status int) {
	writeErr(w, status, http.StatusText(status))
}
