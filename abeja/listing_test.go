package abeja_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/drivertest"
)

func listNames(t *testing.T, st *secrets.Store, o secrets.ListOptions) ([]string, error) {
	t.Helper()
	var out []string
	for s, err := range st.List(ctx, o) {
		if err != nil {
			return out, err
		}
		out = append(out, s.Key)
	}
	return out, nil
}

// TestListingShiftsUnderTheRead: a secret deleted before the read's
// position between two of its pages shifts the offsets; the read starts
// over, and every secret that existed throughout is listed exactly once.
// A listing that keeps shifting ends Unavailable after 4 reads.
func TestListingShiftsUnderTheRead(t *testing.T) {
	e := newEnv(t)
	st := e.store(t, abeja.ClientOptions{})
	drivertest.Seed(t, st, 250, func(i int) string { return fmt.Sprintf("K%03d", i) })
	first := e.srv.Secrets(e.org)[0]
	var lists atomic.Int64
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == "GET" && strings.HasSuffix(r.URL.Path, "/secrets") && r.URL.Query().Get("offset") == "99" && lists.Add(1) == 1 {
			e.srv.RemoveSecret(e.org, first.ID) // before the read's position
		}
	})
	got, err := listNames(t, st, secrets.ListOptions{PageSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 250 {
		if k := fmt.Sprintf("K%03d", i); k != first.Name {
			want = append(want, k)
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("listing (-want +got):\n%s", d)
	}

	// Always shifting: a secret created at the front of each read's
	// second page... here, one deleted before the position every time.
	n := 0
	e.srv.OnRequest(func(r *http.Request) {
		if r.Method == "GET" && r.URL.Query().Get("offset") == "99" {
			n++
			e.srv.RemoveSecret(e.org, e.srv.Secrets(e.org)[0].ID)
		}
	})
	_, err = listNames(t, st, secrets.ListOptions{PageSize: 1000})
	if secrets.ErrorCode(err) != secrets.Unavailable || n != 4 {
		t.Errorf("a listing that kept shifting: %v after %d reads, want Unavailable after 4", err, n)
	}
}

// TestInactiveVersions: the value is the highest active version's; a
// secret with no active version reads FailedPrecondition and is not
// listed; Versions marks the current one.
func TestInactiveVersions(t *testing.T) {
	e := newEnv(t)
	st := e.store(t, abeja.ClientOptions{})
	if _, err := st.Create(ctx, secrets.Secret{Key: "IV", Value: "one"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Modify(ctx, "IV", secrets.Update{Value: secrets.Ptr("two")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "OTHER", Value: "x"}); err != nil {
		t.Fatal(err)
	}
	sec := e.srv.Secrets(e.org)[0]
	setStatus := func(v int, status string) {
		t.Helper()
		req, _ := http.NewRequest("PATCH", e.srv.URL()+"/secret-manager/organizations/"+e.org+"/secrets/"+sec.ID+"/versions/"+sec.Versions[v].ID,
			strings.NewReader(`{"status":"`+status+`"}`))
		req.SetBasicAuth("user-"+e.user, e.pat)
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("PATCH version: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	setStatus(1, "inactive")
	if v, err := st.Value(ctx, "IV"); err != nil || v != "one" {
		t.Errorf("with version 2 inactive: %q, %v; want version 1's value", v, err)
	}
	vs, err := st.Versions(ctx, "IV")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"1*", "2"}, versionIDs(vs)); d != "" {
		t.Errorf("versions (-want +got):\n%s", d)
	}
	setStatus(0, "inactive")
	if _, err := st.Get(ctx, "IV"); secrets.ErrorCode(err) != secrets.FailedPrecondition {
		t.Errorf("no active version: %v, want FailedPrecondition", err)
	}
	if got, err := st.Get(ctx, "IV", secrets.AtVersion("2")); err != nil || got.Value != "two" {
		t.Errorf("Get at an inactive version: %v, %v", got, err)
	}
	names, err := listNames(t, st, secrets.ListOptions{WithValues: true})
	if err != nil || !cmp.Equal(names, []string{"OTHER"}) {
		t.Errorf("listing: %v, %v; want only OTHER", names, err)
	}
}

func versionIDs(vs []secrets.Version) []string {
	var out []string
	for _, v := range vs {
		id := v.ID
		if v.Current {
			id += "*"
		}
		out = append(out, id)
	}
	return out
}

// TestListingReadServesPages: one consistent read (3 requests for 250
// secrets) serves every page of a listing; a token used on another Store,
// or after the read has expired, makes a new read and resumes after the
// token's name: each secret once, in name order.
func TestListingReadServesPages(t *testing.T) {
	e := newEnv(t)
	a, b := e.store(t, abeja.ClientOptions{}), e.store(t, abeja.ClientOptions{})
	drivertest.Seed(t, a, 250, func(i int) string { return fmt.Sprintf("K%03d", i) })
	var want []string
	for i := range 250 {
		want = append(want, fmt.Sprintf("K%03d", i))
	}
	for _, tc := range []struct {
		name string
		next func(i int) *secrets.Store // the store of page i
		ttl  time.Duration
		reqs int
	}{
		{"one store", func(int) *secrets.Store { return a }, 0, 3},
		{"alternating stores", func(i int) *secrets.Store { return []*secrets.Store{a, b}[i%2] }, 0, 3 + 3*24},
		{"read expired", func(int) *secrets.Store { return a }, time.Nanosecond, 3 * 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ttl != 0 {
				defer abeja.SetSnapshotTTL(tc.ttl)()
			}
			before := e.srv.Requests()
			var got []string
			token := ""
			for i := 0; ; i++ {
				page, next, err := tc.next(i).ListPage(ctx, secrets.ListOptions{PageSize: 10}, token)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range page {
					got = append(got, s.Key)
				}
				if next == "" {
					break
				}
				token = next
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("listing (-want +got):\n%s", d)
			}
			if n := e.srv.Requests() - before; n != tc.reqs {
				t.Errorf("%d requests, want %d", n, tc.reqs)
			}
		})
	}
}
