package abeja_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/abeja/abejatest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// versionsOf is what the server holds of a name: its versions' values.
func versionsOf(srv *abejatest.Server, org, name string) (n int, values []string) {
	for _, s := range srv.Secrets(org) {
		if s.Name == name {
			n++
			for _, v := range s.Versions {
				values = append(values, v.Value)
			}
		}
	}
	return n, values
}

// TestRetries: 429 with Retry-After and 5xx answers are retried; the
// Retry-After is honoured; when they outlast max_retries the code is
// RateLimited or Unavailable, after max_retries+1 requests.
func TestRetries(t *testing.T) {
	drivertest.Retries(t, append(drivertest.RetryPolicy(),
		drivertest.RetryCase{Name: "500 once", Fails: 1, Status: 500, MaxRetries: 2, Want: -1, Requests: 2},
		drivertest.RetryCase{Name: "400 is not retried", Fails: 1, Status: 400, MaxRetries: 2, Want: secrets.InvalidArgument, Requests: 1},
	), func(t *testing.T, tc drivertest.RetryCase) drivertest.RetryTarget {
		e := newEnv(t)
		logs := &waits{}
		st := e.store(t, abeja.ClientOptions{MaxRetries: tc.MaxRetries, Logger: slog.New(logs)})
		if err := st.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		return drivertest.RetryTarget{Server: e.srv, Call: st.Ping, Then: func(t *testing.T) {
			if w := logs.first(); tc.RetryAfter != 0 && w != tc.RetryAfter { // the first retry's wait, as logged
				t.Errorf("the first retry waited %v; Retry-After asked for %v", w, tc.RetryAfter)
			}
		}}
	})
}

// waits is a slog.Handler that keeps the "wait" of the driver's retry
// records (debug level, never a value).
type waits struct {
	mu sync.Mutex
	ws []time.Duration
}

func (h *waits) Enabled(context.Context, slog.Level) bool { return true }
func (h *waits) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *waits) WithGroup(string) slog.Handler            { return h }
func (h *waits) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "wait" {
			h.mu.Lock()
			h.ws = append(h.ws, a.Value.Duration())
			h.mu.Unlock()
		}
		return true
	})
	return nil
}

func (h *waits) first() time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.ws) == 0 {
		return 0
	}
	return h.ws[0]
}

// TestLostReplyCreate: the server creates the secret and the answer is
// lost; the retry meets 409 and recognises the driver's own write: one
// secret, one version, success.
func TestLostReplyCreate(t *testing.T) {
	e := newEnv(t)
	st := e.store(t, abeja.ClientOptions{MaxRetries: 2})
	e.srv.LoseReplyNext(1)
	got, err := st.Create(ctx, secrets.Secret{Key: "LOST", Value: "v1", Description: "d"})
	if err != nil {
		t.Fatalf("Create after a lost reply: %v", err)
	}
	if got.Value != "v1" || got.Version != "1" {
		t.Errorf("Create returned %+v", got)
	}
	if n, vals := versionsOf(e.srv, e.org, "LOST"); n != 1 || !cmp.Equal(vals, []string{"v1"}) {
		t.Errorf("server holds %d secrets named LOST, versions %q; want one with [v1]", n, vals)
	}
	// Another writer's secret of the same name is not taken for ours.
	e.srv.LoseReplyNext(1)
	_, err = st.Create(ctx, secrets.Secret{Key: "LOST", Value: "other"})
	if secrets.ErrorCode(err) != secrets.AlreadyExists {
		t.Fatalf("Create of a taken name after a lost reply: %v, want AlreadyExists", err)
	}
}

// TestLostReplyModify: the new version lands and its answer is lost; the
// driver reads the secret before sending again and finds it: two versions,
// not three.
func TestLostReplyModify(t *testing.T) {
	e := newEnv(t)
	st := e.store(t, abeja.ClientOptions{MaxRetries: 2})
	if _, err := st.Create(ctx, secrets.Secret{Key: "M", Value: "v1"}); err != nil {
		t.Fatal(err)
	}
	var posts int // OnRequest runs under no lock: the driver sends one request at a time
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == "POST" {
			posts++
			if posts == 1 {
				e.srv.LoseReplyNext(1)
			}
		}
	})
	got, err := st.Modify(ctx, "M", secrets.Update{Value: secrets.Ptr("v2")})
	if err != nil {
		t.Fatalf("Modify after a lost reply: %v", err)
	}
	if got.Value != "v2" || got.Version != "2" {
		t.Errorf("Modify returned value %q version %q", got.Value, got.Version)
	}
	if _, vals := versionsOf(e.srv, e.org, "M"); !cmp.Equal(vals, []string{"v1", "v2"}) {
		t.Errorf("versions %q, want [v1 v2]", vals)
	}
	if posts != 1 {
		t.Errorf("%d POSTs, want 1", posts)
	}
}

// TestLostReplyDelete: the secret is deleted and the answer lost; the
// retry's 404 is that success.
func TestLostReplyDelete(t *testing.T) {
	e := newEnv(t)
	st := e.store(t, abeja.ClientOptions{MaxRetries: 2})
	if _, err := st.Create(ctx, secrets.Secret{Key: "D", Value: "v1"}); err != nil {
		t.Fatal(err)
	}
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == "DELETE" {
			e.srv.OnRequest(nil)
			e.srv.LoseReplyNext(1)
		}
	})
	if err := st.Delete(ctx, "D"); err != nil {
		t.Fatalf("Delete after a lost reply: %v", err)
	}
	if n, _ := versionsOf(e.srv, e.org, "D"); n != 0 {
		t.Error("the secret is still there")
	}
}

// TestRequestTimeout: a server slower than the request timeout is retried
// and the call ends Unavailable (never DeadlineExceeded: the caller set no
// deadline) within a bound.
func TestRequestTimeout(t *testing.T) {
	drivertest.Retries(t, []drivertest.RetryCase{
		{Name: "every attempt slower than the timeout", Fails: 2, Delay: 2 * time.Second, MaxRetries: 1,
			Want: secrets.Unavailable, Requests: 2, Within: 2 * time.Second},
	}, func(t *testing.T, tc drivertest.RetryCase) drivertest.RetryTarget {
		e := newEnv(t)
		st := e.store(t, abeja.ClientOptions{MaxRetries: tc.MaxRetries, Timeout: 100 * time.Millisecond})
		return drivertest.RetryTarget{Server: e.srv, Call: st.Ping}
	})
}

// TestStaleID: a secret deleted and created again elsewhere has a new id;
// the driver's remembered id answers 404 and the driver finds the new one.
func TestStaleID(t *testing.T) {
	e := newEnv(t)
	a, b := e.store(t, abeja.ClientOptions{}), e.store(t, abeja.ClientOptions{})
	if _, err := a.Create(ctx, secrets.Secret{Key: "S", Value: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := b.Delete(ctx, "S"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Create(ctx, secrets.Secret{Key: "S", Value: "new"}); err != nil {
		t.Fatal(err)
	}
	if v, err := a.Value(ctx, "S"); err != nil || v != "new" {
		t.Fatalf("Value through a store that knew the old id: %q, %v", v, err)
	}
}
