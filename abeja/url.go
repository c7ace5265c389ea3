package abeja

import (
	"context"
	"net/url"
	"strings"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// URLOpener opens abeja:// URLs (see the package documentation, URLs and
// Clients). The zero value, registered for abeja:// on
// secrets.DefaultURLMux, builds a Client per Store from the URL and the
// environment, and the Store's Close releases it.
type URLOpener struct {
	// Client, if set, is the client every Store opened through this opener
	// uses; the application built it with NewClient and owns it. The URL's
	// host must then be empty (abeja:///<org>) or the client's, and
	// max_retries and timeout are the client's (ClientOptions), not URL
	// parameters.
	Client *Client
	// Options: Organization is the organization when the URL names none;
	// ReadOnly makes every store it opens read-only, whatever the URL says.
	Options Options
}

var (
	_ secrets.URLOpener      = (*URLOpener)(nil)
	_ secrets.StoreDefaulter = (*URLOpener)(nil)
)

// StoreDefaults answers no environment (ABEJA has none) and
// Options.ReadOnly, for the URLMux.
func (o *URLOpener) StoreDefaults() (string, bool) { return "", o.Options.ReadOnly }

// clientURL is how an abeja:// URL configures or names a Client: its
// host is the API's (its path is the organization id).
var clientURL = backend.ClientURL[Client]{
	Driver:   "abeja",
	Mismatch: "the URL names another API host than the URLOpener's Client; use abeja:///<organization_id> or the client's own host",
	Base: func(u *url.URL, scheme string) (string, error) {
		scheme, err := backend.URLScheme(scheme, "abeja")
		if err != nil || u.Host == "" {
			return "", err
		}
		return scheme + "://" + u.Host, nil
	},
	ClientBase: func(c *Client) string {
		b, _ := url.Parse(c.base)
		return b.Scheme + "://" + b.Host
	},
}

// OpenDriverURL opens the driver for an abeja:// URL.
func (o *URLOpener) OpenDriverURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	if err := checkURL(u, true); err != nil {
		return nil, err
	}
	org := strings.Trim(u.Path, "/")
	if org == "" {
		org = o.Options.Organization
	}
	if !validID(org) {
		return nil, backend.Errorf(backend.InvalidArgument, "abeja: the URL's path must be the organization id (abeja://api.abeja.io/<organization_id>)")
	}
	c, owned, err := clientURL.Open(u, o.Client, nil, func(api string, s backend.ClientSettings) (*Client, error) {
		return NewClient(ClientOptions{APIURL: api, MaxRetries: s.MaxRetries, Timeout: s.Timeout})
	})
	if err != nil {
		return nil, err
	}
	return &driver{c: c, org: org, owned: owned}, nil
}

// checkURL refuses, with InvalidArgument, what would send requests
// somewhere unintended or hide part of the URL (backend.CheckAPIURL: user
// info — credentials come from the environment —, a #fragment, a port
// outside 1–65535, a path that is not plain segments); an abeja:// URL
// (store) may have an empty host, and its path is the organization id
// alone. Messages never quote the URL.
func checkURL(u *url.URL, store bool) error { return backend.CheckAPIURL(u, urlRules(store)) }

// urlRules are abeja's parts of backend.CheckAPIURL: where credentials
// come from, the host an API URL (not a store's URL) must name, and a
// store URL's path: the organization id alone.
func urlRules(store bool) backend.APIURLRules {
	r := backend.APIURLRules{
		Driver:      "abeja",
		Credentials: "credentials come from PLATFORM_AUTH_TOKEN or ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN",
		Host: func(u *url.URL) string {
			if u.Opaque != "" || (!store && u.Hostname() == "") || (u.Host != "" && u.Hostname() == "") {
				return "the URL needs the API host (abeja://api.abeja.io/<organization_id>)"
			}
			return ""
		},
	}
	if store {
		r.Segments = func(segs []string) string {
			if len(segs) != 1 {
				return "the URL's path must be the organization id alone (abeja://api.abeja.io/<organization_id>)"
			}
			return ""
		}
	}
	return r
}
