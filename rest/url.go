package rest

import (
	"context"
	"net/url"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

func init() {
	secrets.Register(Scheme, new(URLOpener))
}

// URLOpener opens rest:// URLs (see the package documentation, URLs). The
// zero value, registered on secrets.DefaultURLMux, builds a Client per
// Store from the URL and the POLYSECRET_API_KEY* variables (or key_file),
// and the Store's Close releases it.
type URLOpener struct {
	// Client, if set, is used by every Store this opener opens; the
	// application owns it (a Store's Close leaves it usable). The URL's
	// host and path must then be empty (rest://?env=prod) or name the
	// client's base URL, and the client's settings are not URL
	// parameters.
	Client *Client
	// Options: Environment is the scope when the URL has no env; ReadOnly
	// makes every store read-only, whatever the URL says.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

// clientURL is how a rest:// URL configures or names a Client.
var clientURL = backend.ClientURL[Client]{
	Driver:      "rest",
	Mismatch:    "the URL names another gateway than the URLOpener's Client; use rest://?… or the client's own host and path",
	InsecureTLS: true,
	Own:         []string{"key_file"},
	Base:        urlBase,
	ClientBase:  func(c *Client) string { return c.base },
}

// OpenDriverURL opens the driver for a rest:// URL, fetching the served
// store's capabilities.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	var keyFile string
	c, owned, err := clientURL.Open(u, o.Client, func(p *backend.Params) { keyFile = p.String("key_file", "") },
		func(base string, s backend.ClientSettings) (*Client, error) {
			return NewClient(ClientOptions{BaseURL: base, APIKeyFile: keyFile, InsecureSkipVerify: s.InsecureTLS,
				MaxRetries: s.MaxRetries, Timeout: s.Timeout})
		})
	if err != nil {
		return nil, err
	}
	d, err := open(ctx, c, owned)
	if err != nil {
		if owned {
			c.CloseIdleConnections()
		}
		return nil, err
	}
	return d, nil
}

// urlRules are rest's parts of backend.CheckAPIURL: where the API key
// comes from, and a host the URL must name.
var urlRules = backend.APIURLRules{
	Driver:      "rest",
	Credentials: "the API key comes from POLYSECRET_API_KEY or key_file",
	Host: func(u *url.URL) string {
		if u.Opaque != "" || u.Hostname() == "" {
			return "the URL needs the gateway's host (rest://secrets.example.com)"
		}
		return ""
	},
}

// urlBase is scheme://host/path of a rest:// URL, checked as
// backend.CheckAPIURL says.
func urlBase(u *url.URL, scheme string) (string, error) {
	return backend.URLAPIBase(u, scheme, urlRules, "")
}
