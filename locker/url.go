package locker

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// URLOpener opens locker:// URLs (see the package documentation, URLs and
// Clients). The zero value, registered for locker:// on
// secrets.DefaultURLMux, builds a Client per Store from the URL and the
// LOCKER_* variables, and the Store's Close releases it.
type URLOpener struct {
	// Client, if set, is the client every Store opened through this opener
	// uses: the application built it with NewClient and owns it (the
	// Store's Close leaves it usable). The URL's host and path must then
	// be empty (locker://?env=prod) or name the client's API base, and the
	// client's settings (insecure_tls, max_retries, timeout) are not URL
	// parameters: they are ClientOptions.
	Client *Client
	// Options: Environment is the scope when the URL has no env; ReadOnly
	// makes every store it opens read-only, whatever the URL says.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly, for the
// URLMux.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

// clientParams are the URL parameters that configure a Client the driver
// builds.
var clientParams = []string{"insecure_tls", "max_retries", "timeout"}

// OpenDriverURL opens the driver for a locker:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	if o.Client != nil {
		return o.openWithClient(u)
	}
	p := backend.NewParams(u.Query())
	scheme := p.String("scheme", "https")
	insecure := p.Bool("insecure_tls", false)
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	timeout := p.Duration("timeout", 30*time.Second)
	if err := p.Err(); err != nil {
		return nil, err
	}
	base, err := urlBase(u, scheme)
	if err != nil {
		return nil, err
	}
	if maxRetries == 0 {
		maxRetries = -1
	}
	c, err := NewClient(ctx, ClientOptions{APIBase: base, InsecureSkipVerify: insecure, MaxRetries: maxRetries, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return &driver{c: c, owned: true}, nil
}

// openWithClient opens a driver on the opener's own Client, after checking
// that the URL asks for nothing the client does not do.
func (o *URLOpener) openWithClient(u *url.URL) (backend.Driver, error) {
	q := u.Query()
	if err := backend.RefuseClientParams(q, "locker", clientParams...); err != nil {
		return nil, err
	}
	p := backend.NewParams(q)
	scheme := p.String("scheme", "https")
	if err := p.Err(); err != nil {
		return nil, err
	}
	if u.Host == "" && u.User == nil && strings.Trim(u.Path, "/") == "" && !q.Has("scheme") {
		return &driver{c: o.Client}, nil // locker:// (or locker:///): the client's API base
	}
	base, err := urlBase(u, scheme)
	if err != nil {
		return nil, err
	}
	if !backend.SameAPIBase(base, o.Client.base) {
		return nil, backend.Errorf(backend.InvalidArgument,
			"locker: the URL names another API base than the URLOpener's Client; use locker://?… or the client's own host and path")
	}
	return &driver{c: o.Client}, nil
}

// urlBase is the API base a locker:// URL names: scheme://host/path, the
// path /locker_secrets when empty.
func urlBase(u *url.URL, scheme string) (string, error) {
	if scheme != "https" && scheme != "http" {
		return "", backend.Errorf(backend.InvalidArgument, "locker: scheme must be https or http")
	}
	if u.Host == "" {
		return "", backend.Errorf(backend.InvalidArgument, "locker: the URL needs the API host (locker://api.locker.io/locker_secrets)")
	}
	if err := checkBase(u); err != nil {
		return "", err
	}
	path := u.EscapedPath()
	if path == "" || path == "/" {
		path = "/locker_secrets"
	}
	return scheme + "://" + u.Host + path, nil
}

// urlRules are locker's parts of backend.CheckAPIURL: where credentials
// come from, and a host the URL must name.
var urlRules = backend.APIURLRules{
	Driver:      "locker",
	Credentials: "credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY",
	Host: func(u *url.URL) string {
		if u.Opaque != "" || u.Hostname() == "" {
			return "the URL needs the API host (locker://api.locker.io/locker_secrets)"
		}
		return ""
	},
}

// checkBase refuses, with InvalidArgument, an API base the driver would
// otherwise send somewhere unintended or silently trim (see
// backend.CheckAPIURL: user info, a fragment — in a locker:// URL a '#'
// before the query swallows it —, a port outside 1–65535, a path that is
// not a few plain segments).
func checkBase(u *url.URL) error { return backend.CheckAPIURL(u, urlRules) }
