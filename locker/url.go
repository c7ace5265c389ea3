package locker

import (
	"context"
	"net/url"

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

// clientURL is how a locker:// URL configures or names a Client.
var clientURL = backend.ClientURL[Client]{
	Driver:      "locker",
	Mismatch:    "the URL names another API base than the URLOpener's Client; use locker://?… or the client's own host and path",
	InsecureTLS: true,
	Base:        urlBase,
	ClientBase:  func(c *Client) string { return c.base },
}

// OpenDriverURL opens the driver for a locker:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	c, owned, err := clientURL.Open(u, o.Client, nil, func(base string, s backend.ClientSettings) (*Client, error) {
		return NewClient(ctx, ClientOptions{APIBase: base, InsecureSkipVerify: s.InsecureTLS, MaxRetries: s.MaxRetries, Timeout: s.Timeout})
	})
	if err != nil {
		return nil, err
	}
	return &driver{c: c, owned: owned}, nil
}

// urlBase is the API base a locker:// URL names: scheme://host/path, the
// path /locker_secrets when empty.
func urlBase(u *url.URL, scheme string) (string, error) {
	return backend.URLAPIBase(u, scheme, urlRules, "/locker_secrets")
}

// urlRules are locker's parts of backend.CheckAPIURL (user info, a
// fragment — in a locker:// URL a '#' before the query swallows it —, a
// port outside 1–65535, a path that is not a few plain segments): where
// credentials come from, and a host the URL must name.
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
