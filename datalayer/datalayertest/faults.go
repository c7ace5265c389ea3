package datalayertest

import "net/http"

// Faults (FailNext, DelayNext, LoseReplyNext, OnRequest — which may Seed
// or Delete to play a concurrent writer —, Requests) are
// internal/testserver's; what is Datalayer's here is the error body of a
// failure.

// faultAnswer is FailNext's answer in Datalayer's error body.
func faultAnswer(w http.ResponseWriter, status int) {
	writeErr(w, status, http.StatusText(status))
}
