package vault

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// This file is how a driver is made: New from the application's client,
// URLOpener from a vault:// URL.

// Options are the settings of the driver.
type Options struct {
	// Mount is the KV v2 mount, e.g. "secret" (required for New; a URL
	// names it as its host).
	Mount string
	// Prefix is the path under the mount, e.g. "myapp" (a URL names it as
	// its path). Required in the default layout; in the native layout it
	// may be empty: the whole mount.
	Prefix string
	// Layout is LayoutPolysecret ("" too, the default) or LayoutNative, as
	// the URL parameter layout.
	Layout string
	// Environments are the environments of the native layout, each the
	// directory <prefix>/<name>/, as the URL parameter envs (a
	// comma-separated list). Only for LayoutNative.
	Environments []string
	// Environment is the store's initial scope ("" = global), as the URL
	// parameter env. Used by New only: the URL parameter is the URLOpener's.
	Environment string
	// ReadOnly refuses every write, as the URL parameter readonly=true.
	// Used by New only: the URL parameter is the URLOpener's.
	ReadOnly bool
	// ListConcurrency bounds value reads in flight while listing and in
	// Values (0 = backend.DefaultListFetchConc; at most 64), as the URL
	// parameter list_concurrency.
	ListConcurrency int
	// Timeout bounds each request, each retry apart (0 = DefaultTimeout,
	// or VAULT_CLIENT_TIMEOUT for a client the URLOpener builds), as the
	// URL parameter timeout.
	Timeout time.Duration
	// MaxRetries is the number of retries of a failed request (429, 5xx,
	// no answer, a reset connection): 0 = backend.DefaultMaxRetries, a
	// negative number = none, at most 20; as the URL parameter max_retries
	// (where 0 is none). The client's own MaxRetries, Timeout, Backoff and
	// CheckRetry are not used: the driver retries by itself.
	MaxRetries int
	// Auth, when set, is how the driver logs in: any api.AuthMethod the
	// application built (approle.NewAppRoleAuth, kubernetes.NewKubernetesAuth,
	// aws, gcp, …). The driver logs in once when the store is opened (a
	// refusal is Unauthenticated there), renews the token in the background
	// while the store is open and logs in again when it can no longer be
	// renewed; see "Authentication" in the package documentation. The
	// token goes to the driver's own clone of the client, never to the
	// application's client. A URL's auth parameter wins over it.
	Auth api.AuthMethod
	// Logger receives the records of the login and the token's renewal
	// (never the token); nil = slog.Default().
	Logger *slog.Logger
}

// maxRetriesCap and maxConc bound MaxRetries and ListConcurrency, in
// Options as in URLs.
const (
	maxRetriesCap = 20
	maxConc       = 64
)

// New returns a Store on Vault through client, a client the application
// built and owns, with its address, token and namespace set (however it
// authenticated: token, AppRole, Kubernetes, …). The driver never modifies
// it: it makes its own clone for its requests, follows token renewals made
// on client, and never closes client or its connections. With opts.Auth,
// New logs in (on the clone: client keeps its own token, if any) before it
// returns, each attempt bounded by opts.Timeout.
func New(client *api.Client, opts Options) (*secrets.Store, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: New: the client is nil")
	}
	if err := backend.ValidateScope(opts.Environment); err != nil {
		return nil, err
	}
	var auth *authConfig
	if opts.Auth != nil {
		auth = customAuth(opts.Auth)
	}
	d, err := newDriver(context.Background(), client, opts, nil, auth)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment, ReadOnly: opts.ReadOnly}), nil
}

// URLOpener opens vault:// URLs (see the package documentation).
type URLOpener struct {
	// Client is the application's client, used as by New. When nil, the
	// opener builds one from the VAULT_* environment variables for each
	// store, and the store's Close releases it.
	Client *api.Client
	// Options holds defaults for the settings the URL does not set (URL
	// parameters win). Mount and Prefix come from the URL. Environment is
	// the scope when the URL has no env; ReadOnly makes every store it opens
	// read-only, whatever the URL says.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly, for the
// URLMux.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

func init() { secrets.Register(Scheme, new(URLOpener)) }

// OpenDriverURL opens the driver of a vault://<mount>/<prefix> URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	opts := o.Options
	p := backend.NewParams(u.Query())
	auth, tokenOnly, err := authFromURL(p, u.Query())
	if err != nil {
		return nil, err
	}
	if auth == nil && opts.Auth != nil && !tokenOnly {
		auth = customAuth(opts.Auth)
	}
	switch n := p.Int("max_retries", -1, 0, maxRetriesCap); {
	case n == 0:
		opts.MaxRetries = -1 // none
	case n > 0:
		opts.MaxRetries = n
	}
	opts.ListConcurrency = p.Int("list_concurrency", opts.ListConcurrency, 1, maxConc)
	opts.Layout = p.String("layout", opts.Layout)
	if envs := p.String("envs", "\x00"); envs != "\x00" {
		opts.Environments = strings.Split(envs, ",")
	}
	timeout := p.Duration("timeout", -1)
	if err := p.Err(); err != nil {
		return nil, err
	}
	switch {
	case timeout == 0:
		return nil, backend.Errorf(backend.InvalidArgument, "vault: URL parameter \"timeout\" must be positive")
	case timeout > 0:
		opts.Timeout = timeout
	}
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	if strings.Contains(path, "%") || strings.Contains(u.Host, "%") {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: escaped characters in the path are not accepted")
	}
	opts.Mount, opts.Prefix = u.Host, strings.TrimSuffix(path, "/")
	if o.Client != nil {
		return newDriver(ctx, o.Client, opts, nil, auth)
	}
	cfg := api.DefaultConfig() // reads VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_TIMEOUT, …
	if cfg.Error != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client configuration: %w", cfg.Error)
	}
	if opts.Timeout == 0 && os.Getenv(api.EnvVaultClientTimeout) != "" {
		opts.Timeout = cfg.Timeout
	}
	c, err := api.NewClient(cfg) // reads VAULT_TOKEN, VAULT_NAMESPACE
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client: %w", err)
	}
	return newDriver(ctx, c, opts, cfg.HttpClient, auth)
}

// checkPath checks a mount or prefix; reserved: the default layout's
// directory names are refused in it.
func checkPath(what, p string, reserved bool) error {
	if p == "" {
		return backend.Errorf(backend.InvalidArgument, "vault: the store needs a %s (vault://<mount>/<prefix>)", what)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return backend.Errorf(backend.InvalidArgument, "vault: %s %q has an empty, . or .. segment", what, p)
		}
		if reserved && (seg == globalDir || seg == envDir) {
			return backend.Errorf(backend.InvalidArgument, "vault: %s %q uses the reserved segment %q", what, p, seg)
		}
		for _, r := range seg {
			if r < 0x21 || r == 0x7f || strings.ContainsRune("?#%*+\\", r) {
				return backend.Errorf(backend.InvalidArgument, "vault: %s %q has the character %q", what, p, r)
			}
		}
	}
	return nil
}

// settings checks o and fills in the defaults.
func (o Options) settings() (Options, error) {
	if err := checkPath("mount", o.Mount, true); err != nil {
		return o, err
	}
	if strings.Contains(o.Mount, "/") {
		return o, backend.Errorf(backend.InvalidArgument, "vault: mount %q must be one path segment", o.Mount)
	}
	var err error
	if o, err = o.layoutSettings(); err != nil {
		return o, err
	}
	switch {
	case o.ListConcurrency < 0 || o.ListConcurrency > maxConc:
		return o, backend.Errorf(backend.InvalidArgument, "vault: ListConcurrency %d is not in 0..%d", o.ListConcurrency, maxConc)
	case o.Timeout < 0:
		return o, backend.Errorf(backend.InvalidArgument, "vault: Timeout %v is negative", o.Timeout)
	case o.MaxRetries > maxRetriesCap:
		return o, backend.Errorf(backend.InvalidArgument, "vault: MaxRetries %d is above %d", o.MaxRetries, maxRetriesCap)
	}
	if o.ListConcurrency == 0 {
		o.ListConcurrency = backend.DefaultListFetchConc
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = backend.DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	return o, nil
}

// newDriver makes a driver on user. owned, when not nil, is the
// http.Client the URLOpener built for it, closed by Close. auth, when not
// nil, is how the driver logs in: it does so here, with ctx.
func newDriver(ctx context.Context, user *api.Client, o Options, owned *http.Client, auth *authConfig) (*driver, error) {
	o, err := o.settings()
	if err != nil {
		return nil, err
	}
	// The driver's own client: same address, headers (namespace), TLS and
	// transport, but no retries and no timeout of its own (the driver does
	// both, see call.go), and a transport that records Retry-After.
	// CloneConfig copies the http.Client, so user's is never modified.
	c, err := cloneClient(user, nil)
	if err != nil {
		return nil, err
	}
	c.SetToken(user.Token())
	d := &driver{user: user, owned: owned, maxRetries: o.MaxRetries,
		timeout: o.Timeout, mount: o.Mount, prefix: o.Prefix, conc: o.ListConcurrency}
	d.l = o.layout(d)
	d.Environments = d.l
	if auth == nil {
		// Follow token renewals made on the user's client.
		d.c = c.WithRequestCallbacks(func(r *api.Request) { r.ClientToken = user.Token() })
		d.kv = d.c.KVv2(o.Mount)
		return d, nil
	}
	s := &session{auth: auth, d: d, log: o.Logger, done: make(chan struct{}), refusedCh: make(chan string, 1)}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	if owned != nil {
		s.onToken = user.SetToken // the client the URLOpener built, As returns it logged in
	}
	// The login client has no token: NewClient may have read VAULT_TOKEN.
	if s.lc, err = cloneClient(user, func(next http.RoundTripper) http.RoundTripper {
		return closingTransport{next: next, closed: s.ctx}
	}); err != nil {
		return nil, err
	}
	s.lc.ClearToken()
	s.lc.SetClientTimeout(o.Timeout) // bounds the LifetimeWatcher's renewals
	d.sess = s
	d.c = c.WithRequestCallbacks(func(r *api.Request) { r.ClientToken = s.current() })
	d.kv = d.c.KVv2(o.Mount)
	sec, err := s.login(ctx)
	if err != nil {
		s.cancel()
		if owned != nil {
			owned.CloseIdleConnections()
		}
		return nil, err
	}
	s.logLogin(sec, "open")
	s.start(sec)
	return d, nil
}

// cloneClient returns a client with user's address, headers, TLS and
// transport (wrapped by wrap, when not nil, inside the Retry-After
// recorder), without retries or a timeout of its own.
func cloneClient(user *api.Client, wrap func(http.RoundTripper) http.RoundTripper) (*api.Client, error) {
	cfg := user.CloneConfig()
	if cfg.Error != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client configuration: %w", cfg.Error)
	}
	next := cfg.HttpClient.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	if wrap != nil {
		next = wrap(next)
	}
	cfg.HttpClient.Transport = retryAfterTransport{next: next}
	cfg.MaxRetries, cfg.Timeout, cfg.CheckRetry = 0, 0, neverRetry
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client: %w", err)
	}
	c.SetHeaders(user.Headers())
	return c, nil
}

// layoutSettings checks the settings of o's layout: the prefix, and the
// environments of the native layout (valid names, no duplicates; sorted).
func (o Options) layoutSettings() (Options, error) {
	switch o.Layout {
	case "", LayoutPolysecret:
		o.Layout = LayoutPolysecret
		if o.Environments != nil {
			return o, backend.Errorf(backend.InvalidArgument, "vault: environments are configured (envs=) only in the native layout; in the default layout they are created")
		}
		return o, checkPath("prefix", o.Prefix, true)
	case LayoutNative:
	default:
		return o, backend.Errorf(backend.InvalidArgument, "vault: layout %q: want %q or %q", o.Layout, LayoutPolysecret, LayoutNative)
	}
	if o.Prefix != "" {
		if err := checkPath("prefix", o.Prefix, false); err != nil {
			return o, err
		}
	}
	envs := slices.Clone(o.Environments)
	slices.Sort(envs)
	for i, e := range envs {
		if err := backend.ValidateEnvironmentName(e); err != nil {
			return o, backend.Errorf(backend.InvalidArgument, "vault: envs: %w", err)
		}
		if i > 0 && envs[i-1] == e {
			return o, backend.Errorf(backend.InvalidArgument, "vault: envs: %q is given twice", e)
		}
	}
	if o.Environment != "" && !slices.Contains(envs, o.Environment) {
		return o, backend.Errorf(backend.InvalidArgument, "vault: environment %q is not one of the configured environments (envs=)", o.Environment)
	}
	o.Environments = envs
	return o, nil
}

// layout makes the layout of d that o names (checked by layoutSettings).
func (o Options) layout(d *driver) layout {
	if o.Layout == LayoutNative {
		return newNativeLayout(d, o.Environments)
	}
	return ownLayout{d}
}
