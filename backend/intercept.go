package backend

import (
	"context"
	"errors"
	"time"
)

// ErrSkip is what a method of an optional interface returns when the
// driver cannot do that operation after all, as database/sql/driver's
// ErrSkip: the portable layer then falls back to its own way. A middleware
// wrapper (see [Intercept]) returns it for the optional interfaces its inner
// driver lacks, so that wrapping never adds or hides a capability.
var ErrSkip = errors.New("backend: optional operation not supported by this driver")

// Call describes one driver call to an [Interceptor].
type Call struct {
	Scheme      string // the driver's URL scheme
	Op          string // the method: Get, Create, Modify, Delete, ListPage, Versions, Ping, Put, Values, SetField, ListEnvironments, GetEnvironment, CreateEnvironment, ModifyEnvironment, DeleteEnvironment
	Environment string // the scope ("" = global; for environment operations the environment's name)
	Key         string // the secret's key, if the operation has one
	classify    func(error) Code
	ctx         context.Context // the caller's
}

// Code classifies an error the call returned (Unknown for nil) as the
// caller will see it: a context error while the caller's context is still
// alive came from inside the driver (its own timeout) and is Unavailable.
func (c *Call) Code(err error) Code {
	if err == nil {
		return Unknown
	}
	code := Classify(err, c.classify)
	if (code == Canceled || code == DeadlineExceeded) && c.ctx != nil && c.ctx.Err() == nil {
		code = Unavailable
	}
	return code
}

// Interceptor runs around every call of a driver: it must call next exactly
// once (or return an error without calling it, to fail the call) and
// return next's error, or another. It never sees a secret's value.
type Interceptor func(ctx context.Context, c *Call, next func(context.Context) error) error

// Intercept returns d with f around every call. The result has d's
// capabilities: Capabilities, As, ErrorAs and Close pass through, and the
// optional interfaces (Pinger, Putter, BatchGetter, ValueGetter, FieldSetter) answer ErrSkip where d
// lacks them, so the portable layer falls back exactly as it would for d.
//
// Interceptors stack: Intercept of an intercepted driver wraps the
// innermost driver once, with f outside the interceptors already there, so
// that whether an optional operation runs at all is decided by the real
// driver, never by a layer of middleware.
func Intercept(d Driver, scheme string, f Interceptor) Driver {
	if w, ok := d.(*intercepted); ok {
		outer, inner := f, w.f
		d, f = w.d, func(ctx context.Context, c *Call, next func(context.Context) error) error {
			return outer(ctx, c, func(ctx context.Context) error { return inner(ctx, c, next) })
		}
	}
	return &intercepted{d: d, scheme: scheme, f: f}
}

type intercepted struct {
	d      Driver
	scheme string
	f      Interceptor
}

var (
	_ Driver      = (*intercepted)(nil)
	_ Pinger      = (*intercepted)(nil)
	_ Putter      = (*intercepted)(nil)
	_ BatchGetter = (*intercepted)(nil)
	_ ValueGetter = (*intercepted)(nil)
	_ KeyChecker  = (*intercepted)(nil)
	_ FieldSetter = (*intercepted)(nil)
)

func (w *intercepted) run(ctx context.Context, op, env, key string, next func(context.Context) error) error {
	return w.f(ctx, &Call{Scheme: w.scheme, Op: op, Environment: env, Key: key, classify: w.d.ErrorCode, ctx: ctx}, next)
}

func (w *intercepted) Get(ctx context.Context, env, key string, opts GetOptions) (s *Secret, err error) {
	err = w.run(ctx, "Get", env, key, func(ctx context.Context) (err error) { s, err = w.d.Get(ctx, env, key, opts); return })
	return s, err
}

func (w *intercepted) Create(ctx context.Context, in *Secret) (s *Secret, err error) {
	err = w.run(ctx, "Create", in.Environment, in.Key, func(ctx context.Context) (err error) { s, err = w.d.Create(ctx, in); return })
	return s, err
}

func (w *intercepted) Modify(ctx context.Context, env, key string, u *Update) (s *Secret, err error) {
	err = w.run(ctx, "Modify", env, key, func(ctx context.Context) (err error) { s, err = w.d.Modify(ctx, env, key, u); return })
	return s, err
}

func (w *intercepted) Delete(ctx context.Context, env, key string) error {
	return w.run(ctx, "Delete", env, key, func(ctx context.Context) error { return w.d.Delete(ctx, env, key) })
}

func (w *intercepted) ListPage(ctx context.Context, o *ListOptions, tok string) (page []*Secret, next string, err error) {
	err = w.run(ctx, "ListPage", o.Environment, "", func(ctx context.Context) (err error) { page, next, err = w.d.ListPage(ctx, o, tok); return })
	return page, next, err
}

func (w *intercepted) Versions(ctx context.Context, env, key string) (vs []Version, err error) {
	err = w.run(ctx, "Versions", env, key, func(ctx context.Context) (err error) { vs, err = w.d.Versions(ctx, env, key); return })
	return vs, err
}

func (w *intercepted) ListEnvironments(ctx context.Context) (es []*Environment, err error) {
	err = w.run(ctx, "ListEnvironments", "", "", func(ctx context.Context) (err error) { es, err = w.d.ListEnvironments(ctx); return })
	return es, err
}

func (w *intercepted) GetEnvironment(ctx context.Context, name string) (e *Environment, err error) {
	err = w.run(ctx, "GetEnvironment", name, "", func(ctx context.Context) (err error) { e, err = w.d.GetEnvironment(ctx, name); return })
	return e, err
}

func (w *intercepted) CreateEnvironment(ctx context.Context, in *Environment) (e *Environment, err error) {
	err = w.run(ctx, "CreateEnvironment", in.Name, "", func(ctx context.Context) (err error) { e, err = w.d.CreateEnvironment(ctx, in); return })
	return e, err
}

func (w *intercepted) ModifyEnvironment(ctx context.Context, name string, u *EnvironmentUpdate) (e *Environment, err error) {
	err = w.run(ctx, "ModifyEnvironment", name, "", func(ctx context.Context) (err error) { e, err = w.d.ModifyEnvironment(ctx, name, u); return })
	return e, err
}

func (w *intercepted) DeleteEnvironment(ctx context.Context, name string) error {
	return w.run(ctx, "DeleteEnvironment", name, "", func(ctx context.Context) error { return w.d.DeleteEnvironment(ctx, name) })
}

func (w *intercepted) Ping(ctx context.Context) error {
	p, ok := w.d.(Pinger)
	if !ok {
		return ErrSkip
	}
	return w.run(ctx, "Ping", "", "", p.Ping)
}

func (w *intercepted) Put(ctx context.Context, in *Secret) (s *Secret, err error) {
	p, ok := w.d.(Putter)
	if !ok {
		return nil, ErrSkip
	}
	err = w.run(ctx, "Put", in.Environment, in.Key, func(ctx context.Context) (err error) { s, err = p.Put(ctx, in); return })
	return s, err
}

func (w *intercepted) Values(ctx context.Context, env string, keys []string) (vs []ValueResult, err error) {
	b, ok := w.d.(BatchGetter)
	if !ok {
		return nil, ErrSkip
	}
	err = w.run(ctx, "Values", env, "", func(ctx context.Context) (err error) { vs, err = b.Values(ctx, env, keys); return })
	return vs, err
}

func (w *intercepted) GetValue(ctx context.Context, env, key string) (v string, exp time.Time, err error) {
	g, ok := w.d.(ValueGetter)
	if !ok {
		return "", time.Time{}, ErrSkip
	}
	err = w.run(ctx, "Get", env, key, func(ctx context.Context) (err error) { v, exp, err = g.GetValue(ctx, env, key); return })
	return v, exp, err
}

func (w *intercepted) SetField(ctx context.Context, env, key, field, value string) (s *Secret, err error) {
	f, ok := w.d.(FieldSetter)
	if !ok {
		return nil, ErrSkip
	}
	err = w.run(ctx, "SetField", env, key, func(ctx context.Context) (err error) { s, err = f.SetField(ctx, env, key, field, value); return })
	return s, err
}

// CheckKey is the driver's key rule, if it has one (no call: nothing to
// intercept).
func (w *intercepted) CheckKey(key string) error {
	if c, ok := w.d.(KeyChecker); ok {
		return c.CheckKey(key)
	}
	return nil
}

func (w *intercepted) Capabilities() Capabilities    { return w.d.Capabilities() }
func (w *intercepted) ErrorCode(err error) Code      { return w.d.ErrorCode(err) }
func (w *intercepted) As(i any) bool                 { return w.d.As(i) }
func (w *intercepted) ErrorAs(err error, i any) bool { return w.d.ErrorAs(err, i) }
func (w *intercepted) Close() error                  { return w.d.Close() }
func (w *intercepted) Unwrap() Driver                { return w.d }
