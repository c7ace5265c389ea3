package datalayer

import (
	"context"
	"net/url"
	"strings"
	"time"

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

// clientParams are the URL parameters that configure a Client the driver
// builds.
var clientParams = []string{"max_retries", "timeout"}

// OpenDriverURL opens the driver for a datalayer:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	q := u.Query()
	if o.Client != nil {
		if err := backend.RefuseClientParams(q, "datalayer", clientParams...); err != nil {
			return nil, err
		}
	}
	p := backend.NewParams(q)
	scheme := p.String("scheme", "")
	conc := p.Int("list_concurrency", o.Options.ListConcurrency, 1, 64)
	var maxRetries int
	var timeout time.Duration
	if o.Client == nil {
		maxRetries = p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
		timeout = p.Duration("timeout", DefaultTimeout)
	}
	if err := p.Err(); err != nil {
		return nil, err
	}
	iam, err := urlIAM(u, scheme)
	if err != nil {
		return nil, err
	}
	if o.Client != nil {
		if iam != "" && !backend.SameAPIBase(iam, o.Client.iamURL) {
			return nil, backend.Errorf(backend.InvalidArgument,
				"datalayer: the URL names another IAM URL than the URLOpener's Client; use datalayer://?… or the client's own host and path")
		}
		return newDriver(o.Client, false, conc)
	}
	if maxRetries == 0 {
		maxRetries = -1
	}
	c, err := NewClient(ClientOptions{IAMURL: iam, MaxRetries: maxRetries, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return newDriver(c, true, conc)
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
	switch scheme {
	case "":
		scheme = "https"
	case "https", "http":
	default:
		return "", backend.Errorf(backend.InvalidArgument, "datalayer: scheme must be https or http")
	}
	return scheme + "://" + u.Host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
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
