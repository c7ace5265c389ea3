package awssm_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
)

// neverAnswers is a server that takes requests and never answers them
// (until the test ends).
func neverAnswers(t *testing.T) (url string, requests *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		select {
		case <-done:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL, &n
}

// TestNoAnswerTimesOut (8.11, 8.12): with a context without deadline, a
// server that never answers does not block the caller: each attempt ends at
// the per-request timeout, a timeout is Unavailable and retried like a 503,
// max_retries times.
func TestNoAnswerTimesOut(t *testing.T) {
	url, n := neverAnswers(t)
	setStubEnv(t, url)
	st := open(t, "awssm://app?timeout=300ms&max_retries=2")
	noAnswer(t, st, n)
}

// TestNoAnswerTimesOutOptions (8.11): the same with a client of the user's
// and Options.Timeout; the client's own retryer retries the timeouts.
func TestNoAnswerTimesOutOptions(t *testing.T) {
	url, n := neverAnswers(t)
	setStubEnv(t, url)
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryMaxAttempts(3))
	if err != nil {
		t.Fatal(err)
	}
	st, err := awssm.New(sm.NewFromConfig(cfg), awssm.Options{Prefix: "app", Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	noAnswer(t, st, n)
}

func noAnswer(t *testing.T, st *secrets.Store, n *atomic.Int64) {
	t.Helper()
	errc := make(chan error, 1)
	go func() { errc <- st.Delete(context.Background(), "K") }() // one DescribeSecret
	select {
	case err := <-errc:
		if got := secrets.ErrorCode(err); got != secrets.Unavailable {
			t.Errorf("code %v, want Unavailable (%v)", got, err)
		}
		if got := n.Load(); got != 3 {
			t.Errorf("%d requests, want 3 (max_retries=2)", got)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Delete against a server that never answers still blocked after 60s")
	}
}

// TestRetryAfterHonoured (8.13): a 429 with Retry-After is retried after the
// delay the server asked for, max_retries times, then RateLimited.
func TestRetryAfterHonoured(t *testing.T) {
	const throttled = `{"__type":"ThrottlingException","message":"slow down"}`
	for _, tc := range []struct {
		name, body string
		options    bool // a client of the user's, through Options, with its own retryer
	}{
		{"JSON", throttled, false},
		{"HTML", "<html><body>Too Many Requests</body></html>", false}, // a proxy's
		{"Options", throttled, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				mu    sync.Mutex
				times []time.Time
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				times = append(times, time.Now())
				mu.Unlock()
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(429)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			setStubEnv(t, srv.URL)
			var st *secrets.Store
			if tc.options {
				cfg, err := config.LoadDefaultConfig(ctx, config.WithRetryMaxAttempts(3))
				if err != nil {
					t.Fatal(err)
				}
				if st, err = awssm.New(sm.NewFromConfig(cfg), awssm.Options{Prefix: "app"}); err != nil {
					t.Fatal(err)
				}
				defer st.Close()
			} else {
				st = open(t, "awssm://app?max_retries=2")
			}
			err := st.Delete(ctx, "K")
			if got := secrets.ErrorCode(err); got != secrets.RateLimited {
				t.Errorf("code %v, want RateLimited (%v)", got, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(times) != 3 {
				t.Fatalf("%d requests, want 3", len(times))
			}
			for i := 1; i < len(times); i++ {
				if gap := times[i].Sub(times[i-1]); gap < 950*time.Millisecond {
					t.Errorf("retry %d sent %v after the previous answer, which asked for Retry-After: 1", i, gap)
				}
			}
		})
	}
}

// TestRetryAfterCappedByContext (8.13): a Retry-After longer than the
// caller's context never keeps the caller waiting past it.
func TestRetryAfterCappedByContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(503)
		fmt.Fprint(w, `{"__type":"ServiceUnavailableException","message":"later"}`)
	}))
	defer srv.Close()
	setStubEnv(t, srv.URL)
	st := open(t, "awssm://app?max_retries=5")
	c, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := st.Delete(c, "K")
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("Delete took %v with a 500ms context", took)
	}
	if got := secrets.ErrorCode(err); got != secrets.DeadlineExceeded {
		t.Errorf("code %v, want DeadlineExceeded: the caller's context ended (%v)", got, err)
	}
}

// TestMaxRetriesIsTheURLs (8.13): the URL's max_retries decides the number
// of attempts, whatever AWS_MAX_ATTEMPTS says (a guard: the SDK already
// lets an explicit retryer win).
func TestMaxRetriesIsTheURLs(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(503)
		fmt.Fprint(w, `{"__type":"ServiceUnavailableException","message":"later"}`)
	}))
	defer srv.Close()
	setStubEnv(t, srv.URL)
	t.Setenv("AWS_MAX_ATTEMPTS", "1")
	st := open(t, "awssm://app?max_retries=2")
	if err := st.Delete(ctx, "K"); secrets.ErrorCode(err) != secrets.Unavailable {
		t.Errorf("Delete: %v, want Unavailable", err)
	}
	if got := n.Load(); got != 3 {
		t.Errorf("%d requests, want 3 (max_retries=2, AWS_MAX_ATTEMPTS=1)", got)
	}
}
