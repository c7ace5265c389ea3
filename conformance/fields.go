package conformance

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// testFields: KEY#field reads one field of a JSON object value, through Get,
// Value and Values, with the scope fallback; a missing field is NotFound, a
// value that is not a JSON object InvalidArgument.
func (s *suite) testFields(t *testing.T) {
	st, _ := s.open(t)
	prod := s.scope(t, st, "prod") // falls back to the global DB
	obj := `{"user":"app","pass":"` + val("pw") + `","port":5432,"tls":{"on":true}}`
	m(st.Create(ctx, secrets.Secret{Key: "DB", Value: obj})).get(t)
	m(st.Create(ctx, secrets.Secret{Key: "PLAIN", Value: val("plain")})).get(t)
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

// testFieldWrites: Modify(KEY#field) sets one field of a JSON object value
// atomically, keeping the others, on drivers that declare FieldWrites;
// elsewhere it is Unimplemented and writes nothing.
func (s *suite) testFieldWrites(t *testing.T) {
	st, open := s.open(t)
	pass := val("pw")
	obj := `{"pass":"` + pass + `","port":5432,"user":"app"}`
	m(st.Create(ctx, secrets.Secret{Key: "DB", Value: obj})).get(t)
	plain := val("plain")
	m(st.Create(ctx, secrets.Secret{Key: "PLAIN", Value: plain})).get(t)
	set := func(st *secrets.Store, sel, v string) (*secrets.Secret, error) {
		return st.Modify(ctx, sel, secrets.Update{Value: &v})
	}
	unchanged := func(t *testing.T, key, want string) {
		t.Helper()
		if got := m(st.Value(ctx, key)).get(t); got != want {
			t.Errorf("%s changed", key)
		}
	}
	if !s.caps.FieldWrites {
		_, err := set(st, "DB#user", "admin")
		wantCode(t, err, secrets.Unimplemented)
		unchanged(t, "DB", obj)
		return
	}
	fields := func(t *testing.T, key string) map[string]any {
		t.Helper()
		var got map[string]any
		if err := json.Unmarshal([]byte(m(st.Value(ctx, key)).get(t)), &got); err != nil {
			t.Fatalf("%s is no longer a JSON object: %v", key, err)
		}
		return got
	}
	t.Run("SetKeepsOthers", func(t *testing.T) {
		out := m(set(st, "DB#user", "admin")).get(t)
		if out.Key != "DB" || out.Value != "admin" {
			t.Errorf("Modify(DB#user) returned key %q, value %q; want DB, the field's new value", out.Key, out.Value)
		}
		want := map[string]any{"user": "admin", "pass": pass, "port": float64(5432)}
		if diff := cmp.Diff(want, fields(t, "DB")); diff != "" {
			t.Errorf("DB after setting user (-want +got):\n%s", diff)
		}
	})
	t.Run("AddField", func(t *testing.T) {
		m(set(st, "DB#host", "db.internal")).get(t)
		got := fields(t, "DB")
		if got["host"] != "db.internal" || got["pass"] != pass || got["user"] != "admin" {
			t.Errorf("DB after adding host: %d fields, host %v", len(got), got["host"])
		}
	})
	t.Run("StringField", func(t *testing.T) {
		m(set(st, "DB#port", "6543")).get(t)
		if got := fields(t, "DB")["port"]; got != "6543" {
			t.Errorf("port = %#v, want the JSON string \"6543\"", got)
		}
	})
	t.Run("NotAnObject", func(t *testing.T) {
		_, err := set(st, "PLAIN#user", "x")
		wantCode(t, err, secrets.InvalidArgument)
		unchanged(t, "PLAIN", plain)
	})
	t.Run("Missing", func(t *testing.T) {
		_, err := set(st, "MISSING#user", "x")
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("ExactScope", func(t *testing.T) {
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		_, err := set(st.In("prod"), "DB#user", "x") // no fallback to the global DB
		wantCode(t, err, secrets.NotFound)
		if got := fields(t, "DB")["user"]; got != "admin" {
			t.Errorf("user = %v after a Modify in another scope", got)
		}
	})
	t.Run("OnlyValue", func(t *testing.T) {
		before := m(st.Value(ctx, "DB")).get(t)
		for name, u := range map[string]secrets.Update{
			"no value":    {},
			"description": {Value: secrets.Ptr("x"), Description: secrets.Ptr("d")},
			"type":        {Value: secrets.Ptr("x"), Type: secrets.Ptr(secrets.TypeGeneric)},
			"labels":      {Value: secrets.Ptr("x"), Labels: map[string]string{}},
			"expiry":      {Value: secrets.Ptr("x"), ExpiresAt: &time.Time{}},
			"environment": {Value: secrets.Ptr("x"), Environment: secrets.Ptr("")},
			"bad utf-8":   {Value: secrets.Ptr("\xff")},
		} {
			_, err := st.Modify(ctx, "DB#user", u)
			if secrets.ErrorCode(err) != secrets.InvalidArgument {
				t.Errorf("%s: got %v, want InvalidArgument", name, err)
			}
		}
		_, err := set(st, "DB#", "x")
		wantCode(t, err, secrets.InvalidArgument)
		unchanged(t, "DB", before)
	})
	t.Run("Concurrent", func(t *testing.T) {
		a, b := s.openWith(t, open), s.openWith(t, open)
		m(a.Create(ctx, secrets.Secret{Key: "hot", Value: `{"keep":"k"}`})).get(t)
		const rounds = 5
		n := max(2, s.h.Concurrency/2)
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for g := range n {
			st := a
			if g%2 == 1 {
				st = b
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				for r := range rounds {
					if _, err := set(st, fmt.Sprintf("hot#f%d", g), fmt.Sprintf("g%d-r%d", g, r)); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent field write failed: %v", err)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(m(a.Value(ctx, "hot")).get(t)), &got); err != nil {
			t.Fatalf("hot is no longer a JSON object: %v", err)
		}
		want := map[string]any{"keep": "k"}
		for g := range n {
			want[fmt.Sprintf("f%d", g)] = fmt.Sprintf("g%d-r%d", g, rounds-1)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("concurrent field writes lost updates (-want +got):\n%s", diff)
		}
	})
}
