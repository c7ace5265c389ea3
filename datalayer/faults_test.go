package datalayer_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
	"github.com/polysecret/secrets/datalayer/datalayertest"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestRetries: 429 (with Retry-After) and 5xx answers are retried up to
// max_retries; 500 is not; a retried call that runs out of retries has
// the last answer's code.
func TestRetries(t *testing.T) {
	drivertest.Retries(t, append(drivertest.RetryPolicy(), []drivertest.RetryCase{
		{Name: "429 then success", Fails: 2, Status: 429, RetryAfter: time.Second, MaxRetries: 3, Want: -1, Requests: 3},
		{Name: "503 then success", Fails: 2, Status: 503, MaxRetries: 3, Want: -1, Requests: 3},
		{Name: "502 then success", Fails: 1, Status: 502, MaxRetries: 3, Want: -1, Requests: 2},
		{Name: "504 then success", Fails: 1, Status: 504, MaxRetries: 3, Want: -1, Requests: 2},
		{Name: "429 beyond max_retries 1", Fails: 3, Status: 429, MaxRetries: 1, Want: secrets.RateLimited, Requests: 2},
		{Name: "503 beyond max_retries 1", Fails: 3, Status: 503, MaxRetries: 1, Want: secrets.Unavailable, Requests: 2},
		{Name: "500 not retried", Fails: 1, Status: 500, MaxRetries: 3, Want: secrets.Internal, Requests: 1},
	}...), func(t *testing.T, tc drivertest.RetryCase) drivertest.RetryTarget {
		e := newEnv(t, true)
		st := e.open(t, func(o *datalayer.ClientOptions) { o.MaxRetries = tc.MaxRetries })
		if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: "K", Value: b64("v")}); err != nil {
			t.Fatal(err)
		}
		return drivertest.RetryTarget{Server: e.srv, Call: func(ctx context.Context) error {
			v, err := st.Value(ctx, "K")
			if err == nil && v != "v" {
				err = fmt.Errorf("Value = %q, want v", v)
			}
			return err
		}}
	})
}

// TestRetryAfterBeyondDeadline: a Retry-After that would end after the
// caller's deadline is not slept: the 429 comes back at once.
func TestRetryAfterBeyondDeadline(t *testing.T) {
	drivertest.Retries(t, []drivertest.RetryCase{
		{Name: "Retry-After 1h, deadline 5s", Fails: 1, Status: 429, RetryAfter: time.Hour,
			Want: secrets.RateLimited, Requests: 1, Deadline: 5 * time.Second, Within: 4 * time.Second},
	}, func(t *testing.T, tc drivertest.RetryCase) drivertest.RetryTarget {
		e := newEnv(t, true)
		st := e.open(t, func(o *datalayer.ClientOptions) { o.MaxRetries = tc.MaxRetries }) // 0: the default
		return drivertest.RetryTarget{Server: e.srv, Call: st.Ping}
	})
}

// TestLostReplyCreate: a POST applied whose answer is lost is retried;
// the retry's 409 is recognised as the call's own write (same name,
// variant, description and value_s): success, and one secret — in both
// list shapes.
func TestLostReplyCreate(t *testing.T) {
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, shape.withValues)
			st := e.open(t)
			e.srv.LoseReplyNext(1)
			got, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v", Type: secrets.TypeToken, Description: "d"})
			if err != nil {
				t.Fatalf("Create after a lost reply: %v", err)
			}
			stored := e.srv.Stored(e.key)
			want := []datalayertest.StoredSecret{{UID: got.ID, Name: "K", Variant: "token", Description: "d", Value: b64("v")}}
			if d := cmp.Diff(want, stored); d != "" {
				t.Errorf("stored (-want +got):\n%s", d)
			}
			if n := e.srv.Count("create"); n != 2 {
				t.Errorf("%d POSTs, want 2", n)
			}
		})
	}
}

// TestTakenNameAfterLostReply: when a first attempt may have landed but
// the name holds someone else's secret (another value), the 409 is
// AlreadyExists and the other secret is untouched.
func TestTakenNameAfterLostReply(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	var once atomic.Bool
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodPost && once.CompareAndSwap(false, true) {
			// another client takes the name while the first attempt fails
			if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: "K", Value: b64("theirs")}); err != nil {
				t.Error(err)
			}
		}
	})
	e.srv.FailNext(1, 503, 0)
	_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "mine"})
	if secrets.ErrorCode(err) != secrets.AlreadyExists {
		t.Fatalf("Create = %v, want AlreadyExists", err)
	}
	if s := e.srv.Stored(e.key); len(s) != 1 || s[0].Value != b64("theirs") {
		t.Errorf("stored %+v", s)
	}
}

// TestLostReplyDelete: a DELETE applied whose answer is lost is retried;
// the retry's 404 is the call's own delete: success.
func TestLostReplyDelete(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	var once atomic.Bool
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodDelete && once.CompareAndSwap(false, true) {
			e.srv.LoseReplyNext(1)
		}
	})
	if err := st.Delete(ctx, "K"); err != nil {
		t.Fatalf("Delete after a lost reply: %v", err)
	}
	if n := e.srv.Count("delete"); n != 2 {
		t.Errorf("%d DELETEs, want 2", n)
	}
	if s := e.srv.Stored(e.key); len(s) != 0 {
		t.Errorf("stored %+v", s)
	}
	// Without a lost answer, a secret deleted meanwhile is NotFound.
	if err := st.Delete(ctx, "K"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("second Delete = %v, want NotFound", err)
	}
}

// TestLostReplyModify: a PUT is idempotent: applied, answer lost, retried.
func TestLostReplyModify(t *testing.T) {
	e := newEnv(t, false)
	st := e.open(t)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v1"}); err != nil {
		t.Fatal(err)
	}
	var once atomic.Bool
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodPut && once.CompareAndSwap(false, true) {
			e.srv.LoseReplyNext(1)
		}
	})
	got, err := st.Modify(ctx, "K", secrets.Update{Value: secrets.Ptr("v2")})
	if err != nil || got.Value != "v2" {
		t.Fatalf("Modify = %v, %v", got, err)
	}
	if s := e.srv.Stored(e.key); len(s) != 1 || s[0].Value != b64("v2") {
		t.Errorf("stored %+v", s)
	}
}

// TestStaleUID: a uid the store learnt that now names nothing (deleted
// elsewhere) or another secret (renamed elsewhere) is not used: the
// store lists again.
func TestStaleUID(t *testing.T) {
	e := newEnv(t, true)
	st := e.open(t)
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "old"}); err != nil {
		t.Fatal(err)
	}
	uid := e.srv.Stored(e.key)[0].UID
	e.srv.Delete(e.key, uid)
	if _, err := st.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("Get of a secret deleted elsewhere = %v, want NotFound", err)
	}
	// re-created elsewhere under a new uid: found by listing
	if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: "K", Value: b64("new")}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.Value(ctx, "K"); err != nil || v != "new" {
		t.Errorf("Value after re-creation elsewhere = %q, %v", v, err)
	}
	// Modify must not write to a uid that now names another secret.
	st2 := e.open(t)
	if _, err := st2.Create(ctx, secrets.Secret{Key: "A", Value: "a"}); err != nil {
		t.Fatal(err)
	}
	var uidA string
	for _, s := range e.srv.Stored(e.key) {
		if s.Name == "A" {
			uidA = s.UID
		}
	}
	e.srv.Delete(e.key, uidA)
	if _, err := e.srv.Seed(e.key, datalayertest.StoredSecret{Name: "A", Value: b64("a2")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st2.Modify(ctx, "A", secrets.Update{Value: secrets.Ptr("a3")}); err != nil {
		t.Fatal(err)
	}
	if v, _ := st.Value(ctx, "A"); v != "a3" {
		t.Errorf("Value after Modify = %q", v)
	}
	// Renamed elsewhere (PUT of another name): the old name is gone, and
	// a Delete of it must not delete the renamed secret.
	if _, err := st2.Create(ctx, secrets.Secret{Key: "B", Value: "b"}); err != nil {
		t.Fatal(err)
	}
	var uidB string
	for _, s := range e.srv.Stored(e.key) {
		if s.Name == "B" {
			uidB = s.UID
		}
	}
	if a := drivertest.Send(t, http.MethodPut, e.srv.URL()+"/api/iam/v1/secrets/"+uidB, `{"name":"C"}`, "Authorization", "Bearer "+e.key); a.Status != 200 {
		t.Fatalf("rename: %d %s", a.Status, a.Body)
	}
	if err := st2.Delete(ctx, "B"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("Delete of a name renamed elsewhere = %v, want NotFound", err)
	}
	if v, err := st2.Value(ctx, "C"); err != nil || v != "b" {
		t.Errorf("the renamed secret: %q, %v", v, err)
	}
}
