package lockertest_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// TestPaging: every page size lists each item exactly once, in creation
// order, following next links relative to the base.
func TestPaging(t *testing.T) {
	_, p, s := setup(t)
	const n = 23
	for i := range n {
		k := "K" + strconv.Itoa(i)
		if code, b := s.req("POST", "/v1/secrets", map[string]any{"key": s.enc(k), "hash": lockercrypto.LookupHash(s.pid, k), "value": s.enc("v")}); code != 201 {
			t.Fatalf("%d %s", code, b)
		}
	}
	var want []string
	for _, st := range p.StoredSecrets() {
		want = append(want, st.ID)
	}
	for _, size := range []int{1, 2, 7, 22, 23, 24, 2000, 5000} {
		t.Run(strconv.Itoa(size), func(t *testing.T) {
			var got []string
			var prev []string
			path := "/v1/secrets?count_secrets=1&page=1&paging=1&revision_date=0.000000&size=" + strconv.Itoa(size) + "&hash="
			for path != "" {
				code, b := s.req("GET", path, nil)
				if code != 200 {
					t.Fatalf("%s: %d %s", path, code, b)
				}
				var env struct {
					Count          int
					Next, Previous *string
					Results        []struct{ ID string }
				}
				if err := json.Unmarshal(b, &env); err != nil {
					t.Fatal(err)
				}
				if env.Count != n {
					t.Fatalf("count %d", env.Count)
				}
				if env.Previous != nil {
					prev = append(prev, *env.Previous)
				}
				for _, r := range env.Results {
					got = append(got, r.ID)
				}
				path = ""
				if env.Next != nil {
					path = *env.Next
				}
				if len(got) > n {
					t.Fatal("paging does not end")
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if pages := (n + min(size, 2000) - 1) / min(size, 2000); len(prev) != pages-1 {
				t.Errorf("%d previous links over %d pages", len(prev), pages)
			}
		})
	}
	// past the end: an empty page, not an error
	code, b := s.req("GET", "/v1/secrets?page=9&size=10", nil)
	if m := decode(t, b); code != 200 || len(m["results"].([]any)) != 0 || m["next"] != nil {
		t.Errorf("past the end: %d %s", code, b)
	}
}
