package conformance

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
)

func (s *suite) testEnvironments(t *testing.T) {
	if s.caps.FixedEnvironments {
		s.testFixedEnvironments(t)
		return
	}
	if s.caps.GlobalOnly {
		s.testNoEnvironments(t)
		return
	}
	t.Run("CRUD", func(t *testing.T) {
		st, _ := s.open(t)
		in := secrets.Environment{Name: "staging", ExternalURL: "https://staging.example.com/app", Description: "pre-prod ✓"}
		created := m(st.CreateEnvironment(ctx, in)).get(t)
		cmpEnv := cmp.Options{cmpopts.IgnoreFields(secrets.Environment{}, "ID", "CreatedAt", "UpdatedAt")}
		if diff := cmp.Diff(&in, created, cmpEnv); diff != "" {
			t.Errorf("CreateEnvironment (-want +got):\n%s", diff)
		}
		got := m(st.GetEnvironment(ctx, "staging")).get(t)
		if diff := cmp.Diff(&in, got, cmpEnv); diff != "" {
			t.Errorf("GetEnvironment (-want +got):\n%s", diff)
		}
		m(st.CreateEnvironment(ctx, secrets.Environment{Name: "alpha"})).get(t)
		envs := m(st.ListEnvironments(ctx)).get(t)
		var names []string
		for _, e := range envs {
			names = append(names, e.Name)
		}
		if diff := cmp.Diff([]string{"alpha", "staging"}, names); diff != "" {
			t.Errorf("ListEnvironments (-want +got):\n%s", diff)
		}
		mod := m(st.ModifyEnvironment(ctx, "staging", secrets.EnvironmentUpdate{Description: secrets.Ptr("changed")})).get(t)
		in.Description = "changed"
		if diff := cmp.Diff(&in, mod, cmpEnv); diff != "" {
			t.Errorf("ModifyEnvironment (-want +got):\n%s", diff)
		}
		m(st.ModifyEnvironment(ctx, "staging", secrets.EnvironmentUpdate{ExternalURL: secrets.Ptr("")})).get(t)
		in.ExternalURL = ""
		if diff := cmp.Diff(&in, m(st.GetEnvironment(ctx, "staging")).get(t), cmpEnv); diff != "" {
			t.Errorf("after clearing the URL (-want +got):\n%s", diff)
		}
	})
	t.Run("Errors", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		_, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
		wantCode(t, err, secrets.AlreadyExists)
		_, err = st.GetEnvironment(ctx, "nope")
		wantCode(t, err, secrets.NotFound)
		_, err = st.ModifyEnvironment(ctx, "nope", secrets.EnvironmentUpdate{Description: secrets.Ptr("x")})
		wantCode(t, err, secrets.NotFound)
		for _, bad := range []string{"", "_global", "-x", "a.b", "a/b", strings.Repeat("e", 65), "sp ace"} {
			_, err = st.CreateEnvironment(ctx, secrets.Environment{Name: bad})
			wantCode(t, err, secrets.InvalidArgument)
		}
		for _, bad := range []string{"ftp://x", "not a url", "/relative", "https://" + strings.Repeat("h", 2048)} {
			_, err = st.CreateEnvironment(ctx, secrets.Environment{Name: "u", ExternalURL: bad})
			wantCode(t, err, secrets.InvalidArgument)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "tmp")
		if !s.caps.DeleteEnvironment {
			wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.Unimplemented)
			m(st.GetEnvironment(ctx, "tmp")).get(t)
			return
		}
		v := val("keep")
		m(st.In("tmp").Create(ctx, secrets.Secret{Key: "KEEP", Value: v})).get(t)
		wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.FailedPrecondition)
		if m(st.In("tmp").Value(ctx, "KEEP")).get(t) != v {
			t.Fatal("a refused DeleteEnvironment lost a secret")
		}
		if s.caps.Delete {
			ok(t, st.In("tmp").Delete(ctx, "KEEP"))
			ok(t, st.DeleteEnvironment(ctx, "tmp"))
			_, err := st.GetEnvironment(ctx, "tmp")
			wantCode(t, err, secrets.NotFound)
			wantCode(t, st.DeleteEnvironment(ctx, "tmp"), secrets.NotFound)
			_, err = st.In("tmp").Create(ctx, secrets.Secret{Key: "K", Value: val("k")})
			wantCode(t, err, secrets.NotFound)
		}
	})
}

// testFixedEnvironments: configured environments are listed and read, and
// cannot be created, modified or deleted.
func (s *suite) testFixedEnvironments(t *testing.T) {
	st, _ := s.open(t)
	var names []string
	for _, e := range m(st.ListEnvironments(ctx)).get(t) {
		names = append(names, e.Name)
	}
	if diff := cmp.Diff(Environments, names); diff != "" {
		t.Errorf("ListEnvironments of a store configured with conformance.Environments (-want +got):\n%s", diff)
	}
	if e := m(st.GetEnvironment(ctx, "prod")).get(t); e.Name != "prod" {
		t.Errorf("GetEnvironment(prod) = %q", e.Name)
	}
	_, err := st.GetEnvironment(ctx, "nope")
	wantCode(t, err, secrets.NotFound)
	_, err = st.CreateEnvironment(ctx, secrets.Environment{Name: "new"})
	wantCode(t, err, secrets.Unimplemented)
	_, err = st.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("x")})
	wantCode(t, err, secrets.Unimplemented)
	wantCode(t, st.DeleteEnvironment(ctx, "prod"), secrets.Unimplemented)
	_, err = st.In("nope").Create(ctx, secrets.Secret{Key: "K", Value: val("k")})
	wantCode(t, err, secrets.NotFound)
}

// testNoEnvironments: a driver without environments (GlobalOnly) lists
// none, refuses every other use of one with Unimplemented before anything
// is written, and lists its secrets under every scope option as global.
func (s *suite) testNoEnvironments(t *testing.T) {
	st, _ := s.open(t)
	v := val("g")
	m(st.Create(ctx, secrets.Secret{Key: "G", Value: v})).get(t)
	if envs := m(st.ListEnvironments(ctx)).get(t); len(envs) != 0 {
		t.Errorf("ListEnvironments of a driver without environments: %d", len(envs))
	}
	prod := st.In("prod")
	errs := map[string]error{}
	_, errs["GetEnvironment"] = st.GetEnvironment(ctx, "prod")
	_, errs["CreateEnvironment"] = st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"})
	_, errs["ModifyEnvironment"] = st.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("d")})
	errs["DeleteEnvironment"] = st.DeleteEnvironment(ctx, "prod")
	_, errs["Create in an environment"] = st.Create(ctx, secrets.Secret{Environment: "prod", Key: "E", Value: val("e")})
	_, errs["Put in an environment"] = st.Put(ctx, secrets.Secret{Environment: "prod", Key: "E", Value: val("e")})
	_, errs["Modify (move)"] = st.Modify(ctx, "G", secrets.Update{Value: secrets.Ptr(val("m")), Environment: secrets.Ptr("prod")})
	_, errs["In.Get"] = prod.Get(ctx, "G")
	_, errs["In.Value"] = prod.Value(ctx, "G")
	_, errs["In.Create"] = prod.Create(ctx, secrets.Secret{Key: "E", Value: val("e")})
	_, _, errs["In.ListPage"] = prod.ListPage(ctx, secrets.ListOptions{}, "")
	errs["In.Ping"] = prod.Ping(ctx)
	for op, err := range errs {
		t.Run(op, func(t *testing.T) { wantCode(t, err, secrets.Unimplemented) })
	}
	if got := m(st.Value(ctx, "G")).get(t); got != v {
		t.Error("a refused call changed the global secret")
	}
	all, _ := must2(t)(st.ListPage(ctx, secrets.ListOptions{AllEnvironments: true}, ""))
	var keys []string
	for _, sec := range all {
		keys = append(keys, sec.Environment+"/"+sec.Key)
	}
	if diff := cmp.Diff([]string{"/G"}, keys); diff != "" {
		t.Errorf("AllEnvironments listing (-want +got):\n%s", diff)
	}
}
