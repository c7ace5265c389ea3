// Package secrets is one Go API for secret stores: HashiCorp Vault (KV v2),
// AWS Secrets Manager, Locker Secrets and an in-memory store. An application
// opens a [Store] by URL and never changes code to change backend:
//
//	import (
//		"github.com/polysecret/secrets"
//		_ "github.com/polysecret/secrets/vault" // registers vault://
//	)
//
//	store, err := secrets.OpenStore(ctx, "vault://secret/myapp?env=prod")
//	dsn, err := store.Value(ctx, "DATABASE_URL") // prod's, else the global one
//
// Tests use mem:// (package memory). Every driver passes the same
// conformance suite (package conformance) and reports failures with the
// same [Code]s: errors.Is(err, secrets.ErrNotFound) works whatever the
// backend.
//
// # Data model
//
// A secret is identified by (Environment, Key). Environment "" is the global
// scope, valid in every environment; otherwise it names an environment that
// must exist. Keys are 1–256 bytes of A-Z a-z 0-9 _ . - / + = @ (and space
// where the backend holds it), with / separating segments, and values are
// any bytes up to 64 KiB. Everything is validated here, once, before a driver is
// called, so a secret that is valid on one backend is valid on all. A
// Secret's value never appears in fmt, log/slog or encoding/json output.
//
// # Scopes
//
// A Store has an environment scope (URL parameter env, or [Store.In]). Get
// looks in the scope and falls back to the global secret of the same key;
// Create, Modify, Delete, Versions and listings act on the scope exactly.
//
// # URL parameters
//
// Every scheme accepts env (the default scope) and readonly=true (every write
// fails with PermissionDenied before any network call). Unknown parameters
// are an InvalidArgument error. Credentials never come from the URL.
package secrets

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash/fnv"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/polysecret/secrets/backend"
)

// Secret is one secret, identified by (Environment, Key):
//
//   - Environment: "" for the global secret, valid in every environment, or
//     the name of an existing environment.
//   - Key: 1–256 bytes of A-Z a-z 0-9 _ . - / + = @ and space; / separates
//     segments as directories do (none empty, "." or ".."); a listing by
//     prefix "db/" lists what is below it. AWS holds no space: the awssm
//     driver refuses one.
//   - Value: any bytes (NUL and invalid UTF-8 included), at most 65,536.
//     Empty is a value, not "not found". fmt (%v, %+v, %#v, %s), log/slog
//     and encoding/json never show it: fmt.Sprint(s) prints
//     {prod/DATABASE_URL REDACTED (27 bytes)}.
//   - Description: at most 512 bytes of UTF-8.
//   - Type: generic (the default when empty), password, key or token.
//   - Labels: at most 32; keys 1–64 bytes of the key alphabet, values 1–256
//     bytes of Unicode letters, decimal digits, the ASCII space and
//     _ . : / = + - @ — what every backend stores.
//   - ExpiresAt: zero for never. Get of an expired secret fails with
//     ErrExpired unless IncludeExpired is given; listings still show it.
//   - ID, Version, CreatedAt, UpdatedAt: set by the driver (the backend's
//     own id, an opaque version, times), ignored on Create.
//
// Every rule is checked before a driver is called, so a secret valid on one
// backend is valid on all. The type is shared with the driver contract
// (backend.Secret is the same type), so a driver's result reaches the caller
// without a copy.
type Secret = backend.Secret

// Environment is a named scope of secrets: Name (1–64 bytes of
// A-Z a-z 0-9 _ -, starting with a letter or digit), Description (at most
// 512 bytes), ExternalURL (empty, or an absolute http(s) URL of at most
// 2,048 bytes), and CreatedAt and UpdatedAt, set by the driver.
type Environment = backend.Environment

// Update is a partial update of a secret for [Store.Modify]: a nil field is
// left unchanged. Value, Description and Type set those; Labels, when not
// nil, replaces every label (an empty map removes them all); ExpiresAt, when
// not nil, sets the expiry (a zero time removes it); Environment, when not
// nil, moves the secret to that scope ("" = global). Build the pointers
// with [Ptr]. Printing an Update never shows its value.
type Update = backend.Update

// EnvironmentUpdate is a partial update of an environment for
// [Store.ModifyEnvironment]: Description and ExternalURL, when not nil, set
// those. The name never changes.
type EnvironmentUpdate = backend.EnvironmentUpdate

// Version describes one version of a secret, from [Store.Versions]: ID (as
// accepted by [AtVersion]), CreatedAt (zero if the backend does not say),
// and Current (the version Get returns).
type Version = backend.Version

// Capabilities says what a store's driver supports; the portable layer
// answers Unimplemented for the rest before any network call. Versions:
// Versions and AtVersion. Delete: Delete of secrets. DeleteEnvironment.
// Types, Labels, Expiry: stored (natively or in metadata). AtomicModify:
// concurrent Modify calls never lose an update. AtomicMove: a move between
// environments is one backend step. NativeExpiry: the backend itself
// enforces expiry. FieldWrites: Modify of one field (KEY#field) is atomic
// (see FieldSeparator).
type Capabilities = backend.Capabilities

// Secret types.
const (
	TypeGeneric  = backend.TypeGeneric
	TypePassword = backend.TypePassword
	TypeKey      = backend.TypeKey
	TypeToken    = backend.TypeToken
)

// Ptr returns a pointer to v, for the fields of Update.
func Ptr[T any](v T) *T { return &v }

// Store is the portable handle on a secret store. It is safe for concurrent
// use. Views made with In and ReadOnlyView share its driver (one
// connection); closing the Store closes them all, closing a view closes only
// the view.
type Store struct {
	drv      backend.Driver
	caps     backend.Capabilities
	scheme   string
	env      string
	envErr   error
	readonly bool
	// closed is shared by the store NewStore made and every view of it: set
	// by the owner's Close, it closes them all. own is this handle's: a
	// view's Close sets only its own.
	closed *atomic.Bool
	own    *atomic.Bool
	owner  bool
	// vg and kc are the driver's ValueGetter and KeyChecker, if it has
	// them (bind).
	vg backend.ValueGetter
	kc backend.KeyChecker
	// memo remembers the keys that passed hotKey (bind; shared by views,
	// which have the same driver).
	memo *keyMemo
	// watchInterval is Watch's polling interval (0: DefaultWatchInterval).
	watchInterval time.Duration
}

// StoreOptions are the options of [NewStore].
type StoreOptions struct {
	// Scheme names the driver in errors (vault, awssm, locker, mem).
	Scheme string
	// Environment is the initial scope ("" = global).
	Environment string
	// ReadOnly refuses every write with PermissionDenied.
	ReadOnly bool
	// WatchInterval is how often Watch polls the backend (0:
	// DefaultWatchInterval; URL parameter watch_interval).
	WatchInterval time.Duration
}

// NewStore makes a Store over a driver. Drivers call it from their own
// constructors; applications normally use [OpenStore].
func NewStore(drv backend.Driver, opts StoreOptions) *Store {
	s := &Store{drv: drv, caps: drv.Capabilities(), scheme: opts.Scheme, env: opts.Environment,
		readonly: opts.ReadOnly, closed: new(atomic.Bool), own: new(atomic.Bool), owner: true,
		watchInterval: opts.WatchInterval}
	s.bind()
	s.envErr = scopeError(s.caps, s.scheme, opts.Environment)
	return s
}

// In returns the same store scoped to env ("" = the global scope). It makes
// no connection; an invalid name makes every call on the result fail with
// InvalidArgument.
func (s *Store) In(env string) *Store {
	c := s.view()
	c.env = env
	c.envErr = scopeError(c.caps, c.scheme, env)
	return c
}

// ReadOnlyView returns the same store (same scope, same driver) refusing
// every write with PermissionDenied, to hand to code that must only read.
func (s *Store) ReadOnlyView() *Store {
	c := s.view()
	c.readonly = true
	return c
}

// view is a copy of s that does not own the driver: its Close closes only
// itself, so that code handed a view cannot close the store it came from.
func (s *Store) view() *Store {
	c := *s
	c.own, c.owner = new(atomic.Bool), false
	if s.own.Load() {
		c.own.Store(true)
	}
	return &c
}

// Environment returns the store's scope ("" = global).
func (s *Store) Environment() string { return s.env }

// Capabilities says what the driver supports.
func (s *Store) Capabilities() Capabilities { return s.caps }

// ReadOnly reports whether the store refuses writes.
func (s *Store) ReadOnly() bool { return s.readonly }

// fail wraps a driver's error as an *Error. Only the caller's context makes
// Canceled or DeadlineExceeded: a context error while ctx is still alive
// came from inside the driver (a per-request timeout of its client) and is
// Unavailable, which a caller may retry.
func (s *Store) fail(ctx context.Context, op, env, key string, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Scheme == s.scheme {
		return err
	}
	c := backend.Classify(err, s.drv.ErrorCode)
	if (c == Canceled || c == DeadlineExceeded) && ctx.Err() == nil {
		c = Unavailable
	}
	return &Error{Code: c, Op: op, Scheme: s.scheme, Environment: env, Key: key, Err: err}
}

func (s *Store) failCode(op, env, key string, c Code, err error) error {
	return &Error{Code: c, Op: op, Scheme: s.scheme, Environment: env, Key: key, Err: err}
}

// validateKey is the portable key rule, then the driver's own, if any.
func (s *Store) validateKey(key string) error {
	if err := backend.ValidateKey(key); err != nil {
		return err
	}
	if s.kc != nil {
		return s.kc.CheckKey(key)
	}
	return nil
}

// validateSecret is backend.ValidateSecret plus the driver's key rule.
func (s *Store) validateSecret(sec *Secret) error {
	if err := backend.ValidateSecret(sec); err != nil {
		return err
	}
	return s.validateKey(sec.Key)
}

// check runs before every call: closed store, invalid scope, done context.
func (s *Store) check(ctx context.Context, op, key string) error {
	if s.closed.Load() || s.own.Load() {
		return s.failCode(op, s.env, key, FailedPrecondition, ErrClosed)
	}
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, op, s.env, key, err)
	}
	if s.envErr != nil {
		return s.fail(ctx, op, s.env, key, s.envErr)
	}
	return nil
}

func (s *Store) checkWrite(ctx context.Context, op, key string) error {
	if err := s.check(ctx, op, key); err != nil {
		return err
	}
	if s.readonly {
		return s.failCode(op, s.env, key, PermissionDenied, ErrReadOnly)
	}
	return nil
}

// GetOption modifies a Get.
type GetOption func(*getOptions)

type getOptions struct {
	version        string
	includeExpired bool
	exact          bool
}

// applyGetOptions is separate so that the options struct only escapes to
// the heap when there are options (Get without options does not allocate).
func applyGetOptions(opts []GetOption) getOptions {
	o := new(getOptions)
	for _, f := range opts {
		f(o)
	}
	return *o
}

// AtVersion makes Get return that version (a Version.ID) of the secret in
// the store's exact scope, without falling back to the global scope.
// Unimplemented where the driver has no versions.
func AtVersion(id string) GetOption { return func(o *getOptions) { o.version = id } }

// ExactScope makes Get read the store's scope only: an environment
// without the key is NotFound, whatever the global scope holds (no
// fallback, and no read of the global scope at all).
func ExactScope() GetOption { return func(o *getOptions) { o.exact = true } }

// IncludeExpired makes Get return a secret whose expiry has passed instead
// of failing with ErrExpired.
func IncludeExpired() GetOption { return func(o *getOptions) { o.includeExpired = true } }

// Get returns the secret key of the store's scope; if the scope is an
// environment without that key, the global secret of that key; else an error
// with code NotFound. A secret whose ExpiresAt has passed is an error with
// code FailedPrecondition wrapping ErrExpired, unless IncludeExpired is
// given. The returned Secret is the caller's.
//
// key may select one field of a secret whose value is a JSON object:
// Get(ctx, "DATABASE#password") returns the secret DATABASE with Value set
// to its field password (a string as it is, any other JSON value as JSON
// text). A value that is not a JSON object is InvalidArgument; a missing
// field is NotFound. See FieldSeparator.
func (s *Store) Get(ctx context.Context, key string, opts ...GetOption) (*Secret, error) {
	if err := s.check(ctx, "Get", key); err != nil {
		return nil, err
	}
	key, field, hasField := splitField(key)
	if hasField {
		if err := validateField(field); err != nil {
			return nil, s.fail(ctx, "Get", s.env, key, err)
		}
	}
	if err := s.validateKey(key); err != nil {
		return nil, s.fail(ctx, "Get", s.env, key, err)
	}
	var o getOptions
	if len(opts) > 0 {
		o = applyGetOptions(opts)
	}
	if o.version != "" && !s.caps.Versions {
		return nil, s.failCode("Get", s.env, key, Unimplemented, errors.New("driver has no versions"))
	}
	var (
		sec *Secret
		err error
	)
	if o.version != "" || o.exact {
		sec, err = s.drv.Get(ctx, s.env, key, backend.GetOptions{Version: o.version})
	} else {
		sec, err = s.getFallback(ctx, key)
	}
	if err != nil {
		return nil, s.fail(ctx, "Get", s.env, key, err)
	}
	if !o.includeExpired && !sec.ExpiresAt.IsZero() && sec.Expired(time.Now()) {
		return nil, s.failCode("Get", sec.Environment, key, FailedPrecondition, ErrExpired)
	}
	if hasField {
		if sec, err = selectField(sec, field); err != nil {
			return nil, s.fail(ctx, "Get", s.env, key, err)
		}
	}
	return sec, nil
}

// Value returns the value of Get(ctx, key).
//
// Where the driver can read a value alone (backend.ValueGetter: memory, file,
// awssm, and the cache), Value builds no Secret: on mem:// and on a cache hit it makes
// no allocation. That path has Get's checks, fallback and errors; a call
// that must report an invalid call (a closed store, a done context, an
// invalid key or scope) or that selects a field takes Get's path, as does
// a driver's ErrSkip. Keys read again are remembered as valid (up to 64
// bytes, one per length): key must be an ordinary Go string, never one
// made with unsafe.String over a buffer that is later rewritten.
func (s *Store) Value(ctx context.Context, key string) (string, error) {
	if s.vg != nil && ctx.Err() == nil && !s.closed.Load() && !s.own.Load() && s.envErr == nil && s.memo.has(key) {
		v, exp, err := s.vg.GetValue(ctx, s.env, key)
		if err == nil && exp == (time.Time{}) { // the usual answer: no fallback, no expiry (a zero time in another Location is fastValueRest's)
			return v, nil
		}
		return s.valueRest(ctx, key, v, exp, err)
	}
	return s.valueSlow(ctx, key)
}

// valueSlow is Value of a key that is not in the memo (or of a call that
// must take Get's path): hotKey, which remembers the key, then the fast
// path, else Get's. Kept apart, as valueRest is, so that Value's usual
// read has a small frame.
func (s *Store) valueSlow(ctx context.Context, key string) (string, error) {
	if s.vg != nil && ctx.Err() == nil && !s.closed.Load() && !s.own.Load() && s.envErr == nil && s.learnHot(key) {
		v, exp, err := s.vg.GetValue(ctx, s.env, key)
		return s.valueRest(ctx, key, v, exp, err)
	}
	return s.valueGet(ctx, key)
}

// valueRest is Value after the driver's answer v, exp, err.
func (s *Store) valueRest(ctx context.Context, key, v string, exp time.Time, err error) (string, error) {
	if v, ok, err := s.fastValueRest(ctx, s.vg, key, v, exp, err); ok {
		return v, err
	}
	return s.valueGet(ctx, key)
}

// valueGet is Value by Get.
func (s *Store) valueGet(ctx context.Context, key string) (string, error) {
	sec, err := s.Get(ctx, key)
	if err != nil {
		return "", err
	}
	return sec.Value, nil
}

// fastValueRest is Value's fast path after an answer that needs more than
// passing on: ErrSkip (ok false: Get's path), the fallback to the global
// scope, errors, and the exact check of the expiry.
func (s *Store) fastValueRest(ctx context.Context, g backend.ValueGetter, key, v string, exp time.Time, err error) (string, bool, error) {
	if err != nil && errors.Is(err, backend.ErrSkip) {
		return "", false, nil
	}
	env := s.env
	if err != nil && env != "" && s.code(err) == NotFound {
		var gerr error
		v, exp, gerr = g.GetValue(ctx, "", key)
		switch {
		case gerr == nil:
			env, err = "", nil
		case s.code(gerr) == NotFound:
			err = &backend.Error{Code: NotFound, Err: gerr,
				Msg: "no secret " + strconv.Quote(key) + " in environment " + strconv.Quote(env) + ", nor a global one"}
		case s.code(gerr) != PermissionDenied:
			err = gerr
		}
	}
	if err != nil && s.env == "" && s.code(err) == NotFound {
		err = &backend.Error{Code: NotFound, Err: err, Msg: "no global secret " + strconv.Quote(key)}
	}
	if err != nil {
		return "", true, s.fail(ctx, "Get", s.env, key, err)
	}
	if !exp.IsZero() && !time.Now().Before(exp) {
		return "", true, s.failCode("Get", env, key, FailedPrecondition, ErrExpired)
	}
	return v, true, nil
}

// ValueOr returns the value of Get(ctx, key), or def if and only if the
// secret is not found. Every other error is returned.
func (s *Store) ValueOr(ctx context.Context, key, def string) (string, error) {
	v, err := s.Value(ctx, key)
	if err != nil {
		if ErrorCode(err) == NotFound {
			return def, nil
		}
		return "", err
	}
	return v, nil
}

// Create stores a new secret in sec.Environment, or in the store's scope when
// sec.Environment is "" (use In("") to create a global secret from a scoped
// store). AlreadyExists if the key exists there; NotFound if the environment
// does not. It returns the stored secret with its ID, Version and times.
func (s *Store) Create(ctx context.Context, sec Secret) (*Secret, error) {
	if sec.Environment == "" {
		sec.Environment = s.env
	}
	if err := s.checkWrite(ctx, "Create", sec.Key); err != nil {
		return nil, err
	}
	if err := s.validateNew(&sec); err != nil {
		return nil, s.fail(ctx, "Create", sec.Environment, sec.Key, err)
	}
	sec.ID, sec.Version, sec.CreatedAt, sec.UpdatedAt = "", "", time.Time{}, time.Time{}
	out, err := s.createGuarded(ctx, &sec)
	if err != nil {
		return nil, s.fail(ctx, "Create", sec.Environment, sec.Key, err)
	}
	return out, nil
}

// validateNew checks a secret to create or put: the portable rules, the
// driver's key rule, its scope, and what the driver can store.
func (s *Store) validateNew(sec *Secret) error {
	if err := s.validateSecret(sec); err != nil {
		return err
	}
	if err := scopeError(s.caps, s.scheme, sec.Environment); err != nil {
		return err
	}
	if err := s.unsupported(sec.Type, sec.Labels, !sec.ExpiresAt.IsZero()); err != nil {
		return err
	}
	return s.checkText(sec.Value)
}

// checkText refuses a value that is not valid UTF-8 on a TextOnly driver,
// and an empty one on a NoEmptyValues driver.
func (s *Store) checkText(v string) error {
	if s.caps.TextOnly && !utf8.ValidString(v) {
		return backend.Errorf(InvalidArgument, "the %s driver stores only values that are valid UTF-8", s.scheme)
	}
	if s.caps.NoEmptyValues && v == "" {
		return backend.Errorf(InvalidArgument, "the %s driver cannot store an empty value", s.scheme)
	}
	return nil
}

func (s *Store) unsupported(typ string, labels map[string]string, expiry bool) error {
	switch {
	case typ != "" && typ != TypeGeneric && !s.caps.Types:
		return backend.Errorf(Unimplemented, "the %s driver does not store secret types", s.scheme)
	case len(labels) > 0 && !s.caps.Labels:
		return backend.Errorf(Unimplemented, "the %s driver does not store labels", s.scheme)
	case expiry && !s.caps.Expiry:
		return backend.Errorf(Unimplemented, "the %s driver does not store expiry", s.scheme)
	}
	return nil
}

// Modify applies a partial update to the secret key of the store's exact
// scope and returns the result. The key never changes; u.Environment moves
// the secret (AlreadyExists if the target holds the key). On drivers that can
// compare-and-set, concurrent Modify calls never lose an update.
//
// key may select one field of a secret whose value is a JSON object:
// Modify(ctx, "DATABASE#password", Update{Value: &v}) sets the field
// password of DATABASE to the JSON string v (added if absent), keeping every
// other field, in one atomic step of the backend (see FieldSeparator and
// modifyField). It returns the secret with Value set to the field, as
// Get(ctx, "DATABASE#password") would.
func (s *Store) Modify(ctx context.Context, key string, u Update) (*Secret, error) {
	if err := s.checkWrite(ctx, "Modify", key); err != nil {
		return nil, err
	}
	if key, field, ok := splitField(key); ok {
		return s.modifyField(ctx, key, field, &u)
	}
	if err := s.validateKey(key); err != nil {
		return nil, s.fail(ctx, "Modify", s.env, key, err)
	}
	if err := backend.ValidateUpdate(&u); err != nil {
		return nil, s.fail(ctx, "Modify", s.env, key, err)
	}
	typ := ""
	if u.Type != nil {
		typ = *u.Type
	}
	if err := s.unsupported(typ, u.Labels, u.ExpiresAt != nil && !u.ExpiresAt.IsZero()); err != nil {
		return nil, s.fail(ctx, "Modify", s.env, key, err)
	}
	if u.Value != nil {
		if err := s.checkText(*u.Value); err != nil {
			return nil, s.fail(ctx, "Modify", s.env, key, err)
		}
	}
	if u.Environment != nil && *u.Environment == s.env {
		u.Environment = nil
	}
	if u.Environment != nil && s.caps.GlobalOnly {
		return nil, s.fail(ctx, "Modify", s.env, key, errGlobalOnly(s.scheme))
	}
	var (
		out *Secret
		err error
	)
	if u.Environment != nil && !s.caps.AtomicMove {
		out, err = s.move(ctx, key, &u)
	} else {
		out, err = s.drv.Modify(ctx, s.env, key, &u)
	}
	if err != nil {
		return nil, s.fail(ctx, "Modify", s.env, key, err)
	}
	return out, nil
}

// Delete removes the secret key of the store's exact scope, with all its
// versions. NotFound if absent. Create of the same key succeeds right after.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkWrite(ctx, "Delete", key); err != nil {
		return err
	}
	if err := s.validateKey(key); err != nil {
		return s.fail(ctx, "Delete", s.env, key, err)
	}
	if !s.caps.Delete {
		return s.failCode("Delete", s.env, key, Unimplemented, errors.New("driver cannot delete secrets"))
	}
	if err := s.drv.Delete(ctx, s.env, key); err != nil {
		return s.fail(ctx, "Delete", s.env, key, err)
	}
	return nil
}

// Versions lists the versions of the secret key of the store's exact scope,
// oldest first. Unimplemented where the driver has no versions.
func (s *Store) Versions(ctx context.Context, key string) ([]Version, error) {
	if err := s.check(ctx, "Versions", key); err != nil {
		return nil, err
	}
	if err := s.validateKey(key); err != nil {
		return nil, s.fail(ctx, "Versions", s.env, key, err)
	}
	if !s.caps.Versions {
		return nil, s.failCode("Versions", s.env, key, Unimplemented, errors.New("driver has no versions"))
	}
	vs, err := s.drv.Versions(ctx, s.env, key)
	if err != nil {
		return nil, s.fail(ctx, "Versions", s.env, key, err)
	}
	return vs, nil
}

// ListOptions filter a listing. The zero value lists the store's scope, 100
// secrets a page, without values.
type ListOptions struct {
	// AllEnvironments lists every scope (each secret with its Environment)
	// instead of the store's scope only.
	AllEnvironments bool
	// Prefix keeps keys that start with it.
	Prefix string
	// Type keeps secrets of that type.
	Type string
	// Labels keeps secrets that carry all of these labels.
	Labels map[string]string
	// Query keeps secrets whose key or description contains it, ignoring
	// case.
	Query string
	// PageSize is 1–1000; 0 means 100.
	PageSize int
	// WithValues fills in values (otherwise Value is empty).
	WithValues bool
}

func (s *Store) listOptions(o ListOptions) (*backend.ListOptions, error) {
	bo := &backend.ListOptions{AllEnvironments: o.AllEnvironments, Prefix: o.Prefix, Type: o.Type,
		Labels: o.Labels, Query: o.Query, PageSize: o.PageSize, WithValues: o.WithValues}
	if !o.AllEnvironments {
		bo.Environment = s.env
	} else if s.caps.GlobalOnly {
		bo.AllEnvironments = false // every secret is global
	}
	if err := backend.ValidateListOptions(bo); err != nil {
		return nil, err
	}
	if o.Type != "" && o.Type != TypeGeneric && !s.caps.Types {
		return nil, backend.Errorf(Unimplemented, "the %s driver does not store secret types", s.scheme)
	}
	if len(o.Labels) > 0 && !s.caps.Labels {
		return nil, backend.Errorf(Unimplemented, "the %s driver does not store labels", s.scheme)
	}
	if !s.caps.Types {
		bo.Type = "" // every secret is generic
	}
	return bo, nil
}

// ListPage returns one page of the listing opts describes, and the token of
// the next page ("" after the last). Pass "" for the first page. Tokens are
// opaque and bound to the options: a token used with other options is an
// InvalidArgument error. A page may be short, or even empty, before the end.
func (s *Store) ListPage(ctx context.Context, opts ListOptions, token string) ([]*Secret, string, error) {
	if err := s.check(ctx, "List", ""); err != nil {
		return nil, "", err
	}
	bo, err := s.listOptions(opts)
	if err != nil {
		return nil, "", s.fail(ctx, "List", bo0(bo, s.env), "", err)
	}
	fp := fingerprint(bo)
	dtok := ""
	if token != "" {
		if dtok, err = openToken(token, fp); err != nil {
			return nil, "", s.fail(ctx, "List", bo.Environment, "", err)
		}
	}
	page, next, err := s.drv.ListPage(ctx, bo, dtok)
	if err != nil {
		return nil, "", s.fail(ctx, "List", bo.Environment, "", err)
	}
	if next != "" {
		next = sealToken(next, fp)
	}
	return page, next, nil
}

func bo0(bo *backend.ListOptions, env string) string {
	if bo == nil {
		return env
	}
	return bo.Environment
}

// List iterates over every secret of the listing opts describes, page by
// page. It stops at the first error, which it yields with a nil secret.
func (s *Store) List(ctx context.Context, opts ListOptions) iter.Seq2[*Secret, error] {
	return func(yield func(*Secret, error) bool) {
		token := ""
		for {
			page, next, err := s.ListPage(ctx, opts, token)
			if err != nil {
				yield(nil, err)
				return
			}
			for _, sec := range page {
				if !yield(sec, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			if err := ctx.Err(); err != nil {
				yield(nil, s.fail(ctx, "List", s.env, "", err))
				return
			}
			token = next
		}
	}
}

// Page tokens: base64url(version | 8-byte fingerprint of the options |
// driver token). The fingerprint binds a token to the options it was made
// for; it is not a secret and needs no MAC.
const tokenVersion = 1

func fingerprint(o *backend.ListOptions) uint64 {
	h := fnv.New64a()
	w := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	if o.AllEnvironments {
		w("*")
	} else {
		w("=" + o.Environment)
	}
	w(o.Prefix)
	w(o.Type)
	keys := make([]string, 0, len(o.Labels))
	for k := range o.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		w(k)
		w(o.Labels[k])
	}
	w(o.Query)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(o.PageSize))
	h.Write(b[:])
	return h.Sum64()
}

func sealToken(dtok string, fp uint64) string {
	b := make([]byte, 9, 9+len(dtok))
	b[0] = tokenVersion
	binary.BigEndian.PutUint64(b[1:], fp)
	b = append(b, dtok...)
	return base64.RawURLEncoding.EncodeToString(b)
}

func openToken(tok string, fp uint64) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 10 || b[0] != tokenVersion {
		return "", backend.Errorf(InvalidArgument, "malformed page token")
	}
	if binary.BigEndian.Uint64(b[1:9]) != fp {
		return "", backend.Errorf(InvalidArgument, "page token was made for other list options")
	}
	return string(b[9:]), nil
}

// errFixedEnvironments: the driver's environments come from its
// configuration (Capabilities.FixedEnvironments).
var errFixedEnvironments = errors.New("this store's environments are configured (its URL or options), not created")

// ListEnvironments returns every environment, sorted by name.
func (s *Store) ListEnvironments(ctx context.Context) ([]*Environment, error) {
	if err := s.check(ctx, "ListEnvironments", ""); err != nil {
		return nil, err
	}
	if s.caps.GlobalOnly {
		return []*Environment{}, nil
	}
	envs, err := s.drv.ListEnvironments(ctx)
	if err != nil {
		return nil, s.fail(ctx, "ListEnvironments", "", "", err)
	}
	slices.SortFunc(envs, func(a, b *Environment) int { return strings.Compare(a.Name, b.Name) })
	return envs, nil
}

// GetEnvironment returns one environment; NotFound if it does not exist.
func (s *Store) GetEnvironment(ctx context.Context, name string) (*Environment, error) {
	if err := s.check(ctx, "GetEnvironment", ""); err != nil {
		return nil, err
	}
	if err := backend.ValidateEnvironmentName(name); err != nil {
		return nil, s.fail(ctx, "GetEnvironment", name, "", err)
	}
	if s.caps.GlobalOnly {
		return nil, s.fail(ctx, "GetEnvironment", name, "", errGlobalOnly(s.scheme))
	}
	e, err := s.drv.GetEnvironment(ctx, name)
	if err != nil {
		return nil, s.fail(ctx, "GetEnvironment", name, "", err)
	}
	return e, nil
}

// CreateEnvironment creates an environment; AlreadyExists if the name is
// taken.
func (s *Store) CreateEnvironment(ctx context.Context, e Environment) (*Environment, error) {
	if err := s.checkWrite(ctx, "CreateEnvironment", ""); err != nil {
		return nil, err
	}
	if err := backend.ValidateEnvironment(&e); err != nil {
		return nil, s.fail(ctx, "CreateEnvironment", e.Name, "", err)
	}
	if s.caps.FixedEnvironments {
		return nil, s.failCode("CreateEnvironment", e.Name, "", Unimplemented, errFixedEnvironments)
	}
	if s.caps.GlobalOnly {
		return nil, s.fail(ctx, "CreateEnvironment", e.Name, "", errGlobalOnly(s.scheme))
	}
	e.ID, e.CreatedAt, e.UpdatedAt = "", time.Time{}, time.Time{}
	out, err := s.drv.CreateEnvironment(ctx, &e)
	if err != nil {
		return nil, s.fail(ctx, "CreateEnvironment", e.Name, "", err)
	}
	return out, nil
}

// ModifyEnvironment changes an environment's description and external URL.
// The name never changes.
func (s *Store) ModifyEnvironment(ctx context.Context, name string, u EnvironmentUpdate) (*Environment, error) {
	if err := s.checkWrite(ctx, "ModifyEnvironment", ""); err != nil {
		return nil, err
	}
	if err := backend.ValidateEnvironmentName(name); err != nil {
		return nil, s.fail(ctx, "ModifyEnvironment", name, "", err)
	}
	if err := backend.ValidateEnvironmentUpdate(&u); err != nil {
		return nil, s.fail(ctx, "ModifyEnvironment", name, "", err)
	}
	if s.caps.FixedEnvironments {
		return nil, s.failCode("ModifyEnvironment", name, "", Unimplemented, errFixedEnvironments)
	}
	if s.caps.GlobalOnly {
		return nil, s.fail(ctx, "ModifyEnvironment", name, "", errGlobalOnly(s.scheme))
	}
	out, err := s.drv.ModifyEnvironment(ctx, name, &u)
	if err != nil {
		return nil, s.fail(ctx, "ModifyEnvironment", name, "", err)
	}
	return out, nil
}

// DeleteEnvironment deletes an empty environment: FailedPrecondition while it
// still holds secrets, so that nothing is lost by accident.
func (s *Store) DeleteEnvironment(ctx context.Context, name string) error {
	if err := s.checkWrite(ctx, "DeleteEnvironment", ""); err != nil {
		return err
	}
	if err := backend.ValidateEnvironmentName(name); err != nil {
		return s.fail(ctx, "DeleteEnvironment", name, "", err)
	}
	if s.caps.FixedEnvironments {
		return s.failCode("DeleteEnvironment", name, "", Unimplemented, errFixedEnvironments)
	}
	if s.caps.GlobalOnly {
		return s.fail(ctx, "DeleteEnvironment", name, "", errGlobalOnly(s.scheme))
	}
	if !s.caps.DeleteEnvironment {
		return s.failCode("DeleteEnvironment", name, "", Unimplemented, errors.New("driver cannot delete environments"))
	}
	if err := s.deleteEnvironmentGuarded(ctx, name); err != nil {
		return s.fail(ctx, "DeleteEnvironment", name, "", err)
	}
	return nil
}

// With returns the store with f around every call of its driver (see
// backend.Interceptor): tracing, audit logs, fault injection. Use the
// result in place of s: it has the same scope, the same capabilities and
// the same driver, and closing either closes both.
func (s *Store) With(f backend.Interceptor) *Store {
	c := *s
	c.drv = backend.Intercept(s.drv, s.scheme, f)
	c.bind()
	return &c
}

// bind finds the driver's optional interfaces of the hot path once, so that
// a read does not assert them each time.
func (s *Store) bind() {
	s.vg, _ = s.drv.(backend.ValueGetter)
	s.kc, _ = s.drv.(backend.KeyChecker)
	s.memo = new(keyMemo)
}

// Ping checks, with as few calls as the driver allows, that the store can
// be used: the backend answers, it accepts the credentials, and the store's
// environment (if it has one) exists — so that a configuration mistake
// (a missing region, a wrong token, env=prdo) shows at start-up rather than
// on the first Get. A missing environment is NotFound. Without a Pinger
// the driver lists its environments (on a driver without environments, one
// secret).
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(ctx, "Ping", ""); err != nil {
		return err
	}
	err := backend.ErrSkip
	if p, ok := s.drv.(backend.Pinger); ok {
		err = p.Ping(ctx)
	}
	if errors.Is(err, backend.ErrSkip) {
		if s.caps.GlobalOnly {
			_, _, err = s.drv.ListPage(ctx, &backend.ListOptions{PageSize: 1}, "")
		} else {
			_, err = s.drv.ListEnvironments(ctx)
		}
	}
	if err != nil {
		return s.fail(ctx, "Ping", s.env, "", err)
	}
	if s.env == "" {
		return nil
	}
	if _, err := s.drv.GetEnvironment(ctx, s.env); err != nil {
		if backend.Classify(err, s.drv.ErrorCode) == NotFound {
			err = backend.Errorf(NotFound, "the store's environment %q does not exist: %w", s.env, err)
		}
		return s.fail(ctx, "Ping", s.env, "", err)
	}
	return nil
}

// As sets i to the driver's client, if i is a pointer to its type, and
// reports whether it did: *api.Client for vault, *secretsmanager.Client for
// awssm, *locker.Client for locker. See each driver's documentation.
func (s *Store) As(i any) bool {
	if i == nil {
		return false
	}
	return s.drv.As(i)
}

// ErrorAs sets i to the driver's own error inside err, if i is a pointer to
// its type, and reports whether it did (for example *api.ResponseError for
// vault). Use it for what the Code does not say.
func (s *Store) ErrorAs(err error, i any) bool {
	if err == nil || i == nil {
		return false
	}
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		err = e.Err
	}
	return s.drv.ErrorAs(err, i)
}

// Close releases the driver's resources. Every call after it, on this store
// or a view of it (In, ReadOnlyView), fails with FailedPrecondition wrapping
// ErrClosed. Close on a view closes only that view: code handed a view
// cannot close the store it came from.
func (s *Store) Close() error {
	if s.own.Swap(true) || s.closed.Load() {
		return s.failCode("Close", "", "", FailedPrecondition, ErrClosed)
	}
	if !s.owner {
		return nil
	}
	s.closed.Store(true)
	if err := s.drv.Close(); err != nil {
		return s.fail(context.Background(), "Close", "", "", err)
	}
	return nil
}
