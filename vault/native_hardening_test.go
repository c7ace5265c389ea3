package vault_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// The native layout has no write id: a write is recognised after a lost
// reply by its data, and only then.

// TestNativeCreateSameValueExists: Create of an existing secret with the
// very value it holds is AlreadyExists (its data is not taken for the
// caller's own write), and nothing is written.
func TestNativeCreateSameValueExists(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p+"?layout=native")
	for _, v := range []string{"same", `{"a":"b"}`} {
		key := "k" + string(rune('0'+len(v)%10))
		if _, err := st.Create(ctx, secrets.Secret{Key: key, Value: v}); err != nil {
			t.Fatal(err)
		}
		_, err := st.Create(ctx, secrets.Secret{Key: key, Value: v})
		if secrets.ErrorCode(err) != secrets.AlreadyExists {
			t.Errorf("second Create of %q: %v, want AlreadyExists", v, err)
		}
		if n := currentVersion(t, p+"/"+key); n != 1 {
			t.Errorf("current version %d, want 1", n)
		}
	}
}

// TestNativeLostReplies: the reply of a check-and-set write is lost; Create
// is not AlreadyExists for the caller's own write, and neither Create nor
// Modify writes twice.
func TestNativeLostReplies(t *testing.T) {
	p := drivertest.Prefix()
	px, lost := faultFirst(t, 2, fault{kind: lose}, func(r *http.Request, body []byte) bool {
		return isCASWrite(r, body, p) && strings.Contains(string(body), "lostreply")
	})
	st := openVia(t, px, p, "?layout=native&envs=prod")
	if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "a/K", Value: "lostreply-1", Description: "d"}); err != nil {
		t.Fatalf("Create after a lost reply: %v", err)
	}
	if _, err := st.In("prod").Modify(ctx, "a/K", secrets.Update{Value: secrets.Ptr("lostreply-2")}); err != nil {
		t.Fatalf("Modify after a lost reply: %v", err)
	}
	if lost.Load() < 2 {
		t.Fatalf("the proxy lost %d replies, want 2", lost.Load())
	}
	if v := currentVersion(t, p+"/prod/a/K"); v != 2 {
		t.Errorf("current version %d after one Create and one Modify, want 2 (a write was duplicated)", v)
	}
	s, err := st.In("prod").Get(ctx, "a/K")
	if err != nil || s.Value != "lostreply-2" || s.Description != "d" {
		t.Errorf("Get = %+v, %v", s, err)
	}
}

// TestNativeConcurrentValueModify: in the native layout, concurrent Modify
// calls of the value alone (check-and-set on the data) lose no update:
// every write is a version, and labels written before are kept.
func TestNativeConcurrentValueModify(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	u := "vault://secret/" + p + "?layout=native"
	a, b := open(t, u), open(t, u)
	if _, err := a.Create(ctx, secrets.Secret{Key: "hot", Value: "0", Labels: map[string]string{"team": "core"}}); err != nil {
		t.Fatal(err)
	}
	const goroutines, per = 16, 3
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		st := a
		if g%2 == 1 {
			st = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range per {
				if _, err := st.Modify(ctx, "hot", secrets.Update{Value: secrets.Ptr(fmt.Sprintf("g%d-%d", g, r))}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if v := currentVersion(t, p+"/hot"); v != 1+goroutines*per {
		t.Errorf("current version %d after %d writes: an update was lost", v, 1+goroutines*per)
	}
	s, err := a.Get(ctx, "hot")
	if err != nil || !strings.HasSuffix(s.Value, fmt.Sprintf("-%d", per-1)) || s.Labels["team"] != "core" {
		t.Errorf("Get = %+v, %v", s, err)
	}
}

// TestNativeListRequests: a listing without values reads each secret's
// metadata only (one request per secret, its version whatever), plus one
// LIST per directory; with values, the data too.
func TestNativeListRequests(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	const n = 12
	for i := range n {
		path := fmt.Sprintf("%s/d%d/k%d", p, i%3, i)
		for v := range 2 { // two versions each
			if _, err := kv.Put(ctx, path, map[string]any{"value": fmt.Sprint(v)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c, rc := ownClient(t)
	st := newStore(t, c, vault.Options{Mount: "secret", Prefix: p, Layout: vault.LayoutNative})
	const lists = 1 + 3 // the prefix and its three directories
	for _, tc := range []struct {
		withValues bool
		max        int64
	}{
		{false, n + lists},
		{true, 2*n + lists},
	} {
		before := rc.Requests()
		got := 0
		for s, err := range st.List(ctx, secrets.ListOptions{WithValues: tc.withValues, PageSize: 1000}) {
			if err != nil {
				t.Fatal(err)
			}
			if s.Version != "2" || s.CreatedAt.IsZero() || s.UpdatedAt.Before(s.CreatedAt) || (tc.withValues && s.Value != "1") {
				t.Errorf("listed %+v", s)
			}
			got++
		}
		if got != n {
			t.Errorf("listed %d secrets, want %d", got, n)
		}
		if used := rc.Requests() - before; used > tc.max {
			t.Errorf("WithValues=%v: %d requests for %d secrets, want at most %d", tc.withValues, used, n, tc.max)
		} else {
			t.Logf("WithValues=%v: %d requests for %d secrets", tc.withValues, used, n)
		}
	}
}
