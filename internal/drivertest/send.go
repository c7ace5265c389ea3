package drivertest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Answer is a test server's answer to one raw request.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send sends one raw request to a test server (abejatest, datalayertest,
// lockertest) — body "" for none, header as name, value pairs — and
// returns its answer, read and closed; a request that gets no answer
// fails t.
func Send(t testing.TB, method, url, body string, header ...string) Answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(request(t, method, url, body, header))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, url, err)
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

// NoAnswer sends one raw request as Send does and fails t if it gets an
// answer: a reply the server loses on purpose (LoseReplyNext).
func NoAnswer(t testing.TB, method, url, body string, header ...string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(request(t, method, url, body, header))
	if err == nil {
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		t.Fatalf("%s %s: got an answer: %d %s", method, url, resp.StatusCode, b)
	}
}

func request(t testing.TB, method, url, body string, header []string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if len(header)%2 != 0 {
		t.Fatalf("header %q: not name, value pairs", header)
	}
	for i := 0; i < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}
