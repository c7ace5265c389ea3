package abeja

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
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

// clientParams are the URL parameters that configure a Client the driver
// builds.
var clientParams = []string{"max_retries", "timeout"}

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
	q := u.Query()
	if o.Client != nil {
		for _, name := range clientParams {
			if q.Has(name) {
				return nil, backend.Errorf(backend.InvalidArgument,
					"abeja: URL parameter %q configures a client, and this URLOpener has its own Client: set it in ClientOptions", name)
			}
		}
	}
	p := backend.NewParams(q)
	scheme := p.String("scheme", "https")
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	timeout := p.Duration("timeout", DefaultTimeout)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if scheme != "https" && scheme != "http" {
		return nil, backend.Errorf(backend.InvalidArgument, "abeja: scheme must be https or http")
	}
	if o.Client != nil {
		if u.Host != "" && !sameHost(scheme+"://"+u.Host, o.Client.base) {
			return nil, backend.Errorf(backend.InvalidArgument,
				"abeja: the URL names another API host than the URLOpener's Client; use abeja:///<organization_id> or the client's own host")
		}
		return &driver{c: o.Client, org: org}, nil
	}
	co := ClientOptions{Timeout: timeout, MaxRetries: maxRetries}
	if maxRetries == 0 {
		co.MaxRetries = -1
	}
	if u.Host != "" {
		co.APIURL = scheme + "://" + u.Host
	}
	c, err := NewClient(co)
	if err != nil {
		return nil, err
	}
	return &driver{c: c, org: org, owned: true}, nil
}

// sameHost reports whether two API URLs name one scheme and host.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host)
}

// segment is one plain path segment.
var segment = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// maxPath bounds the length of a URL's path.
const maxPath = 256

// checkURL refuses, with InvalidArgument, what would send requests
// somewhere unintended or hide part of the URL: user info (credentials
// come from the environment), a #fragment, a port outside 1–65535, and a
// path that is not plain segments (no ".", ".." or empty segments, no
// escapes, at most 256 bytes); an abeja:// URL (store) may have an empty
// host. Messages never quote the URL.
func checkURL(u *url.URL, store bool) error {
	bad := func(msg string) error { return backend.Errorf(backend.InvalidArgument, "abeja: %s", msg) }
	if u.User != nil {
		return bad("the URL must not carry user info; credentials come from PLATFORM_AUTH_TOKEN or ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return bad("the URL must not have a #fragment (a '#' before the query hides the query)")
	}
	if u.Opaque != "" || (!store && u.Hostname() == "") || (u.Host != "" && u.Hostname() == "") {
		return bad("the URL needs the API host (abeja://api.abeja.io/<organization_id>)")
	}
	if strings.HasSuffix(u.Host, ":") {
		return bad("the URL's port is empty")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("the URL's port must be 1-65535")
		}
	}
	if len(u.EscapedPath()) > maxPath {
		return bad("the URL's path is longer than " + strconv.Itoa(maxPath) + " bytes")
	}
	if u.RawPath != "" || strings.Contains(u.EscapedPath(), "%") {
		return bad("the URL's path must not hold escapes (%2F and the like)")
	}
	path := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/")
	if path == "" {
		return nil
	}
	segs := strings.Split(path, "/")
	if store && len(segs) != 1 {
		return bad("the URL's path must be the organization id alone (abeja://api.abeja.io/<organization_id>)")
	}
	for _, s := range segs {
		if s == "." || s == ".." || !segment.MatchString(s) {
			return bad("the URL's path must be plain segments of A-Z a-z 0-9 . _ ~ - (no '.', '..' or empty segments)")
		}
	}
	return nil
}
