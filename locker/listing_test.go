package locker_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestListExactlyOnceUnderChurn (8.6): secrets that stay in the listed
// scope throughout a paged listing appear exactly once, whatever is moved
// in or out of the scope, or created, between pages.
func TestListExactlyOnceUnderChurn(t *testing.T) {
	type move struct{ from, key, to string }
	for _, tc := range []struct {
		name  string
		scope string // "*" = all environments
		size  int
		// churn runs after page n (0-based) has been read
		churn map[int][]move
		add   map[int][]secrets.Secret
		del   map[int][]string // "env/key" deleted (as from the dashboard)
	}{
		{name: "first moved out after page 1", scope: "prod", size: 2, churn: map[int][]move{0: {{"prod", "A", ""}}}},
		{name: "both of page 1 moved out", scope: "prod", size: 2, churn: map[int][]move{0: {{"prod", "A", ""}, {"prod", "B", "qa"}}}},
		{name: "one moved out after every page", scope: "prod", size: 1,
			churn: map[int][]move{0: {{"prod", "A", ""}}, 1: {{"prod", "B", "qa"}}, 2: {{"prod", "C", ""}}}},
		{name: "an older secret moved in", scope: "prod", size: 2, churn: map[int][]move{0: {{"qa", "Q0", "prod"}}}},
		{name: "moved out and another moved in", scope: "prod", size: 2,
			churn: map[int][]move{0: {{"prod", "A", "qa"}, {"", "G0", "prod"}}}},
		{name: "created between pages", scope: "prod", size: 2, add: map[int][]secrets.Secret{0: {{Environment: "prod", Key: "E", Value: "e"}}}},
		{name: "first deleted after page 1", scope: "prod", size: 2, del: map[int][]string{0: {"prod/A"}}},
		{name: "deleted, moved out and created", scope: "prod", size: 1,
			del: map[int][]string{0: {"prod/A"}, 2: {"prod/C"}}, churn: map[int][]move{1: {{"prod", "B", ""}}},
			add: map[int][]secrets.Secret{1: {{Environment: "prod", Key: "E", Value: "e"}}}},
		{name: "global scope, first moved out", scope: "", size: 2, churn: map[int][]move{0: {{"", "G0", "prod"}}}},
		{name: "all environments, moves between scopes", scope: "*", size: 3,
			churn: map[int][]move{0: {{"prod", "A", ""}, {"", "G0", "qa"}}, 1: {{"qa", "Q0", "prod"}}}},
	} {
		for _, maxPage := range []int{0, 2} {
			t.Run(tc.name+"/server page cap "+strconv.Itoa(maxPage), func(t *testing.T) {
				e := newEnv(t)
				e.srv.SetMaxPageSize(maxPage)
				st := e.mustOpen(t, e.key)
				for _, n := range []string{"prod", "qa"} {
					if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: n}); err != nil {
						t.Fatal(err)
					}
				}
				// creation order: older secrets of qa and global first, then prod's A..D
				initial := []secrets.Secret{{Environment: "qa", Key: "Q0"}, {Key: "G0"}, {Key: "G1"},
					{Environment: "prod", Key: "A"}, {Environment: "prod", Key: "B"}, {Environment: "prod", Key: "C"},
					{Environment: "prod", Key: "D"}, {Environment: "qa", Key: "Q1"}, {Key: "G2"}}
				where := map[string]string{} // key -> environment, as it is now
				ids := map[string]string{}   // "env/key" -> id
				for _, s := range initial {
					s.Value = "v-" + s.Key
					got, err := st.In(s.Environment).Create(ctx, s)
					if err != nil {
						t.Fatal(err)
					}
					where[s.Key] = s.Environment
					ids[s.Environment+"/"+s.Key] = got.ID
				}
				inScope := func(env string) bool { return tc.scope == "*" || env == tc.scope }
				throughout := map[string]bool{} // in scope at the start and never moved
				for k, env := range where {
					throughout[k] = inScope(env)
				}
				view, opts := st.In(tc.scope), secrets.ListOptions{PageSize: tc.size}
				if tc.scope == "*" {
					view, opts.AllEnvironments = st, true
				}
				seen := map[string]int{}
				tok := ""
				for page := 0; ; page++ {
					if page > 20 {
						t.Fatal("listing does not end")
					}
					got, next, err := view.ListPage(ctx, opts, tok)
					if err != nil {
						t.Fatal(err)
					}
					for _, s := range got {
						seen[s.Key]++
					}
					if next == "" {
						break
					}
					tok = next
					for _, m := range tc.churn[page] {
						if _, err := st.In(m.from).Modify(ctx, m.key, secrets.Update{Environment: secrets.Ptr(m.to)}); err != nil {
							t.Fatal(err)
						}
						where[m.key] = m.to
						if tc.scope != "*" {
							throughout[m.key] = false
						}
					}
					for _, s := range tc.add[page] {
						if _, err := st.In(s.Environment).Create(ctx, s); err != nil {
							t.Fatal(err)
						}
					}
					for _, k := range tc.del[page] {
						if err := e.proj.DeleteSecret(ids[k]); err != nil {
							t.Fatal(err)
						}
						throughout[k[strings.Index(k, "/")+1:]] = false
					}
				}
				want, got := map[string]int{}, map[string]int{}
				for k, ok := range throughout {
					if ok {
						want[k] = 1
						got[k] = seen[k]
					}
				}
				for k, n := range seen {
					if n > 1 {
						got[k] = n // a secret listed twice is wrong whether or not it stayed
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("times listed, of the secrets that stayed in scope (-want +got):\n%s\nall seen: %v", diff, seen)
				}
			})
		}
	}
}

// TestListConsistentWithinRead (8.6): with a server that pages by 2, one
// ListPage reads several server pages; a change between two of them
// (move out, move out and in, deletion) must not hide a secret that stays.
func TestListConsistentWithinRead(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(st *secrets.Store, e *env, ids map[string]string) error
	}{
		{"moved out", func(st *secrets.Store, _ *env, _ map[string]string) error {
			_, err := st.In("prod").Modify(ctx, "A", secrets.Update{Environment: secrets.Ptr("")})
			return err
		}},
		{"moved out, and a newer one moved in (count unchanged)", func(st *secrets.Store, _ *env, _ map[string]string) error {
			if _, err := st.In("prod").Modify(ctx, "A", secrets.Update{Environment: secrets.Ptr("")}); err != nil {
				return err
			}
			_, err := st.In("qa").Modify(ctx, "Q", secrets.Update{Environment: secrets.Ptr("prod")})
			return err
		}},
		{"deleted", func(_ *secrets.Store, e *env, ids map[string]string) error { return e.proj.DeleteSecret(ids["A"]) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			for _, n := range []string{"prod", "qa"} {
				if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: n}); err != nil {
					t.Fatal(err)
				}
			}
			ids := map[string]string{}
			for _, s := range []secrets.Secret{{Environment: "prod", Key: "A"}, {Environment: "prod", Key: "B"},
				{Environment: "prod", Key: "C"}, {Environment: "prod", Key: "D"}, {Environment: "prod", Key: "E"}, {Environment: "qa", Key: "Q"}} {
				got, err := st.In(s.Environment).Create(ctx, s)
				if err != nil {
					t.Fatal(err)
				}
				ids[s.Key] = got.ID
			}
			e.srv.SetMaxPageSize(2)
			var once atomic.Bool
			e.srv.OnRequest(func(r *http.Request) {
				q := r.URL.Query()
				if r.Method == "GET" && q.Get("page") == "2" && q.Get("environment_id") != "" && once.CompareAndSwap(false, true) {
					if err := tc.change(st, e, ids); err != nil {
						t.Error(err)
					}
				}
			})
			got, next, err := st.In("prod").ListPage(ctx, secrets.ListOptions{}, "")
			if err != nil {
				t.Fatal(err)
			}
			if !once.Load() {
				t.Fatal("the change did not run: the read took one server page")
			}
			seen := map[string]int{}
			for _, s := range got {
				seen[s.Key]++
			}
			delete(seen, "A")
			delete(seen, "Q")
			if diff := cmp.Diff(map[string]int{"B": 1, "C": 1, "D": 1, "E": 1}, seen); diff != "" || next != "" {
				t.Errorf("listed (-want +got):\n%s next %q", diff, next)
			}
		})
	}
}

// TestNextLinkBound (8.15): the driver follows a server's next links only
// to a bound, and not at all where they loop or leave the API base; each
// case is Internal, promptly, with a bounded number of requests.
func TestNextLinkBound(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		w.Write([]byte(`{"count":0,"next":null,"results":[]}`))
	}))
	defer other.Close()
	var n atomic.Int64
	for _, tc := range []struct {
		name string
		link func(next string) string
		max  int // requests allowed for the call
	}{
		{"repeats", func(string) string { return "/v1/environments?page=1&size=2000" }, 10},
		{"cycle of two", func(string) string {
			return "/v1/environments?page=" + strconv.Itoa(int(n.Add(1)%2)+1) + "&size=2000"
		}, 10},
		{"another host", func(string) string { return other.URL + "/locker_secrets/v1/environments?page=2" }, 3},
		{"outside the base path", func(string) string { return "/../admin/v1/environments?page=2" }, 3},
		{"never ends", func(string) string { return "/v1/environments?page=" + strconv.Itoa(int(n.Add(1))+1) + "&size=2000" }, 1100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			e.srv.RewriteNextLinks(tc.link)
			c, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			before := e.srv.Requests()
			_, err := st.ListEnvironments(c)
			if secrets.ErrorCode(err) != secrets.Internal {
				t.Fatalf("ListEnvironments = %v, want Internal", err)
			}
			if got := e.srv.Requests() - before; got > tc.max {
				t.Errorf("%d requests, want at most %d", got, tc.max)
			}
		})
	}
	if got := elsewhere.Load(); got != 0 {
		t.Errorf("%d requests went to another host", got)
	}
}

// TestNextLinksFollowed: with a server that pages by 2, relative next links
// (as the SDK expects) and absolute ones on the API base are followed to
// the end.
func TestNextLinksFollowed(t *testing.T) {
	for _, absolute := range []bool{false, true} {
		t.Run("absolute="+strconv.FormatBool(absolute), func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			var want []string
			for i := range 5 {
				n := "env" + strconv.Itoa(i)
				if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: n}); err != nil {
					t.Fatal(err)
				}
				want = append(want, n)
			}
			e.srv.SetMaxPageSize(2)
			if absolute {
				base := e.srv.URL()
				e.srv.RewriteNextLinks(func(next string) string {
					if next == "" {
						return ""
					}
					return base + next
				})
			}
			got, _ := drivertest.EnvironmentNames(t, st)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("environments (-want +got):\n%s", diff)
			}
		})
	}
}

// TestListSnapshotReuse: the pages after the first reuse the first page's
// read while the server reports no change (no second read of the scope),
// and read again when a value changed or a secret was deleted meanwhile,
// so that no page shows what is no longer there.
func TestListSnapshotReuse(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(st *secrets.Store, e *env, ids map[string]string) error
		reads  int
		want   map[string]string // key -> value listed
	}{
		{"no change", nil, 1, map[string]string{"A": "a", "B": "b", "C": "c", "D": "d", "E": "e"}},
		{"value changed", func(st *secrets.Store, _ *env, _ map[string]string) error {
			_, err := st.In("prod").Modify(ctx, "D", secrets.Update{Value: secrets.Ptr("d2")})
			return err
		}, 2, map[string]string{"A": "a", "B": "b", "C": "c", "D": "d2", "E": "e"}},
		{"change elsewhere in the project", func(st *secrets.Store, _ *env, _ map[string]string) error {
			_, err := st.In("").Create(ctx, secrets.Secret{Key: "G", Value: "g"})
			return err
		}, 2, map[string]string{"A": "a", "B": "b", "C": "c", "D": "d", "E": "e"}},
		{"deleted", func(_ *secrets.Store, e *env, ids map[string]string) error { return e.proj.DeleteSecret(ids["D"]) }, 2,
			map[string]string{"A": "a", "B": "b", "C": "c", "E": "e"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			st := e.mustOpen(t, e.key)
			if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
				t.Fatal(err)
			}
			ids := map[string]string{}
			for _, k := range []string{"A", "B", "C", "D", "E"} {
				got, err := st.In("prod").Create(ctx, secrets.Secret{Key: k, Value: strings.ToLower(k)})
				if err != nil {
					t.Fatal(err)
				}
				ids[k] = got.ID
			}
			var reads atomic.Int64
			e.srv.OnRequest(func(r *http.Request) {
				if r.Method == "GET" && r.URL.Query().Get("environment_id") != "" {
					reads.Add(1)
				}
			})
			got := map[string]string{}
			tok := ""
			for page := 0; ; page++ {
				list, next, err := st.In("prod").ListPage(ctx, secrets.ListOptions{PageSize: 2, WithValues: true}, tok)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range list {
					got[s.Key] = s.Value
				}
				if next == "" {
					break
				}
				tok = next
				if page == 0 && tc.change != nil {
					if err := tc.change(st, e, ids); err != nil {
						t.Fatal(err)
					}
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if n := int(reads.Load()); n != tc.reads {
				t.Errorf("%d reads of the scope, want %d", n, tc.reads)
			}
		})
	}
}

// TestListMissingEnvironment: listing an environment that does not exist
// lists nothing, without error — as memory does — and makes one request
// (the environment's lookup).
func TestListMissingEnvironment(t *testing.T) {
	e := newEnv(t)
	st := e.mustOpen(t, e.key)
	if _, err := st.Create(ctx, secrets.Secret{Key: "G", Value: "global"}); err != nil {
		t.Fatal(err)
	}
	before := e.srv.Requests()
	page, next, err := st.In("nosuch").ListPage(ctx, secrets.ListOptions{}, "")
	if err != nil || len(page) != 0 || next != "" {
		t.Fatalf("ListPage in a missing environment = %v, %q, %v; want nothing", page, next, err)
	}
	if n := e.srv.Requests() - before; n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}
