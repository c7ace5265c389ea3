package locker

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// maxBasePath bounds the length of the API base's path.
const maxBasePath = 256

// segment is one path segment of an API base: unreserved characters only,
// so that what is checked here is what is sent.
var segment = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

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
	for _, name := range clientParams {
		if q.Has(name) {
			return nil, backend.Errorf(backend.InvalidArgument,
				"locker: URL parameter %q configures a client, and this URLOpener has its own Client: set it in ClientOptions", name)
		}
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
	if !sameBase(base, o.Client.base) {
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

// sameBase reports whether two API bases name one place: same scheme,
// host (case-insensitively) and path (trailing slash aside).
func sameBase(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.EscapedPath(), "/") == strings.TrimSuffix(ub.EscapedPath(), "/")
}

// checkBase refuses, with InvalidArgument, an API base the driver would
// otherwise send somewhere unintended or silently trim: user info, a
// fragment (in a locker:// URL a '#' before the query swallows it), a port
// outside 1–65535, and a path that is not a few plain segments (no dot
// segments, no escapes such as %2F, no empty segments, at most
// maxBasePath bytes). Messages never quote the URL, which may hold
// credentials.
func checkBase(u *url.URL) error {
	bad := func(msg string) error { return backend.Errorf(backend.InvalidArgument, "locker: %s", msg) }
	if u.User != nil {
		return bad("the URL must not carry user info; credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY")
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return bad("the URL must not have a #fragment (a '#' before the query hides the query)")
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return bad("the URL needs the API host (locker://api.locker.io/locker_secrets)")
	}
	if strings.HasSuffix(u.Host, ":") {
		return bad("the URL's port is empty")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("the URL's port must be 1-65535")
		}
	}
	if len(u.EscapedPath()) > maxBasePath {
		return bad("the URL's path is longer than " + strconv.Itoa(maxBasePath) + " bytes")
	}
	if u.RawPath != "" || strings.Contains(u.EscapedPath(), "%") {
		return bad("the URL's path must not hold escapes (%2F and the like)")
	}
	path := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/")
	if path == "" {
		return nil
	}
	for _, s := range strings.Split(path, "/") {
		if s == "." || s == ".." || !segment.MatchString(s) {
			return bad("the URL's path must be plain segments of A-Z a-z 0-9 . _ ~ - (no '.', '..' or empty segments)")
		}
	}
	return nil
}
