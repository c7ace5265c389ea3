package datalayer

import (
	"context"
	"net/url"
	"strings"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// URLOpener opens datalayer:// URLs (see the package documentation, URLs
// and Clients). The zero value, registered for datalayer:// on
// secrets.DefaultURLMux, builds a Client per Store from the URL and the
// DATALAYER_* variables, and the Store's Close releases it.
type URLOpener struct {
	// Client, if set, is the client every Store opened through this opener
	// uses: the application built it with NewClient and owns it (the
	// Store's Close leaves it usable). The URL's host and path must then
	// be empty (datalayer://) or name the client's IAM URL, and the
	// client's settings (max_retries, timeout) are not URL parameters:
	// they are ClientOptions.
	Client *Client
	// Options: Environment is the scope when the URL has no env (it must
	// be empty); ReadOnly makes every store it opens read-only, whatever
	// the URL says; ListConcurrency is the default of list_concurrency.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers Options.Environment and Options.ReadOnly, for the
// URLMux.
func (o *URLOpener) StoreDefaults() (string, bool) { return o.Options.Environment, o.Options.ReadOnly }

// clientURL is how a datalayer:// URL configures or names a Client.
var clientURL = backend.ClientURL[Client]{
	Driver:     "datalayer",
	Mismatch:   "the URL names another IAM URL than the URLOpener's Client; use datalayer://?… or the client's own host and path",
	Base:       urlIAM,
	ClientBase: func(c *Client) string { return c.iamURL },
}

// OpenDriverURL opens the driver for a datalayer:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	var conc int
	c, owned, err := clientURL.Open(u, o.Client, func(p *backend.Params) { conc = p.Int("list_concurrency", o.Options.ListConcurrency, 1, 64) },
		func(iam string, s backend.ClientSettings) (*Client, error) {
			return NewClient(ClientOptions{IAMURL: iam, MaxRetries: s.MaxRetries, Timeout: s.Timeout})
		})
	if err != nil {
		return nil, err
	}
	return newDriver(c, owned, conc)
}

// urlIAM is the IAM URL a datalayer:// URL names: scheme://host/path (the
// scheme https unless scheme=http), or "" for a URL without a host
// (datalayer://): DATALAYER_IAM_URL, else the default.
func urlIAM(u *url.URL, scheme string) (string, error) {
	if err := checkURL(u); err != nil {
		return "", err
	}
	if u.Host == "" {
		if scheme != "" || strings.Trim(u.Path, "/") != "" {
			return "", backend.Errorf(backend.InvalidArgument,
				"datalayer: scheme and a path need the IAM host (datalayer://prod1.datalayer.run)")
		}
		return "", nil
	}
	return backend.URLAPIBase(u, scheme, urlRules, "")
}

// urlRules are datalayer's parts of backend.CheckAPIURL: where the API
// key comes from, and its host rule (a datalayer:// URL may have none).
var urlRules = backend.APIURLRules{
	Driver:      "datalayer",
	Credentials: "the API key comes from DATALAYER_API_KEY",
	Host: func(u *url.URL) string {
		if u.Opaque != "" {
			return "the URL must be datalayer://<host>[/<path>] or datalayer://"
		}
		if u.Host != "" && u.Hostname() == "" || strings.HasSuffix(u.Host, ":") {
			return "the URL's host or port is empty"
		}
		if u.Host != "" {
			// What a datalayer:// URL accepts, an https:// one must too ("::1"
			// unbracketed is no host).
			if v, err := url.Parse("https://" + u.Host); err != nil || v.Host != u.Host {
				return "the URL's host is not a host name, an IPv4 address or a bracketed IPv6 address"
			}
		}
		return ""
	},
}

// checkURL refuses, with InvalidArgument, an IAM URL (or a datalayer://
// URL) the driver would otherwise send somewhere unintended or silently
// trim (backend.CheckAPIURL: user info, a fragment, a port outside
// 1–65535, a path that is not a few plain segments). Messages never quote
// the URL, which may hold credentials.
func checkURL(u *url.URL) error { return backend.CheckAPIURL(u, urlRules) }
