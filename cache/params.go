package cache

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// ParamPrefix starts the names of the cache's URL parameters.
const ParamPrefix = "cache_"

// ParseURLParams takes the cache's parameters out of q (removing them) and
// returns the Options they set, and whether q had any: then the store is to
// be cached. The parameters, accepted on every scheme by the portable
// layer:
//
//	cache_ttl            TTL (a duration: 30s, 5m)
//	cache_max_stale      MaxStale
//	cache_stale_retry    StaleRetryInterval
//	cache_not_found_ttl  NotFoundTTL
//	cache_max_entries    MaxEntries (1..10,000,000)
//	cache_refresh_ahead  RefreshAhead, a fraction in (0, 1), or "off"
//	cache_jitter         Jitter, a fraction in [0, 1]
//
// Another parameter starting with cache_ is an InvalidArgument error.
func ParseURLParams(q url.Values) (Options, bool, error) {
	sub := url.Values{}
	for k, v := range q {
		if strings.HasPrefix(k, ParamPrefix) {
			sub[k] = v
			delete(q, k)
		}
	}
	if len(sub) == 0 {
		return Options{}, false, nil
	}
	p := backend.NewParams(sub)
	o := Options{
		TTL:                p.Duration("cache_ttl", 0),
		MaxStale:           p.Duration("cache_max_stale", 0),
		StaleRetryInterval: p.Duration("cache_stale_retry", 0),
		NotFoundTTL:        p.Duration("cache_not_found_ttl", 0),
		MaxEntries:         p.Int("cache_max_entries", 0, 1, 10_000_000),
	}
	var err error
	if s := p.String("cache_refresh_ahead", ""); s != "" {
		if s == "off" {
			o.RefreshAhead = -1
		} else if o.RefreshAhead, err = fraction("cache_refresh_ahead", s, false); err != nil {
			return Options{}, true, err
		}
	}
	if s := p.String("cache_jitter", ""); s != "" {
		if o.Jitter, err = fraction("cache_jitter", s, true); err != nil {
			return Options{}, true, err
		}
		if o.Jitter == 0 {
			o.Jitter = -1 // none
		}
	}
	if err := p.Err(); err != nil {
		return Options{}, true, err
	}
	return o, true, nil
}

func fraction(name, s string, closed bool) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1 || !closed && (f == 0 || f == 1) {
		return 0, backend.Errorf(backend.InvalidArgument, "URL parameter %q must be a fraction between 0 and 1", name)
	}
	return f, nil
}
