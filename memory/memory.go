// Package memory is the mem:// driver: an in-process secret store, the
// reference implementation of the polysecret model and what applications'
// tests use instead of a real backend.
//
// Everything is native: environments, versions (the last 100 of each
// secret), types, labels, expiry, paging with exactly-once listings, delete.
// It is safe for concurrent use; Modify holds the store's lock for its whole
// read-modify-write, so concurrent updates are never lost; so does a write
// of one field (Modify of KEY#field, backend.FieldSetter).
//
// # URLs
//
//	mem://          a new, empty store, private to the Store that opened it
//	mem://name      the store called name, shared by every Store in the
//	                process that opens mem://name (until the process ends)
//
// Only the common parameters env and readonly are accepted.
//
// # As
//
// The memory driver exposes no client: As and ErrorAs always answer false.
package memory

import (
	"cmp"
	"context"
	"maps"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/hotmap"
	"github.com/polysecret/secrets/internal/memindex"
)

// Scheme is the URL scheme of this driver.
const Scheme = "mem"

// MaxVersions is how many versions of a secret are kept.
const MaxVersions = memindex.MaxVersions

func init() {
	secrets.Register(Scheme, secrets.URLOpenerFunc(openURL))
}

var (
	namedMu sync.Mutex
	named   = map[string]*DB{}
)

func openURL(_ context.Context, u *url.URL) (backend.Driver, error) {
	if err := backend.NewParams(u.Query()).Err(); err != nil {
		return nil, err
	}
	if u.Path != "" && u.Path != "/" || u.Opaque != "" {
		return nil, backend.Errorf(backend.InvalidArgument, "mem URL takes a name as host only (mem://name)")
	}
	if u.Host == "" {
		return NewDB().Driver(), nil
	}
	namedMu.Lock()
	defer namedMu.Unlock()
	db := named[u.Host]
	if db == nil {
		db = NewDB()
		named[u.Host] = db
	}
	return db.Driver(), nil
}

// OpenStore returns a Store on a new, empty in-memory store.
func OpenStore() *secrets.Store {
	return secrets.NewStore(NewDB().Driver(), secrets.StoreOptions{Scheme: Scheme})
}

// DB is the data of one in-memory store. Several drivers (and so several
// Stores) may share one DB.
type DB struct {
	mu sync.RWMutex
	*memindex.Index
	// current is the current version of every secret, for GetValue
	// (Store.Value) to read without mu: written under mu by publish after
	// every write of a secret. The versions it points to are never
	// modified (a write pushes a new one).
	current hotmap.Map[backend.Secret] // in the DB: a load less on every GetValue
}

// NewDB returns an empty store.
func NewDB() *DB {
	db := &DB{Index: memindex.New()}
	db.current.Init()
	return db
}

// publish makes GetValue see the secret (env, key) as it now is in the
// index (or its absence). Under mu.
func (db *DB) publish(env, key string) {
	if e := db.Secrets[memindex.Key{Env: env, Key: key}]; e != nil {
		db.current.Store(env, key, e.Current())
	} else {
		db.current.Delete(env, key)
	}
}

// Driver returns a new driver on db (its own Close, shared data).
func (db *DB) Driver() backend.Driver { return &driver{db: db} }

type driver struct {
	memindex.SelfClassified
	db     *DB
	closed atomic.Bool
}

var _ memindex.Driver = (*driver)(nil) // the contract and every optional interface

var (
	errNotFound = memindex.NotFound
	errNoEnv    = memindex.NoEnvironment
)

func (d *driver) Get(_ context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	e := d.db.Secrets[memindex.Key{Env: env, Key: key}]
	if e == nil {
		return nil, errNotFound(env, key)
	}
	s := e.Current()
	if opts.Version != "" {
		s = nil
		for _, v := range e.Versions {
			if v.Version == opts.Version {
				s = v
				break
			}
		}
		if s == nil {
			return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
		}
		// A version's value with the secret's current metadata (DESIGN.md
		// §3.5), as on every driver.
		cur := e.Current()
		c := s.Clone()
		c.Type, c.Description, c.ExpiresAt = cur.Type, cur.Description, cur.ExpiresAt
		c.Labels = maps.Clone(cur.Labels)
		return c, nil
	}
	return s.Clone(), nil
}

func (d *driver) Create(_ context.Context, s *backend.Secret) (*backend.Secret, error) {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	k := memindex.Key{Env: s.Environment, Key: s.Key}
	if s.Environment != "" && db.Envs[s.Environment] == nil {
		return nil, errNoEnv(s.Environment)
	}
	if db.Secrets[k] != nil {
		return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists", s.Key)
	}
	now := time.Now().UTC()
	c := s.Clone()
	if c.Type == "" {
		c.Type = backend.TypeGeneric
	}
	c.ID = "mem:" + s.Environment + "/" + s.Key
	c.CreatedAt, c.UpdatedAt = now, now
	e := &memindex.Entry{Next: 1}
	e.Push(c)
	db.Insert(k, e)
	db.publish(s.Environment, s.Key)
	return c.Clone(), nil
}

func (d *driver) Modify(_ context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	k := memindex.Key{Env: env, Key: key}
	e := db.Secrets[k]
	if e == nil {
		return nil, errNotFound(env, key)
	}
	c := e.Current().Clone()
	u.Apply(c)
	c.UpdatedAt = time.Now().UTC()
	if c.Type == "" {
		c.Type = backend.TypeGeneric
	}
	if c.Environment != env {
		if c.Environment != "" && db.Envs[c.Environment] == nil {
			return nil, errNoEnv(c.Environment)
		}
		nk := memindex.Key{Env: c.Environment, Key: key}
		if db.Secrets[nk] != nil {
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists in the target scope", key)
		}
		// The moved secret starts a new history in the target (DESIGN.md
		// §3.4), as on every driver.
		c.ID = "mem:" + c.Environment + "/" + key
		c.CreatedAt = c.UpdatedAt
		db.Remove(k)
		e = &memindex.Entry{Next: 1}
		db.Insert(nk, e)
		db.publish(env, key)
	}
	e.Push(c)
	db.publish(c.Environment, key)
	return c.Clone(), nil
}

func (d *driver) Delete(_ context.Context, env, key string) error {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	k := memindex.Key{Env: env, Key: key}
	if db.Secrets[k] == nil {
		return errNotFound(env, key)
	}
	db.Remove(k)
	db.publish(env, key)
	return nil
}

// ListPage lists in (environment, key) order; the token is the last
// (environment, key) of the previous page, so a secret that exists
// throughout a listing is seen exactly once whatever else changes.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	return d.db.Page(o, token)
}

// more reports whether some secret from index i on could still match o.

func (d *driver) Versions(_ context.Context, env, key string) ([]backend.Version, error) {
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	e := d.db.Secrets[memindex.Key{Env: env, Key: key}]
	if e == nil {
		return nil, errNotFound(env, key)
	}
	vs := make([]backend.Version, len(e.Versions))
	for i, v := range e.Versions {
		vs[i] = backend.Version{ID: v.Version, CreatedAt: v.UpdatedAt, Current: i == len(e.Versions)-1}
	}
	return vs, nil
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	out := make([]*backend.Environment, 0, len(d.db.Envs))
	for _, e := range d.db.Envs {
		out = append(out, e.Clone())
	}
	slices.SortFunc(out, func(a, b *backend.Environment) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

func (d *driver) GetEnvironment(_ context.Context, name string) (*backend.Environment, error) {
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	e := d.db.Envs[name]
	if e == nil {
		return nil, errNoEnv(name)
	}
	return e.Clone(), nil
}

func (d *driver) CreateEnvironment(_ context.Context, e *backend.Environment) (*backend.Environment, error) {
	d.db.mu.Lock()
	defer d.db.mu.Unlock()
	if d.db.Envs[e.Name] != nil {
		return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists", e.Name)
	}
	c := e.Clone()
	now := time.Now().UTC()
	c.ID = "mem:env/" + e.Name
	c.CreatedAt, c.UpdatedAt = now, now
	d.db.Envs[e.Name] = c
	return c.Clone(), nil
}

func (d *driver) ModifyEnvironment(_ context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	d.db.mu.Lock()
	defer d.db.mu.Unlock()
	e := d.db.Envs[name]
	if e == nil {
		return nil, errNoEnv(name)
	}
	c := e.Clone()
	u.Apply(c)
	c.UpdatedAt = time.Now().UTC()
	d.db.Envs[name] = c
	return c.Clone(), nil
}

func (d *driver) DeleteEnvironment(_ context.Context, name string) error {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.Index.DeleteEnvironment(name)
}

func (d *driver) Capabilities() backend.Capabilities { return memindex.Capabilities }

func (d *driver) Close() error {
	d.closed.Store(true)
	return nil
}

// Put creates or replaces (env, key) under the store's lock.
func (d *driver) Put(_ context.Context, s *backend.Secret) (*backend.Secret, error) {
	d.db.mu.Lock()
	defer d.db.mu.Unlock()
	defer d.db.publish(s.Environment, s.Key)
	return d.db.Put(s, "mem:"+s.Environment+"/"+s.Key)
}

// Values reads keys in exactly env under one read lock.
func (d *driver) Values(_ context.Context, env string, keys []string) ([]backend.ValueResult, error) {
	d.db.mu.RLock()
	defer d.db.mu.RUnlock()
	return d.db.Values(env, keys), nil
}

// Ping answers nil while the driver is open: an in-process store is always
// reachable.
func (d *driver) Ping(context.Context) error { return nil }

// errNoValue is GetValue's miss: a fixed error, so that the fall back from
// an environment to the global scope allocates nothing.
var errNoValue error = &backend.Error{Code: backend.NotFound, Msg: "no such secret"}

// GetValue returns the current value of (env, key) and its expiry without
// copying the secret, and without a lock (DB.current): Store.Value on
// mem:// makes no allocation.
func (d *driver) GetValue(_ context.Context, env, key string) (string, time.Time, error) {
	c := d.db.current.Load(env, key)
	if c == nil {
		return "", time.Time{}, errNoValue // no allocation: Value falls back, then reports with Get's error
	}
	return c.Value, c.ExpiresAt, nil
}
