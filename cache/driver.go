package cache

import (
	"context"

	"github.com/polysecret/secrets/backend"
)

// The rest of backend.Driver: writes pass through and invalidate what they
// touch (whatever their outcome: a failed write may have landed); the other
// reads pass through uncached.

// Create passes through and invalidates the secret's entry.
func (c *Cache) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	defer c.Invalidate(s.Environment, s.Key)
	return c.inner.Create(ctx, s)
}

// Modify passes through and invalidates the entry, and the target's on a
// move.
func (c *Cache) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	defer func() {
		c.Invalidate(env, key)
		if u.Environment != nil {
			c.Invalidate(*u.Environment, key)
		}
	}()
	return c.inner.Modify(ctx, env, key, u)
}

// Delete passes through and invalidates the entry.
func (c *Cache) Delete(ctx context.Context, env, key string) error {
	defer c.Invalidate(env, key)
	return c.inner.Delete(ctx, env, key)
}

// Put passes through (backend.ErrSkip where the inner driver has no Put)
// and invalidates the entry.
func (c *Cache) Put(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	p, ok := c.inner.(backend.Putter)
	if !ok {
		return nil, backend.ErrSkip
	}
	defer c.Invalidate(s.Environment, s.Key)
	return p.Put(ctx, s)
}

// SetField passes through (backend.ErrSkip where the inner driver has no
// FieldSetter) and invalidates the entry.
func (c *Cache) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	f, ok := c.inner.(backend.FieldSetter)
	if !ok {
		return nil, backend.ErrSkip
	}
	defer c.Invalidate(env, key)
	return f.SetField(ctx, env, key, field, value)
}

// DeleteEnvironment passes through and invalidates the environment's
// entries.
func (c *Cache) DeleteEnvironment(ctx context.Context, name string) error {
	defer c.InvalidateEnvironment(name)
	return c.inner.DeleteEnvironment(ctx, name)
}

// ListPage passes through.
func (c *Cache) ListPage(ctx context.Context, o *backend.ListOptions, tok string) ([]*backend.Secret, string, error) {
	return c.inner.ListPage(ctx, o, tok)
}

// Versions passes through.
func (c *Cache) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	return c.inner.Versions(ctx, env, key)
}

// ListEnvironments passes through.
func (c *Cache) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	return c.inner.ListEnvironments(ctx)
}

// GetEnvironment passes through.
func (c *Cache) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	return c.inner.GetEnvironment(ctx, name)
}

// CreateEnvironment passes through.
func (c *Cache) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	return c.inner.CreateEnvironment(ctx, e)
}

// ModifyEnvironment passes through.
func (c *Cache) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	return c.inner.ModifyEnvironment(ctx, name, u)
}

// Ping passes through (backend.ErrSkip where the inner driver has none).
func (c *Cache) Ping(ctx context.Context) error {
	if p, ok := c.inner.(backend.Pinger); ok {
		return p.Ping(ctx)
	}
	return backend.ErrSkip
}

// Values passes through, uncached (backend.ErrSkip where the inner driver
// has no batch read).
func (c *Cache) Values(ctx context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	if b, ok := c.inner.(backend.BatchGetter); ok {
		return b.Values(ctx, env, keys)
	}
	return nil, backend.ErrSkip
}

// CheckKey is the inner driver's key rule, if it has one.
func (c *Cache) CheckKey(key string) error {
	if c.kc != nil {
		return c.kc.CheckKey(key)
	}
	return nil
}

// Capabilities are the inner driver's.
func (c *Cache) Capabilities() backend.Capabilities { return c.inner.Capabilities() }

// ErrorCode is the inner driver's.
func (c *Cache) ErrorCode(err error) backend.Code { return c.inner.ErrorCode(err) }

// As sets a **Cache to c; anything else goes to the inner driver.
func (c *Cache) As(i any) bool {
	if p, ok := i.(**Cache); ok {
		*p = c
		return true
	}
	return c.inner.As(i)
}

// ErrorAs is the inner driver's.
func (c *Cache) ErrorAs(err error, i any) bool { return c.inner.ErrorAs(err, i) }
