package backend

import (
	"net/url"
	"sort"
	"strconv"
	"time"
)

// Params reads a driver's URL query parameters and rejects the ones nobody
// read, so that a misspelt parameter is an error rather than silently
// ignored. The portable layer removes the common parameters (env, readonly)
// before a driver sees the URL.
type Params struct {
	q    url.Values
	used map[string]bool
	err  error
}

// NewParams returns a reader over q.
func NewParams(q url.Values) *Params { return &Params{q: q, used: map[string]bool{}} }

// String returns the parameter name, or def if absent.
func (p *Params) String(name, def string) string {
	p.used[name] = true
	vs, ok := p.q[name]
	if !ok {
		return def
	}
	if len(vs) != 1 {
		p.fail(invalid("URL parameter %q given %d times", name, len(vs)))
		return def
	}
	return vs[0]
}

// Int returns an integer parameter within [min, max].
func (p *Params) Int(name string, def, min, max int) int {
	s := p.String(name, "")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < min || n > max {
		p.fail(invalid("URL parameter %q must be an integer in %d..%d", name, min, max))
		return def
	}
	return n
}

// Bool returns a boolean parameter.
func (p *Params) Bool(name string, def bool) bool {
	s := p.String(name, "")
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		p.fail(invalid("URL parameter %q must be true or false", name))
		return def
	}
	return b
}

// Duration returns a duration parameter (time.ParseDuration syntax).
func (p *Params) Duration(name string, def time.Duration) time.Duration {
	s := p.String(name, "")
	if s == "" {
		return def
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		p.fail(invalid("URL parameter %q must be a non-negative duration such as 30s", name))
		return def
	}
	return d
}

func (p *Params) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// Err returns the first error met, or an InvalidArgument naming the
// parameters nobody read (names only: a value may be a credential).
func (p *Params) Err() error {
	if p.err != nil {
		return p.err
	}
	var unknown []string
	for k := range p.q {
		if !p.used[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return invalid("unknown URL parameter %q", unknown[0])
	}
	return nil
}
