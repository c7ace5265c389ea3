package locker

import (
	"context"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// maxBasePath bounds the length of the API base's path.
const maxBasePath = 256

// segment is one path segment of an API base: unreserved characters only,
// so that what is checked here is what is sent.
var segment = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

func openURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	p := backend.NewParams(u.Query())
	scheme := p.String("scheme", "https")
	insecure := p.Bool("insecure_tls", false)
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	timeout := p.Duration("timeout", 30*time.Second)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if scheme != "https" && scheme != "http" {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: scheme must be https or http")
	}
	if u.Host == "" {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: the URL needs the API host (locker://api.locker.io/locker_secrets)")
	}
	if err := checkBase(u); err != nil {
		return nil, err
	}
	path := u.EscapedPath()
	if path == "" || path == "/" {
		path = "/locker_secrets"
	}
	if maxRetries == 0 {
		maxRetries = -1
	}
	c, err := NewClient(ctx, Options{APIBase: scheme + "://" + u.Host + path, InsecureSkipVerify: insecure,
		MaxRetries: maxRetries, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return &driver{c: c}, nil
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
