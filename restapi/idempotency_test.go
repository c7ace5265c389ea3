package restapi_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/faultinject"
	"github.com/polysecret/secrets/memory"
	"github.com/polysecret/secrets/restapi"
	"github.com/polysecret/secrets/restapi/restapitest"
)

func rec(done bool, started, expires time.Time) *restapi.IdempotencyRecord {
	return &restapi.IdempotencyRecord{Fingerprint: "fp", Done: done, Started: started, Expires: expires}
}

// TestStoreIdempotency: Begin claims once; a pending record is returned
// until it is stale, then taken over; an expired record is taken over;
// Finish keeps the answer; Abort releases; Purge deletes expired records.
func TestStoreIdempotency(t *testing.T) {
	now := time.Now()
	s := restapi.NewStoreIdempotency(memory.OpenStore())
	if old, err := s.Begin(ctx, "k", "a", rec(false, now, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("first Begin: %+v, %v", old, err)
	}
	old, err := s.Begin(ctx, "k", "a", rec(false, now, now.Add(time.Hour)), time.Minute)
	if err != nil || old == nil || old.Done {
		t.Fatalf("second Begin: %+v, %v; want the pending record", old, err)
	}
	if old, err := s.Begin(ctx, "other-key", "a", rec(false, now, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("Begin by another API key: %+v, %v; want a claim of its own", old, err)
	}
	done := rec(true, now, now.Add(time.Hour))
	done.Status, done.Body = 201, json.RawMessage(`{"data":{}}`)
	if err := s.Finish(ctx, "k", "a", done); err != nil {
		t.Fatal(err)
	}
	old, err = s.Begin(ctx, "k", "a", rec(false, now, now.Add(time.Hour)), time.Minute)
	if err != nil || old == nil || !old.Done || old.Status != 201 || string(old.Body) != `{"data":{}}` {
		t.Fatalf("Begin after Finish: %+v, %v", old, err)
	}
	// A pending record older than stale is taken over.
	if _, err := s.Begin(ctx, "k", "stale", rec(false, now.Add(-time.Hour), now.Add(time.Hour)), time.Minute); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Begin(ctx, "k", "stale", rec(false, now, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("Begin over a stale pending record: %+v, %v; want a claim", old, err)
	}
	// An expired record is taken over.
	if _, err := s.Begin(ctx, "k", "exp", rec(true, now.Add(-2*time.Hour), now.Add(-time.Hour)), time.Minute); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Begin(ctx, "k", "exp", rec(false, now, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("Begin over an expired record: %+v, %v; want a claim", old, err)
	}
	// Abort releases.
	if err := s.Abort(ctx, "k", "exp"); err != nil {
		t.Fatal(err)
	}
	if old, err := s.Begin(ctx, "k", "exp", rec(false, now, now.Add(time.Hour)), time.Minute); old != nil || err != nil {
		t.Fatalf("Begin after Abort: %+v, %v; want a claim", old, err)
	}
	// Purge deletes the expired only.
	if _, err := s.Begin(ctx, "k", "old", rec(true, now.Add(-2*time.Hour), now.Add(-time.Hour)), time.Minute); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Purge(ctx); err != nil || n != 1 {
		t.Errorf("Purge: %d, %v; want 1", n, err)
	}
	if old, _ := s.Begin(ctx, "k", "a", rec(false, now, now.Add(time.Hour)), time.Minute); old == nil || !old.Done {
		t.Error("Purge deleted a live record")
	}
}

// pendingStore answers every Begin with a pending record of the same
// request: another replica is still running it.
type pendingStore struct{ *restapi.StoreIdempotency }

func (pendingStore) Begin(_ context.Context, _, _ string, r *restapi.IdempotencyRecord, _ time.Duration) (*restapi.IdempotencyRecord, error) {
	return &restapi.IdempotencyRecord{Fingerprint: r.Fingerprint, Started: time.Now(), Expires: time.Now().Add(time.Hour)}, nil
}

// TestIdempotencyInProgress: the same request while the first still runs
// is 503 unavailable with Retry-After (a client retries, then gets the
// replay).
func TestIdempotencyInProgress(t *testing.T) {
	sec, hash, _ := restapi.NewKeySecret()
	k := restapitest.Full("all")
	k.SHA256 = hash
	h, err := restapi.New(memory.OpenStore(), []*restapi.Key{&k}, pendingStore{restapi.NewStoreIdempotency(memory.OpenStore())}, nil, restapi.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	f := &fixture{g: &restapitest.Gateway{Server: srv, Secrets: map[string]string{"all": sec}}}
	r := f.do(t, "POST", "/v1/admin/secrets", "all", map[string]any{"key": "K", "value": "v"}, "Idempotency-Key", "x")
	if r.status != 503 || r.errCode() != "unavailable" || r.header.Get("Retry-After") != "1" {
		t.Errorf("in progress: %d %s Retry-After %q", r.status, r.body, r.header.Get("Retry-After"))
	}
}

// TestIdempotencyNotKeptOnFailure: a 5xx answer is not kept: the retry
// with the same key runs again and succeeds.
func TestIdempotencyNotKeptOnFailure(t *testing.T) {
	inj := faultinject.New()
	st := memory.OpenStore().With(inj.Interceptor())
	g := restapitest.Start(t, st, restapi.Limits{}, restapitest.Full("all"))
	f := &fixture{g: g, store: st}
	inj.FailNext("Create", 1, secrets.Unavailable)
	body := map[string]any{"key": "K", "value": "v"}
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "x"); r.status != 503 || r.header.Get("Retry-After") == "" {
		t.Fatalf("first: %d %s", r.status, r.body)
	}
	if r := f.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "x"); r.status != 201 {
		t.Fatalf("retry: %d %s", r.status, r.body)
	}
}

// TestReplicas: two gateways on one served store and one idempotency
// store serve each other's ids, cursors and Idempotency-Keys: nothing is
// kept in a process.
func TestReplicas(t *testing.T) {
	served, idem := memory.OpenStore(), memory.OpenStore()
	sec, hash, _ := restapi.NewKeySecret()
	replica := func() *fixture {
		k := restapitest.Full("all")
		k.SHA256 = hash
		h, err := restapi.New(served, []*restapi.Key{&k}, restapi.NewStoreIdempotency(idem), slog.New(slog.DiscardHandler), restapi.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		return &fixture{g: &restapitest.Gateway{Server: srv, Secrets: map[string]string{"all": sec}}, store: served}
	}
	a, b := replica(), replica()
	body := map[string]any{"key": "K0", "value": "v"}
	ra := a.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "r")
	rb := b.do(t, "POST", "/v1/admin/secrets", "all", body, "Idempotency-Key", "r")
	if ra.status != 201 || rb.status != 201 || ra.body != rb.body {
		t.Fatalf("replay on the other replica: %d %s / %d %s", ra.status, ra.body, rb.status, rb.body)
	}
	var s restapi.SecretJSON
	ra.data(t, &s)
	if r := b.do(t, "GET", "/v1/admin/secrets/"+s.ID, "all", nil); r.status != 200 {
		t.Errorf("the other replica does not know id %s: %d %s", s.ID, r.status, r.body)
	}
	for i := 1; i < 5; i++ {
		if r := a.do(t, "POST", "/v1/admin/secrets", "all", map[string]any{"key": "K" + string(rune('0'+i)), "value": "v"}); r.status != 201 {
			t.Fatal(r.body)
		}
	}
	var page []restapi.SecretJSON
	var keys []string
	cursor := ""
	for n := 0; ; n++ {
		from := []*fixture{a, b}[n%2]
		r := from.do(t, "GET", "/v1/admin/secrets?env=_global&limit=2&cursor="+cursor, "all", nil)
		var env struct {
			Data       []restapi.SecretJSON `json:"data"`
			NextCursor string               `json:"next_cursor"`
		}
		if err := json.Unmarshal([]byte(r.body), &env); err != nil || r.status != 200 {
			t.Fatalf("page %d: %d %s", n, r.status, r.body)
		}
		page = append(page, env.Data...)
		if env.NextCursor == "" {
			break
		}
		cursor = env.NextCursor
	}
	for _, s := range page {
		keys = append(keys, s.Key)
	}
	if strings.Join(keys, ",") != "K0,K1,K2,K3,K4" {
		t.Errorf("listing across replicas: %v", keys)
	}
}

func TestHealth(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	if r := f.do(t, "GET", "/v1/health", "", nil); r.status != 200 || !strings.Contains(r.body, `"ok"`) {
		t.Errorf("health without a key: %d %s", r.status, r.body)
	}
	if r := f.do(t, "GET", "/v1/health", "", nil, "X-API-Key", "psk_wrong"); r.status != 401 {
		t.Errorf("health with a wrong key: %d %s", r.status, r.body)
	}
	f.store.Close()
	if r := f.do(t, "GET", "/v1/health", "all", nil); r.status != 412 || r.errCode() != "failed_precondition" {
		t.Errorf("health of a closed store: %d %s", r.status, r.body)
	}
}
