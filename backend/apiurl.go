package backend

import (
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// The URL of an HTTP API, as the drivers that make their own requests
// (locker, abeja, datalayer, rest) check it before they send anything
// there.

// MaxAPIPath bounds the length of the path of an API's URL.
const MaxAPIPath = 256

// apiSegment is one path segment of an API's URL: unreserved characters
// only, so that what is checked is what is sent.
var apiSegment = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// APIURLRules are a driver's own parts of CheckAPIURL.
type APIURLRules struct {
	// Driver prefixes every message: "locker".
	Driver string
	// Credentials says where credentials come from instead of the URL's
	// user info: "credentials come from LOCKER_ACCESS_KEY_ID and …".
	Credentials string
	// Host, if not nil, is the driver's rule on the host (and on an
	// opaque URL): the refusal's text, or "" when the URL will do.
	Host func(u *url.URL) string
	// Segments, if not nil, is the driver's rule on the path's segments
	// (the path without its leading and trailing slash, split on "/";
	// not called for an empty path): the refusal's text, or "".
	Segments func(segs []string) string
}

// CheckAPIURL refuses, with InvalidArgument, a URL naming an HTTP API
// that the driver would otherwise send somewhere unintended or silently
// trim, in this order: user info (credentials never come from a URL), a
// #fragment (a '#' before the query hides the query), the driver's host
// rule, an empty port or one outside 1–65535, a path longer than
// MaxAPIPath bytes or holding escapes (%2F and the like), the driver's
// segment rule, and a segment that is not plain (".", "..", empty, or
// other than A-Z a-z 0-9 . _ ~ -). Messages never quote the URL, which
// may hold credentials.
func CheckAPIURL(u *url.URL, r APIURLRules) error {
	bad := func(msg string) error { return Errorf(InvalidArgument, "%s: %s", r.Driver, msg) }
	if u.User != nil {
		return bad("the URL must not carry user info; " + r.Credentials)
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return bad("the URL must not have a #fragment (a '#' before the query hides the query)")
	}
	if r.Host != nil {
		if msg := r.Host(u); msg != "" {
			return bad(msg)
		}
	}
	if strings.HasSuffix(u.Host, ":") {
		return bad("the URL's port is empty")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return bad("the URL's port must be 1-65535")
		}
	}
	if len(u.EscapedPath()) > MaxAPIPath {
		return bad("the URL's path is longer than " + strconv.Itoa(MaxAPIPath) + " bytes")
	}
	if u.RawPath != "" || strings.Contains(u.EscapedPath(), "%") {
		return bad("the URL's path must not hold escapes (%2F and the like)")
	}
	path := strings.TrimSuffix(strings.TrimPrefix(u.Path, "/"), "/")
	if path == "" {
		return nil
	}
	segs := strings.Split(path, "/")
	if r.Segments != nil {
		if msg := r.Segments(segs); msg != "" {
			return bad(msg)
		}
	}
	for _, s := range segs {
		if s == "." || s == ".." || !apiSegment.MatchString(s) {
			return bad("the URL's path must be plain segments of A-Z a-z 0-9 . _ ~ - (no '.', '..' or empty segments)")
		}
	}
	return nil
}

// SameAPIBase reports whether two API bases (scheme://host[/path]) name
// one place: the same scheme, host (case-insensitively) and path
// (trailing slash aside).
func SameAPIBase(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Scheme == ub.Scheme && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimSuffix(ua.EscapedPath(), "/") == strings.TrimSuffix(ub.EscapedPath(), "/")
}

// RefuseClientParams refuses, with InvalidArgument, a URL parameter among
// names (those that configure a client the driver builds) when the
// URLOpener carries the application's own client.
func RefuseClientParams(q url.Values, driver string, names ...string) error {
	for _, name := range names {
		if q.Has(name) {
			return Errorf(InvalidArgument,
				"%s: URL parameter %q configures a client, and this URLOpener has its own Client: set it in ClientOptions", driver, name)
		}
	}
	return nil
}

// ClientAPIBase is the API base of a client a driver builds: given, else
// the environment variable env (none when ""), else def; checked as
// ParseAPIBase says (what names it in messages), without its trailing
// slash.
func ClientAPIBase(given, env, def, what string, r APIURLRules) (string, error) {
	if given == "" && env != "" {
		given = os.Getenv(env)
	}
	if given == "" {
		given = def
	}
	if _, err := ParseAPIBase(given, what, r); err != nil {
		return "", err
	}
	return strings.TrimSuffix(given, "/"), nil
}

// ParseAPIBase parses the API base a client is given (what names it in
// messages: "the API URL"): an absolute http or https URL without a
// query, checked as CheckAPIURL says.
func ParseAPIBase(raw, what string, r APIURLRules) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.ForceQuery {
		return nil, Errorf(InvalidArgument, "%s: %s must be an absolute http(s) URL without a query", r.Driver, what)
	}
	if err := CheckAPIURL(u, r); err != nil {
		return nil, err
	}
	return u, nil
}
