package rest

import (
	"context"
	"net/url"
	"strings"
	"time"

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

var clientParams = []string{"insecure_tls", "max_retries", "timeout", "key_file"}

// OpenDriverURL opens the driver for a rest:// URL, fetching the served
// store's capabilities.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	q := u.Query()
	if o.Client != nil {
		if err := backend.RefuseClientParams(q, "rest", clientParams...); err != nil {
			return nil, err
		}
		p := backend.NewParams(q)
		scheme := p.String("scheme", "https")
		if err := p.Err(); err != nil {
			return nil, err
		}
		if u.Host != "" || strings.Trim(u.Path, "/") != "" || q.Has("scheme") {
			base, err := urlBase(u, scheme)
			if err != nil {
				return nil, err
			}
			if !backend.SameAPIBase(base, o.Client.base) {
				return nil, backend.Errorf(backend.InvalidArgument, "rest: the URL names another gateway than the URLOpener's Client; use rest://?… or the client's own host and path")
			}
		}
		return open(ctx, o.Client, false)
	}
	p := backend.NewParams(q)
	scheme := p.String("scheme", "https")
	insecure := p.Bool("insecure_tls", false)
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	timeout := p.Duration("timeout", 30*time.Second)
	keyFile := p.String("key_file", "")
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
	c, err := NewClient(ClientOptions{BaseURL: base, APIKeyFile: keyFile, InsecureSkipVerify: insecure,
		MaxRetries: maxRetries, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	d, err := open(ctx, c, true)
	if err != nil {
		c.CloseIdleConnections()
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
	if scheme != "https" && scheme != "http" {
		return "", backend.Errorf(backend.InvalidArgument, "rest: scheme must be https or http")
	}
	if err := backend.CheckAPIURL(u, urlRules); err != nil {
		return "", err
	}
	return scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}
