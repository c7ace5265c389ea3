package drivertest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSend: the method, body and headers reach the server; the answer's
// status, headers and body come back. NoAnswer passes on a connection
// closed without an answer.
func TestSend(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/lost" {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
			return
		}
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Retry-After", "2")
		w.WriteHeader(429)
		_, _ = w.Write([]byte(r.Method + " " + r.Header.Get("Authorization") + " " + r.Header.Get("Content-Type") + " " + string(b)))
	}))
	defer srv.Close()
	a := Send(t, "PUT", srv.URL+"/x", `{"a":1}`, "Authorization", "Bearer k", "Content-Type", "application/json")
	if diff := cmp.Diff([]string{"429", "2", `PUT Bearer k application/json {"a":1}`},
		[]string{strconv.Itoa(a.Status), a.Header.Get("Retry-After"), string(a.Body)}); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	NoAnswer(t, "POST", srv.URL+"/lost", "x")
}
