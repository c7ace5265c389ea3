package backend

import (
	"net/url"
	"strings"
	"time"
)

// How the URLOpener of a driver that builds a client of an HTTP API
// (locker, rest, datalayer, abeja) reads a URL: the parameters that
// configure the client it builds, and, when the opener carries the
// application's own client instead, the refusal of those parameters and
// of a URL that names another API than that client's.

// ClientURL is a driver's parts of that reading; C is its client type.
type ClientURL[C any] struct {
	// Driver prefixes every message: "locker".
	Driver string
	// Mismatch is the refusal of a URL that names another API base than
	// the application's client's: "the URL names another API base than
	// the URLOpener's Client; use locker://?… or the client's own host
	// and path".
	Mismatch string
	// InsecureTLS: the driver has the insecure_tls parameter.
	InsecureTLS bool
	// Own lists the driver's own parameters that configure a client
	// ("key_file"), refused like max_retries and timeout when the opener
	// carries the application's client; the driver reads them itself.
	Own []string
	// Base is the API base the URL names, given its scheme parameter (""
	// when absent): scheme://host[/path], checked as CheckAPIURL says,
	// or "" where the driver allows a URL without a host (the client
	// then takes its base from the environment or its default).
	Base func(u *url.URL, scheme string) (string, error)
	// ClientBase is the API base of the application's client, in the
	// terms Base answers (SameAPIBase compares them).
	ClientBase func(c *C) string
}

// ClientSettings are what a URL says of the client an opener builds.
type ClientSettings struct {
	InsecureTLS bool          // insecure_tls (false where the driver has none)
	MaxRetries  int           // max_retries in ClientOptions' terms: 0 the default, -1 none (max_retries=0)
	Timeout     time.Duration // timeout; DefaultRequestTimeout when absent
}

// Open reads u for an opener whose application's client is own (nil: the
// opener builds one). params, if not nil, reads the driver's other
// parameters from the same Params (unknown ones are then refused). With
// own, it refuses the client's parameters and a URL naming another API
// base than own's (a URL naming none — no host, user info, path,
// fragment or scheme — takes own's), and answers own; without, it calls
// build with the URL's API base and settings and answers what build
// made, owned (the Store's Close releases it).
func (r *ClientURL[C]) Open(u *url.URL, own *C, params func(p *Params), build func(base string, s ClientSettings) (*C, error)) (c *C, owned bool, err error) {
	q := u.Query()
	names := append([]string{"max_retries", "timeout"}, r.Own...)
	if r.InsecureTLS {
		names = append([]string{"insecure_tls"}, names...)
	}
	if own != nil {
		if err := RefuseClientParams(q, r.Driver, names...); err != nil {
			return nil, false, err
		}
	}
	p := NewParams(q)
	scheme := p.String("scheme", "")
	var s ClientSettings
	if own == nil {
		if r.InsecureTLS {
			s.InsecureTLS = p.Bool("insecure_tls", false)
		}
		s.MaxRetries = p.Int("max_retries", DefaultMaxRetries, 0, 20)
		if s.MaxRetries == 0 {
			s.MaxRetries = -1
		}
		s.Timeout = p.Duration("timeout", DefaultRequestTimeout)
	}
	if params != nil {
		params(p)
	}
	if err := p.Err(); err != nil {
		return nil, false, err
	}
	if own != nil && !namesBase(u, q) {
		return own, false, nil
	}
	base, err := r.Base(u, scheme)
	if err != nil {
		return nil, false, err
	}
	if own != nil {
		if base != "" && !SameAPIBase(base, r.ClientBase(own)) {
			return nil, false, Errorf(InvalidArgument, "%s: %s", r.Driver, r.Mismatch)
		}
		return own, false, nil
	}
	c, err = build(base, s)
	if err != nil {
		return nil, false, err
	}
	return c, true, nil
}

// namesBase reports whether a URL says anything of an API base.
func namesBase(u *url.URL, q url.Values) bool {
	return u.Opaque != "" || u.Host != "" || u.User != nil || strings.Trim(u.Path, "/") != "" || u.Fragment != "" || u.RawFragment != "" || q.Has("scheme")
}

// URLAPIBase is the API base a driver's URL names: scheme://host/path,
// the scheme https ("" too) or http, the URL checked by CheckAPIURL with
// r, and defPath for an empty path.
func URLAPIBase(u *url.URL, scheme string, r APIURLRules, defPath string) (string, error) {
	scheme, err := URLScheme(scheme, r.Driver)
	if err != nil {
		return "", err
	}
	if err := CheckAPIURL(u, r); err != nil {
		return "", err
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	if path == "" {
		path = defPath
	}
	return scheme + "://" + u.Host + path, nil
}

// URLScheme is the scheme a driver's scheme parameter names: https (for
// "" too) or http; anything else is InvalidArgument.
func URLScheme(scheme, driver string) (string, error) {
	switch scheme {
	case "":
		return "https", nil
	case "https", "http":
		return scheme, nil
	}
	return "", Errorf(InvalidArgument, "%s: scheme must be https or http", driver)
}
