package abeja_test

import (
	"fmt"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/abeja"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestValues: a batch read costs GETs by id for names the Store knows, one
// read of the listing for the others (ending when all are met), and one
// read instead of more GETs than the last complete read took; a missing
// key is NotFound in its own result.
func TestValues(t *testing.T) {
	e := newEnv(t)
	a := e.store(t, abeja.ClientOptions{})
	drivertest.Seed(t, a, 300, func(i int) string { return fmt.Sprintf("V%03d", i) })
	keys := func(n int) []string {
		var ks []string
		for i := range n {
			ks = append(ks, fmt.Sprintf("V%03d", i*300/n))
		}
		return ks
	}
	b := e.store(t, abeja.ClientOptions{})
	for _, tc := range []struct {
		name string
		st   *secrets.Store
		keys []string
		reqs int // exactly, or at most for a read that ends when all are met
		read bool
	}{
		{"known ids", a, keys(5), 5, false},
		{"unknown ids: one read", b, append(keys(5), "V299"), 4, true},
		{"known after a listing: the read is cheaper", b, keys(50), 4, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name == "known after a listing: the read is cheaper" {
				drivertest.ListAll(t, b, secrets.ListOptions{PageSize: 1000}, 300, "")
			}
			before := e.srv.Requests()
			res, err := tc.st.Values(ctx, tc.keys...)
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range res {
				if r.Err != nil || r.Secret.Key != tc.keys[i] || r.Secret.Value != "value" {
					t.Errorf("%s: %+v", tc.keys[i], r)
				}
			}
			if n := e.srv.Requests() - before; n != tc.reqs && !tc.read || n > tc.reqs || n < 1 {
				t.Errorf("%d requests, want %d (read: %v)", n, tc.reqs, tc.read)
			}
		})
	}
	res, err := a.Values(ctx, "V001", "NOPE")
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Err != nil || secrets.ErrorCode(res[1].Err) != secrets.NotFound {
		t.Errorf("Values(V001, NOPE): %+v", res)
	}
}
