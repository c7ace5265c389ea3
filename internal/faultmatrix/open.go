package faultmatrix

import (
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/polysecret/secrets/internal/faultproxy"
)

// What a driver's Target is made of, for the drivers that open a store by
// URL on the proxy's host (locker, abeja, datalayer, rest).

// StoreURL is the store URL Target.Open opens: scheme://<the proxy's
// host><path>?<query>&max_retries=…&timeout=… (query holds the driver's
// own parameters, scheme=http first).
func StoreURL(proxyURL, scheme, path, query string, maxRetries int, timeout time.Duration) string {
	u, _ := url.Parse(proxyURL)
	return scheme + "://" + u.Host + path + "?" + query + "&max_retries=" + strconv.Itoa(maxRetries) + "&timeout=" + timeout.String()
}

// Setenv sets environment variables (credentials a driver reads from the
// environment only) and returns what restores them. Only for code that
// nothing else runs beside: Target.Open, which the runner serializes.
func Setenv(vars map[string]string) (restore func()) {
	type old struct {
		v  string
		ok bool
	}
	saved := map[string]old{}
	for k, v := range vars {
		ov, ok := os.LookupEnv(k)
		saved[k] = old{ov, ok}
		os.Setenv(k, v)
	}
	return func() {
		for k, o := range saved {
			if o.ok {
				os.Setenv(k, o.v)
			} else {
				os.Unsetenv(k)
			}
		}
	}
}

// Requests is a Target.Request from a table: the requests each op's faults
// hit, other for the ops the table lacks (the reads, usually).
func Requests(table map[Op]faultproxy.Match, other faultproxy.Match) func(op Op, key string) faultproxy.Match {
	return func(op Op, _ string) faultproxy.Match {
		if m, ok := table[op]; ok {
			return m
		}
		return other
	}
}
