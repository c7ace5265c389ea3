package secrets_test

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/memory"
)

// racy is a driver that checks, then acts, as the vault and awssm drivers
// must: environments live in one memory store, secrets in another where
// every environment exists. between runs after each check.
type racy struct {
	backend.Driver                // the secrets
	envs           backend.Driver // the environments
	between        func()
}

func (r *racy) hook() {
	if f := r.between; f != nil {
		r.between = nil
		f()
	}
}

func (r *racy) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	if s.Environment != "" {
		if _, err := r.envs.GetEnvironment(ctx, s.Environment); err != nil {
			return nil, err
		}
	}
	r.hook()
	return r.Driver.Create(ctx, s)
}

func (r *racy) DeleteEnvironment(ctx context.Context, name string) error {
	page, _, err := r.Driver.ListPage(ctx, &backend.ListOptions{Environment: name, PageSize: 1}, "")
	if err != nil {
		return err
	}
	if len(page) > 0 {
		return backend.Errorf(backend.FailedPrecondition, "environment %q holds secrets", name)
	}
	r.hook()
	return r.envs.DeleteEnvironment(ctx, name)
}

func (r *racy) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	_, _ = r.Driver.CreateEnvironment(ctx, e)
	return r.envs.CreateEnvironment(ctx, e)
}

func (r *racy) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	return r.envs.GetEnvironment(ctx, name)
}

func (r *racy) Capabilities() backend.Capabilities {
	c := r.Driver.Capabilities()
	c.AtomicMove = false
	return c
}

// TestDeleteEnvironmentRace: a Create and a DeleteEnvironment that overlap
// never leave a secret in an environment that does not exist (issue 8.10).
func TestDeleteEnvironmentRace(t *testing.T) {
	ctx := context.Background()
	newRacy := func(t *testing.T) (*racy, *secrets.Store) {
		r := &racy{Driver: memory.NewDB().Driver(), envs: memory.NewDB().Driver()}
		st := secrets.NewStore(r, secrets.StoreOptions{Scheme: "racy"})
		if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod", Description: "the real one"}); err != nil {
			t.Fatal(err)
		}
		return r, st
	}
	orphans := func(t *testing.T, r *racy, st *secrets.Store) {
		t.Helper()
		_, envErr := st.GetEnvironment(ctx, "prod")
		page, _, err := r.Driver.ListPage(ctx, &backend.ListOptions{Environment: "prod", PageSize: 10}, "")
		if err != nil {
			t.Fatal(err)
		}
		if envErr != nil && len(page) > 0 {
			t.Fatalf("%d secret(s) left in environment prod, which does not exist (%v)", len(page), envErr)
		}
	}

	t.Run("DeleteEnvironmentDuringCreate", func(t *testing.T) {
		r, st := newRacy(t)
		r.between = func() {
			if err := st.DeleteEnvironment(ctx, "prod"); err != nil {
				t.Errorf("DeleteEnvironment of an empty environment: %v", err)
			}
		}
		_, err := st.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "v"})
		if secrets.ErrorCode(err) != secrets.NotFound {
			t.Errorf("Create into an environment deleted meanwhile: %v, want NotFound", err)
		}
		orphans(t, r, st)
	})
	t.Run("CreateDuringDeleteEnvironment", func(t *testing.T) {
		r, st := newRacy(t)
		r.between = func() {
			if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
				t.Errorf("Create: %v", err)
			}
		}
		err := st.DeleteEnvironment(ctx, "prod")
		if secrets.ErrorCode(err) != secrets.FailedPrecondition {
			t.Errorf("DeleteEnvironment while a secret was created in it: %v, want FailedPrecondition", err)
		}
		orphans(t, r, st)
		if e, err := st.GetEnvironment(ctx, "prod"); err != nil || e.Description != "the real one" {
			t.Errorf("restored environment: %+v, %v", e, err)
		}
		if v, err := st.In("prod").Value(ctx, "K"); err != nil || v != "v" {
			t.Errorf("the secret created meanwhile: %q, %v", v, err)
		}
	})
}
