package abejatest

import "net/http"

// Faults (FailNext, DelayNext, LoseReplyNext, OnRequest, Requests) are
// internal/testserver's; what is ABEJA's here is the error body of a
// failure.

// faultAnswer is FailNext's answer in ABEJA's error body
// {"error","error_description"}.
func faultAnswer(w http.ResponseWriter, status int) {
	writeErr(w, errorf(status, http.StatusText(status)))
}
