package datalayer_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer"
)

// inflight is a transport that records the most requests it carried at
// once.
type inflight struct {
	mu       sync.Mutex
	now, max int
}

func (t *inflight) RoundTrip(r *http.Request) (*http.Response, error) {
	t.mu.Lock()
	t.now++
	t.max = max(t.max, t.now)
	t.mu.Unlock()
	defer func() { t.mu.Lock(); t.now--; t.mu.Unlock() }()
	return http.DefaultTransport.RoundTrip(r)
}

// TestRequestCost pins the number of requests of each operation (the
// table of the package documentation), in both list shapes, and that the
// reads by uid of a listing without values run at most list_concurrency
// at a time.
func TestRequestCost(t *testing.T) {
	const n = 40 // secrets in the account
	for _, shape := range shapes {
		t.Run(shape.name, func(t *testing.T) {
			e := newEnv(t, shape.withValues)
			for i := range n {
				if _, err := e.srv.Seed(e.key, storedB64(fmt.Sprintf("K%02d", i), "v")); err != nil {
					t.Fatal(err)
				}
			}
			tr := &inflight{}
			c := e.client(t, func(o *datalayer.ClientOptions) { o.HTTPClient = &http.Client{Transport: tr} })
			st, err := datalayer.New(c, datalayer.Options{ListConcurrency: 3})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			perSecret := 0 // reads by uid per secret listed with values
			if !shape.withValues {
				perSecret = 1
			}
			got := map[string]int{}
			count := func(name string, f func() error) {
				t.Helper()
				before := e.srv.Requests()
				if err := f(); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got[name] = e.srv.Requests() - before
			}
			count("Get, uid unknown", func() error { _, err := st.Get(ctx, "K00"); return err })
			count("Get, uid known", func() error { _, err := st.Get(ctx, "K00"); return err })
			count("Get of a missing key", func() error {
				if _, err := st.Get(ctx, "NOPE"); secrets.ErrorCode(err) != secrets.NotFound {
					return fmt.Errorf("got %v", err)
				}
				return nil
			})
			count("Create", func() error { _, err := st.Create(ctx, secrets.Secret{Key: "NEW", Value: "v"}); return err })
			count("Modify", func() error { _, err := st.Modify(ctx, "K01", secrets.Update{Value: secrets.Ptr("w")}); return err })
			count("Delete", func() error { return st.Delete(ctx, "NEW") })
			count("Ping", func() error { return st.Ping(ctx) })
			count("Values of 5 keys", func() error {
				_, err := st.Values(ctx, "K02", "K03", "K04", "K05", "K06")
				return err
			})
			count("Values of 1 key, uid known", func() error {
				_, err := st.Values(ctx, "K00")
				return err
			})
			count("List with values, one page", func() error {
				seen := 0
				for _, err := range st.List(ctx, secrets.ListOptions{WithValues: true, PageSize: 1000}) {
					if err != nil {
						return err
					}
					seen++
				}
				if seen != n {
					return fmt.Errorf("listed %d", seen)
				}
				return nil
			})
			count("List with values, pages of 10", func() error {
				for _, err := range st.List(ctx, secrets.ListOptions{WithValues: true, PageSize: 10}) {
					if err != nil {
						return err
					}
				}
				return nil
			})
			count("List without values", func() error {
				for _, err := range st.List(ctx, secrets.ListOptions{PageSize: 1000}) {
					if err != nil {
						return err
					}
				}
				return nil
			})
			want := map[string]int{
				"Get, uid unknown":              1 + perSecret,
				"Get, uid known":                1,
				"Get of a missing key":          1,
				"Create":                        1,
				"Modify":                        2,
				"Delete":                        2,
				"Ping":                          1,
				"Values of 5 keys":              1 + 5*perSecret,
				"Values of 1 key, uid known":    1,
				"List with values, one page":    1 + n*perSecret,
				"List with values, pages of 10": 4 + n*perSecret,
				"List without values":           1,
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("requests per operation (-want +got):\n%s", d)
			}
			if tr.max > 3 {
				t.Errorf("%d requests at once; list_concurrency is 3", tr.max)
			}
		})
	}
}

// TestValuesRepeatedKey: a key asked twice in one batch is read once.
func TestValuesRepeatedKey(t *testing.T) {
	e := newEnv(t, false)
	if _, err := e.srv.Seed(e.key, storedB64("K", "v")); err != nil {
		t.Fatal(err)
	}
	st := e.open(t)
	res, err := st.Values(ctx, "K", "K", "MISSING", "K")
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"v", "v", "", "v"} {
		if got := res[i]; (want == "") != (got.Err != nil) || got.Err == nil && got.Secret.Value != want {
			t.Errorf("result %d = %+v", i, got)
		}
	}
	if secrets.ErrorCode(res[2].Err) != secrets.NotFound {
		t.Errorf("missing key: %v", res[2].Err)
	}
	if n := e.srv.Count("get"); n != 1 {
		t.Errorf("%d reads by uid, want 1", n)
	}
}
