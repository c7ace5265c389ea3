package conformance

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
)

// testHierarchicalKeys: keys with / segments (up to five, with + = @) are
// stored, read, listed by prefix as directories are, modified and deleted;
// a secret and a "directory" of the same name live side by side; a key with
// a space is stored where the backend can hold it and is InvalidArgument
// elsewhere.
func (s *suite) testHierarchicalKeys(t *testing.T) {
	st, _ := s.open(t)
	keys := []string{"app", "app/db", "app/db/user", "app/db/pass+x=y@z", "app/a/b/c/d", "apple"}
	if s.h.FlatKeys {
		// Refused before the driver is called: the counting interceptor
		// sees no call.
		calls := s.count.total()
		for _, k := range keys[1:5] {
			_, err := st.Create(ctx, secrets.Secret{Key: k, Value: val(k)})
			wantCode(t, err, secrets.InvalidArgument)
			_, err = st.Get(ctx, k)
			wantCode(t, err, secrets.InvalidArgument)
		}
		if n := s.count.total() - calls; n != 0 {
			t.Errorf("%d driver calls for keys the backend cannot hold", n)
		}
		return
	}
	vals := map[string]string{}
	for _, k := range keys {
		vals[k] = val(k)
		m(st.Create(ctx, secrets.Secret{Key: k, Value: vals[k]})).get(t)
	}
	for _, k := range keys {
		if got := m(st.Value(ctx, k)).get(t); got != vals[k] {
			t.Errorf("Value(%s) is another secret's", k)
		}
	}
	for _, tc := range []struct {
		prefix string
		want   []string
	}{
		{"app/", []string{"app/a/b/c/d", "app/db", "app/db/pass+x=y@z", "app/db/user"}},
		{"app/db/", []string{"app/db/pass+x=y@z", "app/db/user"}},
		{"app", keys},
		{"app/a/b/", []string{"app/a/b/c/d"}},
	} {
		got := plainKeys(listAll(t, st, secrets.ListOptions{Prefix: tc.prefix, PageSize: 2}))
		if diff := cmp.Diff(tc.want, got, cmpopts.SortSlices(strLess)); diff != "" {
			t.Errorf("List(prefix %q) (-want +got):\n%s", tc.prefix, diff)
		}
	}
	v := val("mod")
	m(st.Modify(ctx, "app/db/user", secrets.Update{Value: &v})).get(t)
	if m(st.Value(ctx, "app/db/user")).get(t) != v || m(st.Value(ctx, "app/db")).get(t) != vals["app/db"] {
		t.Error("Modify of app/db/user changed the wrong secret")
	}
	if s.caps.Delete {
		ok(t, st.Delete(ctx, "app/db"))
		_, err := st.Get(ctx, "app/db")
		wantCode(t, err, secrets.NotFound)
		if m(st.Value(ctx, "app/db/user")).get(t) != v {
			t.Error("deleting app/db took app/db/user with it")
		}
	}
	// A space: every backend but AWS holds it.
	sp := "key with spaces"
	_, err := st.Create(ctx, secrets.Secret{Key: sp, Value: val("sp")})
	if err != nil {
		wantCode(t, err, secrets.InvalidArgument)
		return
	}
	m(st.Get(ctx, sp)).get(t)
	found := false
	for _, k := range plainKeys(listAll(t, st, secrets.ListOptions{Prefix: "key ", PageSize: 10})) {
		found = found || k == sp
	}
	if !found {
		t.Errorf("%q is not listed", sp)
	}
}

func plainKeys(secs []*secrets.Secret) []string {
	out := make([]string, len(secs))
	for i, s := range secs {
		out[i] = s.Key
	}
	return out
}
