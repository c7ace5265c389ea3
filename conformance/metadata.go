package conformance

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

func (s *suite) testVersions(t *testing.T) {
	st, _ := s.open(t)
	v1 := val("v1")
	m(st.Create(ctx, secrets.Secret{Key: "VER", Value: v1})).get(t)
	if !s.caps.Versions {
		_, err := st.Versions(ctx, "VER")
		wantCode(t, err, secrets.Unimplemented)
		_, err = st.Get(ctx, "VER", secrets.AtVersion("1"))
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	v2, v3 := val("v2"), val("v3")
	m(st.Modify(ctx, "VER", secrets.Update{Value: &v2})).get(t)
	cur := m(st.Modify(ctx, "VER", secrets.Update{Value: &v3})).get(t)
	vs := m(st.Versions(ctx, "VER")).get(t)
	if len(vs) < 3 {
		t.Fatalf("%d versions after 3 writes", len(vs))
	}
	if !vs[len(vs)-1].Current {
		t.Error("the last version is not marked current")
	}
	if vs[len(vs)-1].ID != cur.Version {
		t.Errorf("current version %q, Modify returned %q", vs[len(vs)-1].ID, cur.Version)
	}
	ids := map[string]bool{}
	for _, v := range vs {
		if ids[v.ID] {
			t.Errorf("version %q listed twice", v.ID)
		}
		ids[v.ID] = true
	}
	first := m(st.Get(ctx, "VER", secrets.AtVersion(vs[0].ID))).get(t)
	if first.Value != v1 {
		t.Error("Get at the first version did not return the first value")
	}
	if m(st.Value(ctx, "VER")).get(t) != v3 {
		t.Error("Get returned an old value")
	}
	_, err := st.Get(ctx, "VER", secrets.AtVersion("999999"))
	wantCode(t, err, secrets.NotFound)
	_, err = st.Versions(ctx, "missing")
	wantCode(t, err, secrets.NotFound)
}

func (s *suite) testTypes(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Types {
		_, err := st.Create(ctx, secrets.Secret{Key: "T", Value: val("t"), Type: secrets.TypeToken})
		wantCode(t, err, secrets.Unimplemented)
		m(st.Create(ctx, secrets.Secret{Key: "T", Value: val("t")})).get(t)
		_, err = st.Modify(ctx, "T", secrets.Update{Type: secrets.Ptr(secrets.TypeKey)})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	for _, typ := range []string{secrets.TypeGeneric, secrets.TypePassword, secrets.TypeKey, secrets.TypeToken} {
		m(st.Create(ctx, secrets.Secret{Key: "T-" + typ, Value: val(typ), Type: typ})).get(t)
		if got := m(st.Get(ctx, "T-"+typ)).get(t); got.Type != typ {
			t.Errorf("Type = %q, want %q", got.Type, typ)
		}
	}
	m(st.Modify(ctx, "T-key", secrets.Update{Type: secrets.Ptr(secrets.TypeToken)})).get(t)
	if got := m(st.Get(ctx, "T-key")).get(t); got.Type != secrets.TypeToken {
		t.Errorf("after Modify Type = %q", got.Type)
	}
}

func (s *suite) testLabels(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Labels {
		_, err := st.Create(ctx, secrets.Secret{Key: "L", Value: val("l"), Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		m(st.Create(ctx, secrets.Secret{Key: "L", Value: val("l")})).get(t)
		_, err = st.Modify(ctx, "L", secrets.Update{Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		_, _, err = st.ListPage(ctx, secrets.ListOptions{Labels: map[string]string{"a": "b"}}, "")
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	labels := manyLabels(30)
	labels["unicode"] = "Zürich 東京 a.b:c/d=e+f-g@h_i"
	labels["long"] = strings.Repeat("v", 256)
	m(st.Create(ctx, secrets.Secret{Key: "L", Value: val("l"), Labels: labels})).get(t)
	if diff := cmp.Diff(labels, m(st.Get(ctx, "L")).get(t).Labels); diff != "" {
		t.Fatalf("labels did not round-trip (-want +got):\n%s", diff)
	}
	repl := map[string]string{"only": "one"}
	m(st.Modify(ctx, "L", secrets.Update{Labels: repl})).get(t)
	if diff := cmp.Diff(repl, m(st.Get(ctx, "L")).get(t).Labels); diff != "" {
		t.Fatalf("Modify(Labels) does not replace (-want +got):\n%s", diff)
	}
	m(st.Modify(ctx, "L", secrets.Update{Labels: map[string]string{}})).get(t)
	if got := m(st.Get(ctx, "L")).get(t).Labels; len(got) != 0 {
		t.Fatalf("Modify(empty Labels) left %v", got)
	}
}

func (s *suite) testExpiry(t *testing.T) {
	st, _ := s.open(t)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if !s.caps.Expiry {
		_, err := st.Create(ctx, secrets.Secret{Key: "X", Value: val("x"), ExpiresAt: past})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	envs := s.hasEnvironments(t, st)
	if envs {
		s.mkEnv(t, st, "prod")
	}
	m(st.Create(ctx, secrets.Secret{Key: "X", Value: val("x"), ExpiresAt: past})).get(t)
	_, err := st.Get(ctx, "X")
	wantCode(t, err, secrets.FailedPrecondition)
	if !errors.Is(err, secrets.ErrExpired) {
		t.Errorf("expired Get: %v does not wrap ErrExpired", err)
	}
	_, err = st.ValueOr(ctx, "X", "def")
	wantCode(t, err, secrets.FailedPrecondition)
	valuesExpiry := func(st *secrets.Store, key string) (time.Time, error) {
		t.Helper()
		res := m(st.Values(ctx, key)).get(t)
		if res[0].Err != nil {
			return time.Time{}, res[0].Err
		}
		return res[0].Secret.ExpiresAt, nil
	}
	if _, err := valuesExpiry(st, "X"); !errors.Is(err, secrets.ErrExpired) {
		t.Errorf("expired secret through Values: %v, want ErrExpired", err)
	}
	got := m(st.Get(ctx, "X", secrets.IncludeExpired())).get(t)
	if !got.ExpiresAt.Equal(past) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, past)
	}
	if envs {
		// an expired environment secret does not fall back to the global one
		m(st.Create(ctx, secrets.Secret{Key: "Y", Value: val("y")})).get(t)
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "Y", Value: val("yp"), ExpiresAt: past})).get(t)
		_, err = st.In("prod").Get(ctx, "Y")
		wantCode(t, err, secrets.FailedPrecondition)
		if _, err := valuesExpiry(st.In("prod"), "Y"); !errors.Is(err, secrets.ErrExpired) {
			t.Errorf("expired environment secret through Values: %v, want ErrExpired (not the global one)", err)
		}
	}
	// still listed, with its expiry
	page, _ := must2(t)(st.ListPage(ctx, secrets.ListOptions{Prefix: "X"}, ""))
	if len(page) != 1 || !page[0].ExpiresAt.Equal(past) {
		t.Errorf("expired secret not listed with its expiry: %v", page)
	}
	// clearing the expiry makes it readable again
	m(st.Modify(ctx, "X", secrets.Update{ExpiresAt: &time.Time{}})).get(t)
	m(st.Get(ctx, "X")).get(t)
	if exp, err := valuesExpiry(st, "X"); err != nil || !exp.IsZero() {
		t.Errorf("Values after the expiry was cleared: %v, %v", exp, err)
	}
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	m(st.Modify(ctx, "X", secrets.Update{ExpiresAt: &future})).get(t)
	if got := m(st.Get(ctx, "X")).get(t); !got.ExpiresAt.Equal(future) {
		t.Errorf("ExpiresAt = %v, want %v", got.ExpiresAt, future)
	}
	if exp, err := valuesExpiry(st, "X"); err != nil || !exp.Equal(future) {
		t.Errorf("Values: ExpiresAt = %v, %v; want %v", exp, err, future)
	}
}

// testLabelAlphabet: every character the portable label rule accepts is
// stored and read back by the driver, in Create and in Modify, so that no
// write can fail half-way on a label the backend refuses.
func (s *suite) testLabelAlphabet(t *testing.T) {
	st, _ := s.open(t)
	if !s.caps.Labels {
		_, err := st.Create(ctx, secrets.Secret{Key: "LA", Value: val("la"), Labels: map[string]string{"a": "b"}})
		wantCode(t, err, secrets.Unimplemented)
		return
	}
	all := map[string]string{"letters": "Zürich 東京 Ωμέγα", "digits": "0123456789 ٣", "punct": "a.b:c/d=e+f-g@h_i", "Aa0_.-": "x"}
	got := m(st.Create(ctx, secrets.Secret{Key: "LA", Value: val("la"), Labels: all})).get(t)
	if diff := cmp.Diff(all, got.Labels); diff != "" {
		t.Fatalf("Create labels (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(all, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("Get labels (-want +got):\n%s", diff)
	}
	repl := map[string]string{"only": "@ +=/:. _-"}
	m(st.Modify(ctx, "LA", secrets.Update{Labels: repl})).get(t)
	if diff := cmp.Diff(repl, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("labels after Modify (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"nbsp\u00a0", "ideo\u3000", "tab\t"} {
		_, err := st.Modify(ctx, "LA", secrets.Update{Labels: map[string]string{"k": bad}, Value: secrets.Ptr(val("no"))})
		wantCode(t, err, secrets.InvalidArgument)
	}
	if diff := cmp.Diff(repl, m(st.Get(ctx, "LA")).get(t).Labels); diff != "" {
		t.Fatalf("a refused Modify changed labels (-want +got):\n%s", diff)
	}
}
