//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"time"

	"github.com/polysecret/secrets/backend"
)

func (d *driver) ListEnvironments(ctx context.Context) (out []*backend.Environment, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err = d.view(func(st *state) error {
		out = make([]*backend.Environment, 0, len(st.Envs))
		for _, n := range st.envNames() {
			out = append(out, st.Envs[n].Clone())
		}
		return nil
	})
	return out, err
}

func (d *driver) GetEnvironment(_ context.Context, name string) (out *backend.Environment, err error) {
	err = d.view(func(st *state) error {
		e := st.Envs[name]
		if e == nil {
			return errNoEnv(name)
		}
		out = e.Clone()
		return nil
	})
	return out, err
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (out *backend.Environment, err error) {
	err = d.update(ctx, func(st *state) error {
		if st.Envs[e.Name] != nil {
			return backend.Errorf(backend.AlreadyExists, "environment %q exists", e.Name)
		}
		c := e.Clone()
		now := time.Now().UTC()
		c.ID = "file:env/" + e.Name
		c.CreatedAt, c.UpdatedAt = now, now
		st.Envs[e.Name] = c
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (out *backend.Environment, err error) {
	err = d.update(ctx, func(st *state) error {
		e := st.Envs[name]
		if e == nil {
			return errNoEnv(name)
		}
		c := e.Clone()
		u.Apply(c)
		c.UpdatedAt = time.Now().UTC()
		st.Envs[name] = c
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) DeleteEnvironment(ctx context.Context, name string) error {
	return d.update(ctx, func(st *state) error {
		return st.Index.DeleteEnvironment(name)
	})
}
