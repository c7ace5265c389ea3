package conformance

import (
	"testing"

	"github.com/polysecret/secrets"
)

func (s *suite) testDelete(t *testing.T) {
	if !s.caps.Delete {
		st, _ := s.open(t)
		m(st.Create(ctx, secrets.Secret{Key: "D", Value: val("d")})).get(t)
		wantCode(t, st.Delete(ctx, "D"), secrets.Unimplemented)
		m(st.Get(ctx, "D")).get(t)
		return
	}
	t.Run("ThenRecreate", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, s.full("D"))).get(t)
		ok(t, st.Delete(ctx, "D"))
		_, err := st.Get(ctx, "D")
		wantCode(t, err, secrets.NotFound)
		nv := val("again")
		m(st.Create(ctx, secrets.Secret{Key: "D", Value: nv})).get(t)
		got := m(st.Get(ctx, "D")).get(t)
		if got.Value != nv || got.Description != "" || len(got.Labels) != 0 {
			t.Errorf("recreated secret carries old data: %+v", got)
		}
		if s.caps.Versions {
			if vs := m(st.Versions(ctx, "D")).get(t); len(vs) != 1 {
				t.Errorf("recreated secret has %d versions, want 1", len(vs))
			}
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		st, _ := s.open(t)
		wantCode(t, st.Delete(ctx, "missing"), secrets.NotFound)
	})
	t.Run("ScopeIsExact", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		m(st.Create(ctx, secrets.Secret{Key: "G", Value: val("g")})).get(t)
		wantCode(t, st.In("prod").Delete(ctx, "G"), secrets.NotFound)
		m(st.Get(ctx, "G")).get(t)
	})
}
