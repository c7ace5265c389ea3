package locker_test

import (
	"context"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker"
)

// TestLostReplyRecognisesOwnWrite (8.8): a create whose reply was lost is
// retried by the driver; the server then says the hash exists, and the
// driver recognises its own write (secrets and environments alike), while a
// name someone else holds stays AlreadyExists.
func TestLostReplyRecognisesOwnWrite(t *testing.T) {
	for _, tc := range []struct {
		name   string
		create func(st *secrets.Store) error
		count  func(e *env) int
	}{
		{"environment", func(st *secrets.Store) error {
			_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod", Description: "d"})
			return err
		}, func(e *env) int { n, _ := e.open(t, e.key); l, _ := n.ListEnvironments(ctx); return len(l) }},
		{"secret", func(st *secrets.Store) error {
			_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"})
			return err
		}, func(e *env) int { return len(e.proj.StoredSecrets()) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			e.srv.LoseReplyNext(1)
			if err := tc.create(st); err != nil {
				t.Fatalf("create whose reply was lost: %v", err)
			}
			if n := tc.count(e); n != 1 {
				t.Fatalf("%d stored, want 1", n)
			}
			// someone else's write of the same name is still AlreadyExists
			if err := tc.create(e.mustOpen(t, e.key)); secrets.ErrorCode(err) != secrets.AlreadyExists {
				t.Fatalf("second create: %v, want AlreadyExists", err)
			}
		})
	}
}

// TestClientTimeoutRetried (8.12): when the caller set no deadline, a
// request that outlives the driver's own timeout is retried like a 503,
// and if every attempt times out the call is Unavailable, not
// DeadlineExceeded.
func TestClientTimeoutRetried(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key, func(o *locker.ClientOptions) { o.Timeout = 300 * time.Millisecond; o.MaxRetries = 2 })
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	e.srv.DelayNext(1, 5*time.Second)
	if v, err := st.Value(ctx, "K"); err != nil || v != "v" {
		t.Fatalf("one slow answer: %q, %v; want the value after a retry", v, err)
	}
	e.srv.DelayNext(3, 5*time.Second) // the first try and 2 retries
	start := time.Now()
	_, err := st.Get(ctx, "K")
	if secrets.ErrorCode(err) != secrets.Unavailable {
		t.Fatalf("every attempt timed out: %v, want Unavailable", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %v", d)
	}
	// the caller's own deadline is still DeadlineExceeded
	c, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	e.srv.DelayNext(1, 5*time.Second)
	if _, err := st.Get(c, "K"); secrets.ErrorCode(err) != secrets.DeadlineExceeded {
		t.Fatalf("caller's deadline: %v", err)
	}
}

// TestRetryPolicy (8.13): retries are counted by max_retries, answers
// within it are ridden out, and a Retry-After that ends after the caller's
// deadline returns the server's answer at once instead of sleeping into
// the deadline.
func TestRetryPolicy(t *testing.T) {
	cases := drivertest.RetryPolicy()
	for i := range cases {
		cases[i].Within = 5 * time.Second
	}
	drivertest.Retries(t, append(cases,
		drivertest.RetryCase{Name: "Retry-After beyond the caller's deadline", Fails: 1, Status: 429, RetryAfter: 30 * time.Second, MaxRetries: 2,
			Want: secrets.RateLimited, Requests: 1, Deadline: 2 * time.Second, Within: time.Second},
		drivertest.RetryCase{Name: "503 Retry-After beyond the caller's deadline", Fails: 1, Status: 503, RetryAfter: 30 * time.Second, MaxRetries: 2,
			Want: secrets.Unavailable, Requests: 1, Deadline: 2 * time.Second, Within: time.Second},
	), func(t *testing.T, tc drivertest.RetryCase) drivertest.RetryTarget {
		e := newEnv(t)
		st := e.mustOpen(t, e.key, func(o *locker.ClientOptions) { o.MaxRetries = tc.MaxRetries })
		if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
			t.Fatal(err)
		}
		return drivertest.RetryTarget{Server: e.srv, Call: func(ctx context.Context) error { _, err := st.Get(ctx, "K"); return err }}
	})
}

// TestDuplicateByMessage (8.19): the official SDK knows a duplicate by
// status 400 and "hash already exists" in the message; a server that
// answers so, with any or no code, is AlreadyExists as with
// duplicate_hash.
func TestDuplicateByMessage(t *testing.T) {
	for _, code := range []string{"", "http_error", "validation_error", "duplicate_hash"} {
		t.Run("code="+code, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			for _, n := range []string{"prod", "qa"} {
				if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: n}); err != nil {
					t.Fatal(err)
				}
			}
			for _, n := range []string{"prod", "qa"} {
				if _, err := st.In(n).Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
					t.Fatal(err)
				}
			}
			e.srv.RewriteErrors(func(status int, c, msg string) (int, string, string) {
				if c == "duplicate_hash" {
					return status, code, msg
				}
				return status, c, msg
			})
			other := e.mustOpen(t, e.key) // another writer: no own write to recognise
			checks := map[string]error{}
			_, checks["CreateEnvironment"] = other.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
			_, checks["Create"] = other.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "w"})
			_, checks["Modify (move)"] = other.In("prod").Modify(ctx, "K", secrets.Update{Environment: secrets.Ptr("qa")})
			for op, err := range checks {
				if secrets.ErrorCode(err) != secrets.AlreadyExists {
					t.Errorf("%s: %v, want AlreadyExists", op, err)
				}
			}
		})
	}
}
