package locker

import (
	"context"
	"net/url"

	"github.com/polysecret/secrets/backend"
)

// Environments: find by lookup hash, and the driver's environment
// operations.

// findEnv returns the wire environment of a name (by its hash).
func (d *driver) findEnv(ctx context.Context, name string) (*wireEnv, error) {
	h := d.c.Hash(name)
	envs, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, serverPageSize, url.Values{"hash": {h}}))
	if err != nil {
		return nil, err
	}
	for i := range envs {
		if envs[i].Hash == h {
			return &envs[i], nil
		}
	}
	return nil, backend.Errorf(backend.NotFound, "environment %q does not exist", name)
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	ws, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, 2000, nil))
	if err != nil {
		return nil, err
	}
	out := make([]*backend.Environment, 0, len(ws))
	for i := range ws {
		e, err := d.env(&ws[i], "")
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *driver) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	w, err := d.findEnv(ctx, name)
	if err != nil {
		return nil, err
	}
	return d.env(w, name)
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	body := envBody{Hash: d.c.Hash(e.Name)}
	var err error
	if body.Name, err = d.c.Encrypt(e.Name); err != nil {
		return nil, err
	}
	if body.ExternalURL, err = d.c.encryptField(nonEmpty(e.ExternalURL)); err != nil {
		return nil, err
	}
	if body.Description, err = d.c.encryptField(nonEmpty(e.Description)); err != nil {
		return nil, err
	}
	var w wireEnv
	if err := d.c.do(ctx, "POST", "/v1/environments", body, &w); err != nil {
		if classify(err) == backend.AlreadyExists {
			// A retried POST whose first attempt succeeded: the environment
			// now holds our ciphertext (a fresh random IV: nobody else's).
			if cur, ferr := d.findEnv(ctx, e.Name); ferr == nil && cur.Name == body.Name {
				return d.env(cur, e.Name)
			}
			return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists: %w", e.Name, err)
		}
		return nil, err
	}
	return d.env(&w, e.Name)
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	w, err := d.findEnv(ctx, name)
	if err != nil {
		return nil, err
	}
	body := envBody{Hash: d.c.Hash(name)}
	if body.ExternalURL, err = d.c.encryptField(u.ExternalURL); err != nil {
		return nil, err
	}
	if body.Description, err = d.c.encryptField(u.Description); err != nil {
		return nil, err
	}
	var out wireEnv
	if err := d.c.do(ctx, "PUT", "/v1/environments/"+url.PathEscape(w.ID), body, &out); err != nil {
		return nil, err
	}
	return d.env(&out, name)
}

func (d *driver) DeleteEnvironment(context.Context, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no environment deletion")
}
