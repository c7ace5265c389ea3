package conformance

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
)

func (s *suite) testGet(t *testing.T) {
	t.Run("NotFound", func(t *testing.T) {
		st, _ := s.open(t)
		_, err := st.Get(ctx, "missing")
		wantCode(t, err, secrets.NotFound)
		if s.h.CheckErrorAs != nil {
			s.h.CheckErrorAs(t, st, err)
		}
	})
	t.Run("FallbackToGlobal", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		g := val("global")
		m(st.Create(ctx, secrets.Secret{Key: "SHARED", Value: g})).get(t)
		got := m(st.In("prod").Get(ctx, "SHARED")).get(t)
		if got.Value != g || got.Environment != "" {
			t.Fatalf("In(prod).Get fell back to env %q, wrong value", got.Environment)
		}
	})
	t.Run("ExactScope", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		m(st.Create(ctx, secrets.Secret{Key: "G", Value: val("g"), ExpiresAt: s.pastIfExpiry()})).get(t)
		_, err := st.In("prod").Get(ctx, "G", secrets.ExactScope())
		wantCode(t, err, secrets.NotFound) // not the global one, expired or not
		p := val("p")
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "G", Value: p})).get(t)
		if got := m(st.In("prod").Get(ctx, "G", secrets.ExactScope())).get(t); got.Value != p || got.Environment != "prod" {
			t.Errorf("ExactScope read env %q", got.Environment)
		}
	})
	t.Run("EnvironmentShadowsGlobal", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		m(st.Create(ctx, secrets.Secret{Key: "DB", Value: val("global")})).get(t)
		p := val("prod")
		m(st.In("prod").Create(ctx, secrets.Secret{Key: "DB", Value: p})).get(t)
		got := m(st.In("prod").Get(ctx, "DB")).get(t)
		if got.Value != p || got.Environment != "prod" {
			t.Fatalf("In(prod).Get returned env %q's value, want prod's", got.Environment)
		}
		if g := m(st.Get(ctx, "DB")).get(t); g.Environment != "" || g.Value == p {
			t.Fatal("global Get returned the prod secret")
		}
	})
	t.Run("OtherEnvironmentInvisible", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "dev")
		s.mkEnv(t, st, "prod")
		m(st.In("dev").Create(ctx, secrets.Secret{Key: "ONLYDEV", Value: val("d")})).get(t)
		_, err := st.In("prod").Get(ctx, "ONLYDEV")
		wantCode(t, err, secrets.NotFound)
		_, err = st.Get(ctx, "ONLYDEV")
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("ValueOr", func(t *testing.T) {
		st, _ := s.open(t)
		v := val("v")
		m(st.Create(ctx, secrets.Secret{Key: "present", Value: v})).get(t)
		if got := m(st.ValueOr(ctx, "present", "def")).get(t); got != v {
			t.Error("ValueOr of a present secret did not return its value")
		}
		if got := m(st.ValueOr(ctx, "absent", "def")).get(t); got != "def" {
			t.Errorf("ValueOr of an absent secret = %q, want def", got)
		}
		_, err := st.ValueOr(ctx, "bad//key", "def")
		wantCode(t, err, secrets.InvalidArgument)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = st.ValueOr(cctx, "absent", "def")
		wantCode(t, err, secrets.Canceled)
	})
}
