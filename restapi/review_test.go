package restapi_test

// Tests of the defects a review of the gateway found (R1–R8 of the review
// of 2026-11-25): each failed on the code before its fix.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

// R1: a GET by id of (prod, K) says nothing of the global K, even when
// the global K has expired (the fallback read used to answer 412).
func TestGetByIDSaysNothingOfAnExpiredGlobal(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	if _, err := f.store.Create(ctx, secrets.Secret{Key: "OLD", Value: sentinel + "old",
		ExpiresAt: time.Now().Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	f.notFoundAsNowhere(t, "OLD")
}

// R2: a key whose scopes narrowed after a write does not get that write's
// answer replayed (it names a scope the key may no longer see): 409.
func TestReplayAfterTheKeyNarrowed(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	body := map[string]any{"environment": "staging", "key": "R", "value": sentinel + "r"}
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "k1"); r.status != 201 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	hash := restapi.HashKeySecret(f.g.Secrets["all"])
	keys := []*restapi.Key{{ID: "all", SHA256: hash, Access: restapi.ReadWrite, Values: true, Environments: []string{"prod"}}}
	if err := f.g.Handler.SetKeys(keys); err != nil {
		t.Fatal(err)
	}
	r := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "k1")
	if r.status != http.StatusConflict || strings.Contains(r.body, `"staging"`) {
		t.Errorf("replay after narrowing: %d %s; want 409", r.status, r.body)
	}
}

// R3: a write whose client gives up is not cut short, and its retry with
// the same Idempotency-Key gets its answer instead of running it again.
// The store applies the write, then is slow to answer, as a network
// backend whose reply is late (and returns the context's error if the
// request is canceled meanwhile).
func TestWriteOutlivesItsClient(t *testing.T) {
	st := memory.OpenStore().With(func(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
		err := next(ctx)
		if c.Op != "Modify" {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(300 * time.Millisecond):
			return err
		}
	})
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v1"}); err != nil {
		t.Fatal(err)
	}
	g := restapitest.Start(t, st, restapi.Limits{}, restapitest.Full("all"))
	patch := func(timeout time.Duration) (int, error) {
		req, _ := http.NewRequest("PATCH", g.Server.URL+"/v1/admin/secrets/"+restapi.EncodeID("", "K"),
			strings.NewReader(`{"value":"v2"}`))
		req.Header.Set("X-API-Key", g.Secrets["all"])
		req.Header.Set("Idempotency-Key", "once")
		resp, err := (&http.Client{Timeout: timeout}).Do(req)
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	if _, err := patch(50 * time.Millisecond); err == nil {
		t.Fatal("the first PATCH did not time out at the client")
	}
	status := 0
	for end := time.Now().Add(10 * time.Second); ; {
		s, err := patch(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if s != http.StatusServiceUnavailable || time.Now().After(end) { // 503: still in progress
			status = s
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if status != 200 {
		t.Errorf("the retry: status %d, want the first request's 200", status)
	}
	vs, err := st.Versions(ctx, "K")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 2 {
		t.Errorf("%d versions after one Modify (retried), want 2", len(vs))
	}
}

// R4: an expiry beyond RFC 3339 (year 10000 in UTC) is refused, and never
// stored where it would break every later listing.
func TestExpiryBeyondRFC3339(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	r := f.do(t, "POST", "/v1/admin/secrets", "all", map[string]any{"environment": "prod", "key": "Y",
		"value": "v", "expires_at": "9999-12-31T23:00:00-05:00"}, "Idempotency-Key", "y")
	if r.status != 400 || r.errCode() != "invalid_argument" {
		t.Errorf("create: %d %s; want 400 invalid_argument", r.status, r.body)
	}
	if r := f.do(t, "GET", "/v1/admin/secrets?env=prod", "all", nil); r.status != 200 {
		t.Errorf("listing afterwards: %d %s", r.status, r.body)
	}
	if n := strings.Count(f.g.AuditLog(), "\n"); n != 2 {
		t.Errorf("%d audit lines for 2 requests:\n%s", n, f.g.AuditLog())
	}
}

// R5: text with control characters travels as value_base64 (not six
// bytes a byte), and a page of values holds at most MaxValuesPage.
func TestValuePages(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	for i := range restapi.MaxValuesPage + 5 {
		if _, err := f.store.Create(ctx, secrets.Secret{Key: "C" + strings.Repeat("x", i), Value: "\x01\x02" + sentinel}); err != nil {
			t.Fatal(err)
		}
	}
	var page []restapi.SecretJSON
	r := f.do(t, "GET", "/v1/admin/secrets?env=_global&with_values=true&limit=1000", "all", nil)
	r.data(t, &page)
	if len(page) != restapi.MaxValuesPage || !strings.Contains(r.body, `"next_cursor"`) {
		t.Errorf("a page of values: %d secrets (want %d) and a cursor", len(page), restapi.MaxValuesPage)
	}
	if page[0].Value != nil || page[0].ValueBase64 == nil || strings.Contains(r.body, `\u0001`) {
		t.Errorf("a value with control characters is not in value_base64: %s", r.body[:200])
	}
}

// R6: a stale record is taken over by one request only, however many
// come at once.
func TestTakeoverByOneRequest(t *testing.T) {
	// Reads are slow, so that every request reads the stale record before
	// any takes it over.
	s := restapi.NewStoreIdempotency(memory.OpenStore().With(func(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
		if c.Op == "Get" {
			time.Sleep(50 * time.Millisecond)
		}
		return next(ctx)
	}))
	now := time.Now()
	if _, err := s.Begin(ctx, "k", "a", rec(false, now.Add(-time.Hour), now.Add(time.Hour)), time.Minute); err != nil {
		t.Fatal(err)
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		claims int
	)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			old, err := s.Begin(ctx, "k", "a", rec(false, time.Now(), now.Add(time.Hour)), time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			if old == nil {
				mu.Lock()
				claims++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if claims != 1 {
		t.Errorf("%d requests took the stale record over, want 1", claims)
	}
}

// R8: without a key, health says only "store unavailable" (the store's
// error may name internal hosts), and requests without a key are
// rate-limited together.
func TestHealthWithoutAKey(t *testing.T) {
	down := memory.OpenStore().With(func(ctx context.Context, c *backend.Call, next func(context.Context) error) error {
		return backend.Wrap(backend.Unavailable, errors.New("dial tcp vault.internal.corp:8200: connection refused"))
	})
	g := restapitest.Start(t, down, restapi.Limits{AnonymousRate: 1, AnonymousBurst: 2}, restapitest.Full("all"))
	get := func(key string) (int, string) {
		req, _ := http.NewRequest("GET", g.Server.URL+"/v1/health", nil)
		if key != "" {
			req.Header.Set("X-API-Key", key)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if s, body := get(""); s != 503 || strings.Contains(body, "internal.corp") {
		t.Errorf("health without a key: %d %s", s, body)
	}
	if s, body := get(g.Secrets["all"]); s != 503 || !strings.Contains(body, "internal.corp") {
		t.Errorf("health with a key: %d %s; want the store's error", s, body)
	}
	get("")
	if s, _ := get(""); s != http.StatusTooManyRequests {
		t.Errorf("the 4th request without a key within a second: %d, want 429", s)
	}
}
