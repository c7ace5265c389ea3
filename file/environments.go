//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"slices"
	"time"

	"github.com/polysecret/secrets/backend"
)

func (d *driver) ListEnvironments(ctx context.Context) (out []*backend.Environment, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	err = d.view(func(st *state) error {
		out = make([]*backend.Environment, 0, len(st.envs))
		for _, n := range st.envNames() {
			out = append(out, st.envs[n].Clone())
		}
		return nil
	})
	return out, err
}

func (d *driver) GetEnvironment(_ context.Context, name string) (out *backend.Environment, err error) {
	err = d.view(func(st *state) error {
		e := st.envs[name]
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
		if st.envs[e.Name] != nil {
			return backend.Errorf(backend.AlreadyExists, "environment %q exists", e.Name)
		}
		c := e.Clone()
		now := time.Now().UTC()
		c.ID = "file:env/" + e.Name
		c.CreatedAt, c.UpdatedAt = now, now
		st.envs[e.Name] = c
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (out *backend.Environment, err error) {
	err = d.update(ctx, func(st *state) error {
		e := st.envs[name]
		if e == nil {
			return errNoEnv(name)
		}
		c := e.Clone()
		u.Apply(c)
		c.UpdatedAt = time.Now().UTC()
		st.envs[name] = c
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) DeleteEnvironment(ctx context.Context, name string) error {
	return d.update(ctx, func(st *state) error {
		if st.envs[name] == nil {
			return errNoEnv(name)
		}
		i, _ := slices.BinarySearchFunc(st.order, skey{name, ""}, skey.compare)
		if i < len(st.order) && st.order[i].env == name {
			return backend.Errorf(backend.FailedPrecondition, "environment %q still holds secrets", name)
		}
		delete(st.envs, name)
		return nil
	})
}
