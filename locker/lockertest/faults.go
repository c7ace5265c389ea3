package lockertest

import "net/http"

// Faults (FailNext, DelayNext, LoseReplyNext, OnRequest, Requests) are
// internal/testserver's; what is Locker's here is the error envelope of a
// failure.

// faultAnswer is FailNext's answer: Locker's envelope with the code its
// SDKs know for the status.
func (s *Server) faultAnswer(w http.ResponseWriter, status int) {
	code := map[int]string{429: "rate_limited", 503: "service_unavailable", 500: "server_error"}[status]
	if code == "" {
		code = "http_error"
	}
	s.writeErr(w, apiError{status, code, http.StatusText(status)})
}
