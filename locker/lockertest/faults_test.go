package lockertest_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/polysecret/secrets/internal/drivertest"
)

// TestFaultHooks: FailNext answers the error envelope with the status and
// Retry-After asked for, DelayNext holds requests, and faults are consumed
// in order, one per request.
func TestFaultHooks(t *testing.T) {
	srv, _, s := setup(t)
	srv.FailNext(2, 503, 0)
	srv.FailNext(1, 429, 1500*time.Millisecond)
	srv.DelayNext(1, time.Millisecond)
	for i, want := range []struct {
		status     int
		code       string
		retryAfter string
	}{{503, "service_unavailable", ""}, {503, "service_unavailable", ""}, {429, "rate_limited", "2"}, {200, "", ""}, {200, "", ""}} {
		a := drivertest.Send(t, "GET", s.base+"/v1/profile", "", "Authorization", "Bearer "+s.id)
		var e struct{ Code, Message string }
		_ = json.Unmarshal(a.Body, &e)
		if a.Status != want.status || (want.code != "" && e.Code != want.code) || a.Header.Get("Retry-After") != want.retryAfter {
			t.Errorf("request %d: %d %+v Retry-After %q, want %+v", i, a.Status, e, a.Header.Get("Retry-After"), want)
		}
	}
	// a client that gives up during a delay gets no answer; the fault is used up
	srv.DelayNext(1, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	r, _ := http.NewRequestWithContext(ctx, "GET", s.base+"/v1/profile", nil)
	r.Header.Set("Authorization", "Bearer "+s.id)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(r)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for srv.Requests() < 7 { // wait until the server holds it
		time.Sleep(time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("delayed request: %v", err)
	}
	if code, b := s.req("GET", "/v1/profile", nil); code != 200 {
		t.Errorf("after the delay fault: %d %s", code, b)
	}
	if got := srv.Requests(); got != 8 { // setup's profile, the 5 above, the delayed one, the last
		t.Errorf("Requests() = %d, want 8", got)
	}
}
