package locker_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/locker/lockertest"
)

// requestLog records, through lockertest's request hook, the requests the
// server receives.
type requestLog struct{ drivertest.Log[string] }

func (l *requestLog) attach(srv *lockertest.Server) {
	srv.OnRequest(func(r *http.Request) { l.Add(r.Method + " " + r.URL.Path) })
}

// TestValuesRequests (9.4): Values reads many keys in a bounded number of
// requests — one read of the scope, whatever the number of keys — with
// Get's results: the scope's secret, the global one as fallback, NotFound
// for a key in neither.
func TestValuesRequests(t *testing.T) {
	for _, tc := range []struct {
		name     string
		scope    string             // "" global, "prod", or "nosuch" (no such environment)
		keys     int                // keys asked for
		where    func(i int) string // where key i is: inScope, inGlobal or nowhere
		pageSize int                // the server's maximum page size (0: 2000)
		extra    int                // secrets in the scope beyond the keys asked for
		want     int                // requests
	}{
		{"global, 50 keys", "", 50, always(inScope), 0, 0, 1},
		{"global, 1 key", "", 1, always(inScope), 0, 0, 1},
		{"global, 1 key missing", "", 1, always(nowhere), 0, 0, 1},
		{"global, 50 keys, 10 missing", "", 50, func(i int) string { return pick(i < 40, inScope, nowhere) }, 0, 0, 1},
		{"environment, 50 keys", "prod", 50, always(inScope), 0, 0, 2},
		{"environment, 50 keys, some global, some nowhere", "prod", 50, func(i int) string {
			return []string{inScope, inGlobal, nowhere}[i%3]
		}, 0, 0, 3},
		{"no such environment, 50 keys global", "nosuch", 50, always(inGlobal), 0, 0, 2},
		// 60 secrets in pages of 10: a first page, then a consistent read
		// (stamp, 6 pages, stamp)
		{"global, 50 keys over 6 server pages", "", 50, always(inScope), 10, 10, 1 + 2 + 6 + 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
				t.Fatal(err)
			}
			var keys []string
			want := map[string]string{}
			for i := range tc.keys + tc.extra {
				k := fmt.Sprintf("K%02d", i)
				env := ""
				switch tc.where(i) {
				case nowhere:
					if i < tc.keys {
						keys = append(keys, k)
					}
					continue
				case inScope:
					env = tc.scope
				}
				if _, err := st.In(env).Create(ctx, secrets.Secret{Key: k, Value: "value of " + k + " in " + env}); err != nil {
					t.Fatal(err)
				}
				if i < tc.keys {
					keys = append(keys, k)
					want[k] = "value of " + k + " in " + env
				}
			}
			e.srv.SetMaxPageSize(tc.pageSize)
			var log requestLog
			log.attach(e.srv)
			defer e.srv.OnRequest(nil)

			res, err := st.In(tc.scope).Values(ctx, keys...)
			reqs := log.Take()
			if err != nil {
				t.Fatal(err)
			}
			if len(reqs) != tc.want {
				t.Errorf("Values of %d keys made %d requests, want %d:\n%s", len(keys), len(reqs), tc.want, strings.Join(reqs, "\n"))
			}
			for _, r := range reqs {
				if !strings.HasPrefix(r, "GET ") {
					t.Errorf("Values sent %s", r)
				}
			}
			got := map[string]string{}
			for i, r := range res {
				switch {
				case r.Err == nil && r.Secret != nil && r.Secret.Key == keys[i]:
					got[keys[i]] = r.Secret.Value
				case secrets.ErrorCode(r.Err) == secrets.NotFound && r.Secret == nil:
				default:
					t.Errorf("Values[%d] (%s) = %+v, %v", i, keys[i], r.Secret, r.Err)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

const (
	inScope  = "scope"
	inGlobal = "global"
	nowhere  = "nowhere"
)

func always(where string) func(int) string { return func(int) string { return where } }

func pick(c bool, a, b string) string {
	if c {
		return a
	}
	return b
}

// TestValuesVerified (8.25 for Values): a record whose ciphertexts belong
// to another secret is Internal in its own result, and the other keys are
// read normally; a repeated key gets a result of its own.
func TestValuesVerified(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	ids := map[string]string{}
	for _, k := range []string{"A", "B", "C"} {
		s, err := st.Create(ctx, secrets.Secret{Key: k, Value: "v" + k})
		if err != nil {
			t.Fatal(err)
		}
		ids[k] = s.ID
	}
	if err := e.proj.SwapSecrets(ids["A"], ids["B"]); err != nil {
		t.Fatal(err)
	}
	res, err := st.Values(ctx, "A", "B", "C", "C")
	if err != nil {
		t.Fatal(err)
	}
	var codes []secrets.Code
	for _, r := range res {
		codes = append(codes, secrets.ErrorCode(r.Err))
		if r.Err != nil && (strings.Contains(r.Err.Error(), "vA") || strings.Contains(r.Err.Error(), "vB")) {
			t.Errorf("error shows a value: %v", r.Err)
		}
	}
	want := []secrets.Code{secrets.Internal, secrets.Internal, secrets.Unknown, secrets.Unknown}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("codes (-want +got):\n%s", diff)
	}
	if res[2].Secret == nil || res[3].Secret == nil || res[2].Secret.Value != "vC" || res[2].Secret == res[3].Secret {
		t.Errorf("C, C: %+v, %+v", res[2].Secret, res[3].Secret)
	}
}

// BenchmarkValues50 reads 50 environment secrets with Values and with a
// loop of Get, reporting the requests each makes (drivertest.Values50).
func BenchmarkValues50(b *testing.B) {
	e := newEnv(b)
	drivertest.Values50(b, e.mustOpen(b, e.key), "prod", false, e.srv.Requests)
}
