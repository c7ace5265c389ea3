package conformance

import (
	"testing"

	"github.com/polysecret/secrets"
)

// testFields: KEY#field reads one field of a JSON object value, through Get,
// Value and Values, with the scope fallback; a missing field is NotFound, a
// value that is not a JSON object InvalidArgument.
func (s *suite) testFields(t *testing.T) {
	st, _ := s.open(t)
	s.mkEnv(t, st, "prod")
	obj := `{"user":"app","pass":"` + val("pw") + `","port":5432,"tls":{"on":true}}`
	m(st.Create(ctx, secrets.Secret{Key: "DB", Value: obj})).get(t)
	m(st.Create(ctx, secrets.Secret{Key: "PLAIN", Value: val("plain")})).get(t)
	prod := st.In("prod") // falls back to the global DB
	for _, tc := range []struct {
		sel, want string
	}{
		{"DB#user", "app"},
		{"DB#port", "5432"},
		{"DB#tls", `{"on":true}`},
	} {
		if got := m(prod.Value(ctx, tc.sel)).get(t); got != tc.want {
			t.Errorf("Value(%s) = %q, want %q", tc.sel, got, tc.want)
		}
	}
	sec := m(prod.Get(ctx, "DB#user")).get(t)
	if sec.Key != "DB" || sec.Environment != "" {
		t.Errorf("Get(DB#user) returned key %q in %q, want DB in the global scope", sec.Key, sec.Environment)
	}
	_, err := prod.Get(ctx, "DB#nope")
	wantCode(t, err, secrets.NotFound)
	_, err = prod.Get(ctx, "PLAIN#user")
	wantCode(t, err, secrets.InvalidArgument)
	_, err = prod.Get(ctx, "DB#")
	wantCode(t, err, secrets.InvalidArgument)
	_, err = prod.Get(ctx, "MISSING#user")
	wantCode(t, err, secrets.NotFound)
	res := m(prod.Values(ctx, "DB#user", "DB#nope", "PLAIN#x", "DB")).get(t)
	if res[0].Err != nil || res[0].Secret.Value != "app" {
		t.Errorf("Values[DB#user] = %+v", res[0])
	}
	wantCode(t, res[1].Err, secrets.NotFound)
	wantCode(t, res[2].Err, secrets.InvalidArgument)
	if res[3].Err != nil || res[3].Secret.Value != obj {
		t.Errorf("Values[DB] is not the whole object")
	}
}
