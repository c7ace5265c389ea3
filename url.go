package secrets

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/cache"
)

// URLOpener opens a driver for a URL. The URL it gets has the common
// parameters (env, readonly) already removed; it must reject parameters it
// does not know (backend.Params does this).
type URLOpener interface {
	OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error)
}

// StoreDefaulter is an optional interface of a URLOpener: the scope and
// read-only mode of the stores it opens when the URL does not say (a
// driver's URLOpener answers its Options' Environment and ReadOnly). The
// URL's env wins; readonly=true in either makes the store read-only — a URL
// cannot make an opener's read-only stores writable.
type StoreDefaulter interface {
	StoreDefaults() (env string, readOnly bool)
}

// URLOpenerFunc adapts a function to URLOpener.
type URLOpenerFunc func(ctx context.Context, u *url.URL) (backend.Driver, error)

// OpenDriverURL calls f.
func (f URLOpenerFunc) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	return f(ctx, u)
}

// URLMux maps URL schemes to openers.
type URLMux struct {
	mu      sync.RWMutex
	openers map[string]URLOpener
}

// DefaultURLMux is the mux OpenStore and Register use.
var DefaultURLMux = new(URLMux)

// Register makes a scheme available to OpenStore. Drivers call it from init.
// It panics if the scheme is registered twice or the opener is nil, as
// database/sql.Register does.
func Register(scheme string, opener URLOpener) { DefaultURLMux.Register(scheme, opener) }

// Register adds a scheme to m; it panics on a nil opener, and on a scheme
// already registered — unless the new opener has the same type as the one
// it replaces: a driver's URLOpener carrying the application's client
// replaces the default one the driver registered in its init, so that
//
//	secrets.DefaultURLMux.Register("vault", &vault.URLOpener{Client: c})
//
// makes every vault:// URL use c.
func (m *URLMux) Register(scheme string, opener URLOpener) {
	if opener == nil {
		panic("secrets: Register opener is nil")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.openers == nil {
		m.openers = map[string]URLOpener{}
	}
	if old, dup := m.openers[scheme]; dup && fmt.Sprintf("%T", old) != fmt.Sprintf("%T", opener) {
		panic("secrets: Register called twice for scheme " + scheme + " with openers of different types")
	}
	m.openers[scheme] = opener
}

// Schemes returns the registered schemes, sorted.
func (m *URLMux) Schemes() []string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	s := make([]string, 0, len(m.openers))
	for k := range m.openers {
		s = append(s, k)
	}
	slices.Sort(s)
	return s
}

// OpenStore opens a Store by URL through DefaultURLMux: mem://, and the
// schemes of the drivers the program imports (vault://, awssm://,
// locker://).
func OpenStore(ctx context.Context, urlstr string) (*Store, error) {
	return DefaultURLMux.OpenStore(ctx, urlstr)
}

// OpenStore opens a Store by URL. On every scheme, the parameters cache_ttl,
// cache_max_stale, cache_stale_retry, cache_not_found_ttl,
// cache_max_entries, cache_refresh_ahead and cache_jitter put a read cache
// in front of the driver (package cache; any of them enables it; see
// cache.ParseURLParams), and watch_interval sets the polling interval of
// [Store.Watch]. Errors have code InvalidArgument for a bad
// URL, an unknown scheme or an unknown parameter; they never repeat the URL,
// which could hold credentials.
func (m *URLMux) OpenStore(ctx context.Context, urlstr string) (*Store, error) {
	fail := func(scheme string, err error) error {
		return &Error{Code: backend.Classify(err, nil), Op: "OpenStore", Scheme: scheme, Err: err}
	}
	u, err := url.Parse(urlstr)
	if err != nil {
		// url.Error repeats the URL: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail("", backend.Errorf(InvalidArgument, "malformed URL: %v", err))
	}
	if u.Scheme == "" {
		return nil, fail("", backend.Errorf(InvalidArgument, "URL has no scheme (want one of %v)", m.Schemes()))
	}
	m.mu.RLock()
	op := m.openers[u.Scheme]
	m.mu.RUnlock()
	if op == nil {
		return nil, fail("", backend.Errorf(InvalidArgument, "unknown URL scheme %q (registered: %v; did you import the driver?)", u.Scheme, m.Schemes()))
	}
	if u.Fragment != "" || strings.Contains(urlstr, "#") {
		return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "URL has a #fragment; stores take none (parameters go in the ?query)"))
	}
	if u.User != nil {
		return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "credentials in the URL are not accepted; use the driver's environment variables or options"))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "malformed URL query"))
	}
	opts := StoreOptions{Scheme: u.Scheme}
	if d, ok := op.(StoreDefaulter); ok {
		opts.Environment, opts.ReadOnly = d.StoreDefaults()
		if err := backend.ValidateScope(opts.Environment); err != nil {
			return nil, fail(u.Scheme, err)
		}
	}
	if vs, ok := q["env"]; ok {
		if len(vs) != 1 {
			return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "URL parameter \"env\" given %d times", len(vs)))
		}
		if err := backend.ValidateScope(vs[0]); err != nil {
			return nil, fail(u.Scheme, err)
		}
		opts.Environment = vs[0]
		delete(q, "env")
	}
	if vs, ok := q["readonly"]; ok {
		b, err := strconv.ParseBool(vs[0])
		if len(vs) != 1 || err != nil {
			return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "URL parameter \"readonly\" must be true or false, once"))
		}
		opts.ReadOnly = opts.ReadOnly || b
		delete(q, "readonly")
	}
	copts, cached, err := cache.ParseURLParams(q)
	if err != nil {
		return nil, fail(u.Scheme, err)
	}
	if vs, ok := q["watch_interval"]; ok {
		d, err := time.ParseDuration(vs[0])
		if len(vs) != 1 || err != nil || d <= 0 {
			return nil, fail(u.Scheme, backend.Errorf(InvalidArgument, "URL parameter \"watch_interval\" must be a positive duration such as 30s, once"))
		}
		opts.WatchInterval = d
		delete(q, "watch_interval")
	}
	u.RawQuery = q.Encode()
	drv, err := op.OpenDriverURL(ctx, u)
	if err != nil {
		return nil, fail(u.Scheme, err)
	}
	if drv == nil {
		return nil, fail(u.Scheme, fmt.Errorf("opener for %q returned no driver", u.Scheme))
	}
	if cached {
		drv = cache.New(drv, copts)
	}
	return NewStore(drv, opts), nil
}
