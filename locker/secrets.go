package locker

import (
	"context"
	"net/url"

	"github.com/polysecret/secrets/backend"
)

// Secrets: find by lookup hash, and the driver's secret operations.

// find returns the wire secret (env, key), exactly in that scope.
func (d *driver) find(ctx context.Context, env, key string) (*wireSecret, error) {
	h := d.c.Hash(key)
	all, err := listAll[wireSecret](ctx, d.c, "/v1/secrets?"+listQuery("count_secrets", 1, serverPageSize, url.Values{"hash": {h}}))
	if err != nil {
		return nil, err
	}
	envHash := ""
	if env != "" {
		envHash = d.c.Hash(env)
	}
	for i := range all {
		w := &all[i]
		if w.SecretHash != h {
			continue
		}
		if deref(w.EnvironmentHash) == envHash {
			return w, nil
		}
	}
	return nil, notFound(env, key)
}

// notFound is the NotFound error of a secret absent from its scope.
func notFound(env, key string) error {
	if env == "" {
		return backend.Errorf(backend.NotFound, "no global secret %q", key)
	}
	return backend.Errorf(backend.NotFound, "no secret %q in environment %q", key, env)
}

func (d *driver) Get(ctx context.Context, env, key string, _ backend.GetOptions) (*backend.Secret, error) {
	w, err := d.find(ctx, env, key)
	if err != nil {
		return nil, err
	}
	return d.verifier(ctx).secret(w, &want{env, key})
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	body := secretBody{Hash: d.c.Hash(s.Key)}
	if s.Environment != "" {
		e, err := d.findEnv(ctx, s.Environment)
		if err != nil {
			return nil, err
		}
		body.EnvironmentID = &e.ID
		if body.EnvironmentName, err = d.c.Encrypt(s.Environment); err != nil {
			return nil, err
		}
	}
	var err error
	if body.Key, err = d.c.Encrypt(s.Key); err != nil {
		return nil, err
	}
	if body.Value, err = d.c.Encrypt(s.Value); err != nil {
		return nil, err
	}
	if s.Description != "" {
		if body.Description, err = d.c.Encrypt(s.Description); err != nil {
			return nil, err
		}
	}
	var w wireSecret
	if err := d.c.do(ctx, "POST", "/v1/secrets", body, &w); err != nil {
		if classify(err) == backend.AlreadyExists {
			// A retried POST whose first attempt succeeded: the secret now
			// holds our ciphertext.
			if cur, ferr := d.find(ctx, s.Environment, s.Key); ferr == nil && cur.Value == body.Value {
				return d.verifier(ctx).secret(cur, &want{s.Environment, s.Key})
			}
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists: %w", s.Key, err)
		}
		return nil, err
	}
	return d.verifier(ctx).secret(&w, &want{s.Environment, s.Key})
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	w, err := d.find(ctx, env, key)
	if err != nil {
		return nil, err
	}
	body := secretBody{Hash: d.c.Hash(key)}
	target := env
	if u.Value != nil {
		if body.Value, err = d.c.Encrypt(*u.Value); err != nil {
			return nil, err
		}
	}
	if u.Description != nil {
		if body.Description, err = d.c.Encrypt(*u.Description); err != nil {
			return nil, err
		}
	}
	if u.Environment != nil {
		target = *u.Environment
		if target == "" {
			empty := ""
			body.EnvironmentID = &empty
			if body.EnvironmentName, err = d.c.Encrypt(""); err != nil {
				return nil, err
			}
		} else {
			e, err := d.findEnv(ctx, target)
			if err != nil {
				return nil, err
			}
			body.EnvironmentID = &e.ID
			if body.EnvironmentName, err = d.c.Encrypt(target); err != nil {
				return nil, err
			}
		}
	}
	var out wireSecret
	if err := d.c.do(ctx, "PUT", "/v1/secrets/"+url.PathEscape(w.ID), body, &out); err != nil {
		if classify(err) == backend.AlreadyExists {
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists in the target scope: %w", key, err)
		}
		return nil, err
	}
	return d.verifier(ctx).secret(&out, &want{target, key})
}

func (d *driver) Delete(context.Context, string, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no secret deletion")
}

func (d *driver) Versions(context.Context, string, string) ([]backend.Version, error) {
	return nil, backend.Errorf(backend.Unimplemented, "Locker has no versions")
}
