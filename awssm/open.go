package awssm

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

func init() { secrets.Register(Scheme, new(URLOpener)) }

// Options are the driver's settings, for [New] and as the defaults of a
// [URLOpener].
type Options struct {
	// Prefix is the name prefix: secrets are <Prefix>/<env>/<key>
	// (required), or, in the native layout, <Prefix>/<key> and
	// <Prefix>/<env>/<key> ("" = the whole account). In a URL it is the
	// host and path (awssm://<prefix>).
	Prefix string
	// Layout is LayoutPolysecret ("" too) or LayoutNative; URL parameter
	// layout.
	Layout string
	// Environments are the configured environments of the native layout,
	// each the directory <Prefix>/<env>/; URL parameter envs
	// (comma-separated).
	Environments []string
	// Environment is the store's initial scope ("" = global), as URL
	// parameter env (which wins over it in a URLOpener).
	Environment string
	// ReadOnly refuses every write, as URL parameter readonly=true; in a
	// URLOpener, no URL can undo it.
	ReadOnly bool
	// RecoveryWindowDays, if 7–30, makes Delete recoverable for that long;
	// 0 forces deletion without recovery. URL parameter
	// recovery_window_days.
	RecoveryWindowDays int
	// ListBatch is how many values one BatchGetSecretValue fetches (1–20;
	// 0 = 20). URL parameter list_batch.
	ListBatch int
	// Timeout bounds each attempt of each request (0 = DefaultTimeout,
	// negative = none). URL parameter timeout (there 0 = none).
	Timeout time.Duration
}

// New returns a Store on Secrets Manager through client, a client the
// application built and owns (the driver never closes it or its
// connections). The client's region must be set and be an AWS region name;
// its retryer decides what to retry and how often (the driver adds
// Retry-After and the retry of timeouts and of 429/5xx answers that are
// not AWS's JSON).
func New(client *sm.Client, opts Options) (*secrets.Store, error) {
	d, err := newDriver(client, opts, nil)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment, ReadOnly: opts.ReadOnly}), nil
}

// URLOpener opens awssm:// URLs. Register one with an own client on a
// secrets.URLMux (or secrets.DefaultURLMux) to keep URL configuration
// while authenticating one's own way (credentials the URL parameters
// profile and role_arn cannot express, custom transports):
//
//	mux.Register("awssm", &awssm.URLOpener{Client: c})
type URLOpener struct {
	// Client is the application's client. nil: the driver builds its own
	// from the SDK's default chain, the URL's region and credential
	// parameters (profile, role_arn, …), and Close releases its
	// connections. Otherwise Close leaves the client alone, and the URL
	// parameters region, max_retries, profile, role_arn, external_id,
	// session_name and duration are InvalidArgument (the client has its own
	// region, retryer and credentials).
	Client *sm.Client
	// Options are the defaults for the settings the URL does not set (URL
	// parameters win; the prefix from the URL wins when it is not empty).
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly, for the
// URLMux: the scope when the URL has no env, and read-only whatever the
// URL says.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

// OpenDriverURL opens the driver of an awssm:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	opts := o.Options
	q := u.Query()
	p := backend.NewParams(q)
	region := p.String("region", "")
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	opts.RecoveryWindowDays = p.Int("recovery_window_days", opts.RecoveryWindowDays, 0, 30)
	opts.ListBatch = p.Int("list_batch", opts.ListBatch, 1, 20)
	timeout := p.Duration("timeout", DefaultTimeout)
	opts.Layout = p.String("layout", opts.Layout)
	if q.Has("envs") {
		opts.Environments = strings.Split(p.String("envs", ""), ",")
	}
	auth := readAuth(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if q.Has("timeout") {
		opts.Timeout = timeout
		if timeout == 0 {
			opts.Timeout = -1 // timeout=0: none
		}
	}
	if prefix := u.Host + u.Path; prefix != "" {
		opts.Prefix = prefix
	}
	if o.Client != nil {
		for _, name := range []string{"region", "max_retries"} {
			if q.Has(name) {
				return nil, backend.Errorf(backend.InvalidArgument,
					"awssm: URL parameter %q does not apply to the client given to the URLOpener: the client has its own region and retryer", name)
			}
		}
		if name := given(q); name != "" {
			return nil, backend.Errorf(backend.InvalidArgument,
				"awssm: URL parameter %q does not apply to the client given to the URLOpener: the client has its own credentials", name)
		}
		d, err := newDriver(o.Client, opts, nil)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return d, nil
	}
	if err := auth.check(q); err != nil {
		return nil, err
	}
	if region != "" {
		if err := validateRegion(region); err != nil {
			return nil, err
		}
	}
	lo := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer { return newRetryer(maxRetries) }),
	}
	if region != "" {
		lo = append(lo, config.WithRegion(region))
	}
	lo = append(lo, auth.loadOptions()...)
	cfg, err := config.LoadDefaultConfig(ctx, lo...)
	if err != nil {
		return nil, auth.loadError(err)
	}
	// The driver's own HTTP client, on the transport of the chain's buildable
	// client (CA bundle and all), so that Close can release its connections
	// (the SDK's own wrapper hides them). Like the SDK's, it returns a
	// redirect instead of following it.
	bc, ok := cfg.HTTPClient.(*awshttp.BuildableClient)
	if !ok {
		bc = awshttp.NewBuildableClient()
	}
	tr := bc.GetTransport()
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: bc.GetTimeout(),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	timeout = opts.Timeout
	switch {
	case timeout == 0:
		timeout = DefaultTimeout
	case timeout < 0:
		timeout = 0
	}
	auth.apply(&cfg, timeout) // after the HTTP client: STS shares it, and Close
	d, err := newDriver(sm.NewFromConfig(cfg), opts, tr)
	if err != nil {
		tr.CloseIdleConnections()
		return nil, err
	}
	return d, nil
}

// newDriver makes the driver. owned is the HTTP client's transport when the
// driver built the client itself (from a URL), so that Close releases its
// connections; nil for a client the user gave.
func newDriver(client *sm.Client, o Options, owned closeIdler) (*driver, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "awssm: the client is nil")
	}
	o.Prefix = strings.Trim(o.Prefix, "/")
	var l layout
	switch o.Layout {
	case "", LayoutPolysecret:
		if len(o.Environments) > 0 {
			return nil, backend.Errorf(backend.InvalidArgument,
				"awssm: configured environments (envs, Options.Environments) are for layout=native; the polysecret layout creates them")
		}
		if err := validatePrefix(o.Prefix, true); err != nil {
			return nil, err
		}
	case LayoutNative:
		if err := validatePrefix(o.Prefix, false); err != nil {
			return nil, err
		}
		nl, err := newNative(o.Prefix, o.Environments)
		if err != nil {
			return nil, err
		}
		l = nl
	default:
		return nil, backend.Errorf(backend.InvalidArgument, "awssm: layout %q: want %q or %q", o.Layout, LayoutPolysecret, LayoutNative)
	}
	if err := validateRegion(client.Options().Region); err != nil {
		return nil, err
	}
	switch {
	case o.Timeout == 0:
		o.Timeout = DefaultTimeout
	case o.Timeout < 0:
		o.Timeout = 0
	}
	if o.RecoveryWindowDays != 0 && (o.RecoveryWindowDays < 7 || o.RecoveryWindowDays > 30) {
		return nil, backend.Errorf(backend.InvalidArgument, "awssm: recovery window must be 7-30 days")
	}
	if o.ListBatch <= 0 || o.ListBatch > 20 {
		o.ListBatch = 20
	}
	// The driver's own copy of the client differs: a failure to get
	// credentials comes back as a *credsError, so that classify can say
	// Unauthenticated by type (the SDK has no type for it); each attempt has
	// the per-request timeout; the retryer honours Retry-After (retry.go).
	c := sm.New(client.Options(), func(so *sm.Options) {
		if so.Credentials != nil {
			so.Credentials = credsProvider{so.Credentials}
		}
		if so.Retryer != nil {
			if _, ok := so.Retryer.(retryer); !ok {
				so.Retryer = retryer{so.Retryer}
			}
		}
		if o.Timeout > 0 {
			so.APIOptions = append(so.APIOptions, withAttemptTimeout(o.Timeout))
		}
	})
	d := &driver{c: c, user: client, l: l, recovery: o.RecoveryWindowDays, batch: o.ListBatch, owned: owned}
	if d.l == nil {
		d.l = polysecret{d: d, prefix: o.Prefix}
	}
	d.Environments = d.l
	return d, nil
}

// closeIdler is what Close needs of a transport the driver built.
type closeIdler interface{ CloseIdleConnections() }

// regionSyntax is an AWS region name: us-east-1, us-gov-west-1,
// cn-northwest-1, us-iso-east-1, eu-isoe-west-1, …
var regionSyntax = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// validateRegion: a region is needed, and it must look like one (it becomes
// part of the endpoint's host name and of every signature).
func validateRegion(r string) error {
	if r == "" {
		return backend.Errorf(backend.InvalidArgument,
			"awssm: no AWS region: set ?region= in the URL, AWS_REGION, or the profile's region (own client: its Region)")
	}
	if len(r) > 64 || !regionSyntax.MatchString(r) {
		return backend.Errorf(backend.InvalidArgument, "awssm: %q is not an AWS region name (such as eu-west-1)", r)
	}
	return nil
}

// credsError is a failure to obtain AWS credentials (no provider of the
// chain had any, or the one configured failed): Unauthenticated.
type credsError struct{ err error }

func (e *credsError) Error() string { return "no usable AWS credentials: " + e.err.Error() }
func (e *credsError) Unwrap() error { return e.err }

// credsProvider marks the errors of a credentials provider as credsError.
type credsProvider struct{ p aws.CredentialsProvider }

func (c credsProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	v, err := c.p.Retrieve(ctx)
	if err != nil {
		return v, &credsError{err}
	}
	return v, nil
}

// ProviderSources keeps the SDK's credential-source tracking working.
func (c credsProvider) ProviderSources() []aws.CredentialSource {
	if s, ok := c.p.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

// validatePrefix: segments of the secret-name alphabet, no empty, "." or
// ".." ones; the polysecret layout (own) needs one, without its reserved
// segment names.
func validatePrefix(p string, own bool) error {
	if p == "" {
		if !own {
			return nil // native: the whole account
		}
		return backend.Errorf(backend.InvalidArgument, "awssm: a name prefix is required (awssm://<prefix>, or Options.Prefix)")
	}
	if len(p) > 256 {
		return backend.Errorf(backend.InvalidArgument, "awssm: prefix too long")
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." || own && (seg == globalDir || seg == envDir) {
			return backend.Errorf(backend.InvalidArgument, "awssm: prefix has an empty or reserved segment")
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_+=.@-", r)) {
				return backend.Errorf(backend.InvalidArgument, "awssm: prefix byte %q not allowed in a secret name", r)
			}
		}
	}
	return nil
}
