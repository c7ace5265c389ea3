package conformance

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// testPut: Put creates, then replaces value and metadata (fields left zero
// are cleared), in the scope; NotFound for a missing environment; readonly
// refuses it.
func (s *suite) testPut(t *testing.T) {
	st, _ := s.open(t)
	full := s.full("PUT")
	got := m(st.Put(ctx, full)).get(t)
	if !s.caps.Types {
		full.Type = got.Type
	}
	if diff := cmp.Diff(&full, got, cmpSecret); diff != "" {
		t.Fatalf("Put (create) returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(&full, m(st.Get(ctx, "PUT")).get(t), cmpSecret); diff != "" {
		t.Fatalf("Get after Put (create) (-want +got):\n%s", diff)
	}
	// Replace with a new description and nothing else: type, labels and
	// expiry are cleared. (Clearing the description itself is not checked
	// here: moto, the awssm test server, ignores an empty Description in
	// UpdateSecret, which AWS accepts and clears.)
	repl := secrets.Secret{Key: "PUT", Value: val("put2"), Description: "replaced"}
	got = m(st.Put(ctx, repl)).get(t)
	want := repl
	want.Type = secrets.TypeGeneric
	if !s.caps.Types {
		want.Type = got.Type
	}
	if diff := cmp.Diff(&want, m(st.Get(ctx, "PUT")).get(t), cmpSecret); diff != "" {
		t.Fatalf("Get after Put (replace): metadata not cleared (-want +got):\n%s", diff)
	}
	if got.Value != repl.Value {
		t.Fatal("Put (replace) returned another value")
	}
	if s.caps.Versions {
		if n := len(m(st.Versions(ctx, "PUT")).get(t)); n != 2 {
			t.Errorf("%d versions after Put, Put; want 2", n)
		}
	}
	_, err := st.ReadOnlyView().Put(ctx, secrets.Secret{Key: "PUT", Value: val("ro")})
	wantCode(t, err, secrets.PermissionDenied)
	_, err = st.Put(ctx, secrets.Secret{Key: "bad//key", Value: "v"})
	wantCode(t, err, secrets.InvalidArgument)
	if !s.hasEnvironments(t, st) {
		_, err = st.Put(ctx, secrets.Secret{Environment: "prod", Key: "PUT", Value: val("p")})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	s.mkEnv(t, st, "prod")
	m(st.In("prod").Put(ctx, secrets.Secret{Key: "PUT", Value: val("p")})).get(t)
	if m(st.Value(ctx, "PUT")).get(t) != repl.Value {
		t.Error("Put in prod changed the global secret")
	}
	_, err = st.In("nosuch").Put(ctx, secrets.Secret{Key: "PUT", Value: val("n")})
	wantCode(t, err, secrets.NotFound)
}

// testValuesBatch: Values returns one result per key, in order, with Get's
// fallback and errors per key; a result holds what Get answers of the
// secret's identity, value, version and expiry, and no other metadata.
func (s *suite) testValuesBatch(t *testing.T) {
	st, _ := s.open(t)
	prod := s.scope(t, st, "prod")
	want := map[string]*secrets.Secret{}
	var keys []string
	for i := range 45 { // more than two AWS batches
		k := fmt.Sprintf("V%02d", i)
		keys = append(keys, k)
		sec := s.full(k) // with every kind of metadata the driver keeps
		where := prod
		switch i % 3 {
		case 1:
			where = st // global: fallback
		case 2:
			continue // missing
		}
		m(where.Create(ctx, sec)).get(t)
		got := m(prod.Get(ctx, k)).get(t)
		want[k] = &secrets.Secret{Environment: got.Environment, Key: k, ID: got.ID, Version: got.Version,
			Value: got.Value, ExpiresAt: got.ExpiresAt}
	}
	keys = append(keys, "V00") // a repeat
	res := m(prod.Values(ctx, keys...)).get(t)
	if len(res) != len(keys) {
		t.Fatalf("%d results for %d keys", len(res), len(keys))
	}
	for i, k := range keys {
		r := res[i]
		if w, ok := want[k]; ok {
			if r.Err != nil {
				t.Errorf("Values[%d] (%s): %v", i, k, r.Err)
			} else if diff := cmp.Diff(w, r.Secret); diff != "" {
				t.Errorf("Values[%d] (%s) (-Get's identity, value, version and expiry +got):\n%s", i, k, diff)
			}
			continue
		}
		if r.Secret != nil {
			t.Errorf("Values[%d] (%s, missing) has a secret", i, k)
		}
		wantCode(t, r.Err, secrets.NotFound)
	}
	if res[1].Secret != nil && res[1].Secret.Environment != "" {
		t.Errorf("a global secret reached through the fallback says environment %q", res[1].Secret.Environment)
	}
	if res, err := st.Values(ctx); err != nil || len(res) != 0 {
		t.Errorf("Values of no keys: %v, %v", res, err)
	}
	_, err := st.Values(ctx, "ok", "bad//key")
	wantCode(t, err, secrets.InvalidArgument)
}
