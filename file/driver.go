//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"maps"
	"os"
	"sync"
	"time"

	"filippo.io/age"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/memindex"
)

// driver is one open store file. d.mu guards the cached view (st, stamp,
// held) and serialises the driver's writes; the flock of <path>.lock
// serialises writes between drivers and processes.
type driver struct {
	memindex.SelfClassified
	path       string
	identity   age.Identity
	recipients []age.Recipient

	mu    sync.RWMutex
	st    *state   // nil: unknown, re-read before use
	stamp stamp    // of the file st was read from (from fstat of held)
	held  *os.File // that file, kept open so that its inode is not reused
	// heldFd is held's descriptor (-1 without one), for fstat.
	heldFd int
	lock   *os.File // <path>.lock, opened by the first write
	swept  bool     // stale temporary files removed (by the first write)
}

var _ memindex.Driver = (*driver)(nil) // the contract and every optional interface

// view runs fn on the current content of the store: from memory when the
// file has not changed since it was read, else after reading it again.
func (d *driver) view(fn func(st *state) error) error {
	d.mu.RLock()
	if d.st != nil {
		ok, err := d.fresh()
		if err != nil {
			d.mu.RUnlock()
			return err
		}
		if ok {
			defer d.mu.RUnlock()
			return fn(d.st)
		}
	}
	d.mu.RUnlock()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.refreshLocked(); err != nil {
		return err
	}
	return fn(d.st)
}

// update runs fn on the current content of the store under the file lock,
// then writes the result. fn must not change st when it returns an error.
func (d *driver) update(ctx context.Context, fn func(st *state) error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	unlock, err := d.lockFile(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	if !d.swept {
		d.swept = true
		d.sweepLocked()
	}
	if err := d.refreshLocked(); err != nil {
		return err
	}
	if err := fn(d.st); err != nil {
		return err
	}
	if err := d.writeLocked(d.st); err != nil {
		d.adopt(nil, stamp{}, nil) // st holds a change the file may not: re-read
		return err
	}
	return nil
}

func (d *driver) Get(_ context.Context, env, key string, opts backend.GetOptions) (out *backend.Secret, err error) {
	err = d.view(func(st *state) error {
		e := st.Secrets[memindex.Key{Env: env, Key: key}]
		if e == nil {
			return errNotFound(env, key)
		}
		cur := e.Current()
		if opts.Version == "" {
			out = cur.Clone()
			return nil
		}
		for _, v := range e.Versions {
			if v.Version == opts.Version {
				// A version's value with the secret's current metadata
				// (DESIGN.md §3.5), as on every driver.
				c := v.Clone()
				c.Type, c.Description, c.ExpiresAt = cur.Type, cur.Description, cur.ExpiresAt
				c.Labels = maps.Clone(cur.Labels)
				out = c
				return nil
			}
		}
		return backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
	})
	return out, err
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (out *backend.Secret, err error) {
	err = d.update(ctx, func(st *state) error {
		k := memindex.Key{Env: s.Environment, Key: s.Key}
		if s.Environment != "" && st.Envs[s.Environment] == nil {
			return errNoEnv(s.Environment)
		}
		if st.Secrets[k] != nil {
			return backend.Errorf(backend.AlreadyExists, "secret %q exists", s.Key)
		}
		now := time.Now().UTC()
		c := s.Clone()
		c.Type = backend.EffectiveType(c.Type)
		c.ID = secretID(s.Environment, s.Key)
		c.CreatedAt, c.UpdatedAt = now, now
		e := &memindex.Entry{Next: 1}
		e.Push(c)
		st.Insert(k, e)
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (out *backend.Secret, err error) {
	err = d.update(ctx, func(st *state) error {
		k := memindex.Key{Env: env, Key: key}
		e := st.Secrets[k]
		if e == nil {
			return errNotFound(env, key)
		}
		c := e.Current().Clone()
		u.Apply(c)
		c.UpdatedAt = time.Now().UTC()
		c.Type = backend.EffectiveType(c.Type)
		if c.Environment != env {
			if c.Environment != "" && st.Envs[c.Environment] == nil {
				return errNoEnv(c.Environment)
			}
			nk := memindex.Key{Env: c.Environment, Key: key}
			if st.Secrets[nk] != nil {
				return backend.Errorf(backend.AlreadyExists, "secret %q exists in the target scope", key)
			}
			// The moved secret starts a new history in the target
			// (DESIGN.md §3.4), as on every driver.
			c.ID = secretID(c.Environment, key)
			c.CreatedAt = c.UpdatedAt
			st.Remove(k)
			e = &memindex.Entry{Next: 1}
			st.Insert(nk, e)
		}
		e.Push(c)
		out = c.Clone()
		return nil
	})
	return out, err
}

func (d *driver) Delete(ctx context.Context, env, key string) error {
	return d.update(ctx, func(st *state) error {
		k := memindex.Key{Env: env, Key: key}
		if st.Secrets[k] == nil {
			return errNotFound(env, key)
		}
		st.Remove(k)
		return nil
	})
}

// ListPage lists in (environment, key) order; the token is the last
// (environment, key) of the previous page, so a secret that exists
// throughout a listing is seen exactly once whatever else changes.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, token string) (page []*backend.Secret, next string, err error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	err = d.view(func(st *state) error {
		page, next, err = st.Page(o, token)
		return err
	})
	return page, next, err
}

// more reports whether some secret from index i on could still match o.

func (d *driver) Versions(_ context.Context, env, key string) (vs []backend.Version, err error) {
	err = d.view(func(st *state) error {
		e := st.Secrets[memindex.Key{Env: env, Key: key}]
		if e == nil {
			return errNotFound(env, key)
		}
		vs = make([]backend.Version, len(e.Versions))
		for i, v := range e.Versions {
			vs[i] = backend.Version{ID: v.Version, CreatedAt: v.UpdatedAt, Current: i == len(e.Versions)-1}
		}
		return nil
	})
	return vs, err
}

func (d *driver) Capabilities() backend.Capabilities { return memindex.Capabilities }

// Close releases the files the driver holds open.
func (d *driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.adopt(nil, stamp{}, nil)
	if d.lock != nil {
		d.lock.Close()
		d.lock = nil
	}
	return nil
}

// Put creates or replaces (env, key) in one write.
func (d *driver) Put(ctx context.Context, s *backend.Secret) (out *backend.Secret, err error) {
	err = d.update(ctx, func(st *state) error {
		out, err = st.Put(s, secretID(s.Environment, s.Key))
		return err
	})
	return out, err
}

// Values reads keys in exactly env from one view of the file.
func (d *driver) Values(_ context.Context, env string, keys []string) (res []backend.ValueResult, err error) {
	err = d.view(func(st *state) error {
		res = st.Values(env, keys)
		return nil
	})
	return res, err
}

// Ping reads the file if it changed: nil when the store can be read with
// the identity.
func (d *driver) Ping(context.Context) error { return d.view(func(*state) error { return nil }) }

// errNoValue is GetValue's miss: a fixed error, so that the fall back from
// an environment to the global scope allocates nothing.
var errNoValue error = &backend.Error{Code: backend.NotFound, Msg: "no such secret"}

// GetValue returns the current value of (env, key) and its expiry without
// copying the secret.
func (d *driver) GetValue(_ context.Context, env, key string) (v string, exp time.Time, err error) {
	err = d.view(func(st *state) error {
		e := st.Secrets[memindex.Key{Env: env, Key: key}]
		if e == nil {
			return errNoValue
		}
		c := e.Current()
		v, exp = c.Value, c.ExpiresAt
		return nil
	})
	return v, exp, err
}
