package vault_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// valuesFixture makes, under a new prefix, environment prod with A and B,
// and global C, D (and B: shadowed in prod). It returns the prefix.
func valuesFixture(t *testing.T) string {
	t.Helper()
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p)
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []secrets.Secret{{Environment: "prod", Key: "A"}, {Environment: "prod", Key: "B"}, {Key: "B"}, {Key: "C"}, {Key: "D"}} {
		s.Value = s.Environment + "/" + s.Key
		if _, err := st.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// outcome is what one result of Values says: the value, or the code.
type outcome struct {
	Env, Value string
	Code       secrets.Code
}

func outcomes(res []secrets.ValueResult) []outcome {
	out := make([]outcome, len(res))
	for i, r := range res {
		if r.Err != nil {
			out[i] = outcome{Code: secrets.ErrorCode(r.Err)}
			continue
		}
		out[i] = outcome{Env: r.Secret.Environment, Value: r.Secret.Value}
	}
	return out
}

// 9.4: Values is the driver's own batch read: results in order, with the
// global fallback and a NotFound per missing key, in at most n+1 requests
// for n distinct keys (a LIST of the environment, then one read per key in
// it; the fallback reads only the keys the environment lacks).
func TestValuesNative(t *testing.T) {
	needServer(t)
	p := valuesFixture(t)
	c, rc := ownClient(t)
	base := newStore(t, c, vault.Options{Mount: "secret", Prefix: p})
	var (
		a, b   = outcome{"prod", "prod/A", 0}, outcome{"prod", "prod/B", 0}
		gb, gc = outcome{"", "/B", 0}, outcome{"", "/C", 0}
		gd     = outcome{"", "/D", 0}
		none   = outcome{Code: secrets.NotFound}
	)
	for _, tc := range []struct {
		name         string
		env          string
		keys         []string
		want         []outcome
		wantOps      []string
		wantRequests int64
	}{
		{"prod, mixed", "prod", []string{"A", "C", "E", "B", "D", "A"}, []outcome{a, gc, none, b, gd, a},
			[]string{"Values", "Values"}, 1 + 2 + 3}, // LIST prod; A, B; C, D, E in global
		{"prod, all there", "prod", []string{"B", "A"}, []outcome{b, a}, []string{"Values"}, 1 + 2},
		{"prod, none there", "prod", []string{"C", "D", "E"}, []outcome{gc, gd, none}, []string{"Values", "Values"}, 1 + 3},
		{"prod, one key", "prod", []string{"C"}, []outcome{gc}, []string{"Values", "Values"}, 2}, // no LIST for one key
		{"global", "", []string{"B", "C", "E", "B"}, []outcome{gb, gc, none, gb}, []string{"Values"}, 3},
		{"no keys", "prod", nil, []outcome{}, []string{"Values"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log opLog
			st := base.In(tc.env).With(log.intercept)
			before := rc.Requests()
			res, err := st.Values(ctx, tc.keys...)
			if err != nil {
				t.Fatal(err)
			}
			n := rc.Requests() - before
			if diff := cmp.Diff(tc.want, outcomes(res)); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantOps, log.Take()); diff != "" {
				t.Errorf("driver operations (-want +got):\n%s", diff)
			}
			if n != tc.wantRequests {
				t.Errorf("%d requests, want %d", n, tc.wantRequests)
			}
		})
	}
}

// 9.4: a token that may read but not list the environment still gets every
// value (the driver then reads every key).
func TestValuesWithoutList(t *testing.T) {
	needServer(t)
	p := valuesFixture(t)
	c := rootClient(t)
	c.SetToken(tokenWithPolicy(t, "read-"+p, fmt.Sprintf(`path "secret/data/%s/*" { capabilities = ["read"] }`, p)))
	st := newStore(t, c, vault.Options{Mount: "secret", Prefix: p, Environment: "prod"})
	res, err := st.Values(ctx, "A", "C", "E")
	if err != nil {
		t.Fatal(err)
	}
	want := []outcome{{"prod", "prod/A", 0}, {"", "/C", 0}, {Code: secrets.NotFound}}
	if diff := cmp.Diff(want, outcomes(res)); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
}

// inFlight counts the requests in flight and the most seen at once.
type inFlight struct {
	next      http.RoundTripper
	cur, peak atomic.Int64
}

func (f *inFlight) RoundTrip(r *http.Request) (*http.Response, error) {
	n := f.cur.Add(1)
	defer f.cur.Add(-1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return f.next.RoundTrip(r)
}

// 9.4: Values keeps at most list_concurrency reads in flight.
func TestValuesConcurrencyBound(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	seed := open(t, "vault://secret/"+p)
	var keys []string
	for i := range 24 {
		k := fmt.Sprintf("K%02d", i)
		keys = append(keys, k)
		if _, err := seed.Create(ctx, secrets.Secret{Key: k, Value: "v"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			f := &inFlight{next: http.DefaultTransport.(*http.Transport).Clone()}
			mux := new(secrets.URLMux)
			mux.Register(vault.Scheme, &vault.URLOpener{Client: clientWith(t, f)})
			st, err := mux.OpenStore(ctx, fmt.Sprintf("vault://secret/%s?list_concurrency=%d", p, conc))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			res, err := st.Values(ctx, keys...)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil {
					t.Errorf("Values[%d]: %v", i, r.Err)
				}
			}
			if peak := f.peak.Load(); peak > int64(conc) {
				t.Errorf("%d requests in flight at once, list_concurrency=%d", peak, conc)
			}
		})
	}
}

// 9.4: a canceled context fails the call as a whole.
func TestValuesCanceled(t *testing.T) {
	needServer(t)
	st := open(t, "vault://secret/"+drivertest.Prefix())
	c, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := st.Values(c, "A", "B"); secrets.ErrorCode(err) != secrets.Canceled {
		t.Fatalf("Values with a canceled context: %v", err)
	}
}
