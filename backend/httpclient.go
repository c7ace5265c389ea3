package backend

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"time"
)

// LibraryVersion is the library's version, which the drivers that make
// their own HTTP requests send in their User-Agent.
const LibraryVersion = "0.1.0"

// DefaultRequestTimeout bounds one request of a driver that makes its own
// HTTP requests, when its options set none.
const DefaultRequestTimeout = 30 * time.Second

// HTTPClientOptions are the connection settings every driver that makes
// its own HTTP requests takes in its ClientOptions.
type HTTPClientOptions struct {
	// HTTPClient, if set, is the application's: used as it is (its
	// Transport, its Timeout) and never closed.
	HTTPClient *http.Client
	// InsecureSkipVerify turns TLS verification off in the http.Client
	// NewHTTPClient builds (an explicit opt-in, for tests).
	InsecureSkipVerify bool
	// MaxIdleConnsPerHost of the built transport (0: net/http's).
	MaxIdleConnsPerHost int
	// MaxRetries: 0 is DefaultMaxRetries, below 0 none.
	MaxRetries int
	// Timeout of one request, each retry its own (0 or less:
	// DefaultRequestTimeout).
	Timeout time.Duration
	// Logger for debug records (nil: discarded).
	Logger *slog.Logger
}

// HTTPClient is what a driver's client keeps of those settings.
type HTTPClient struct {
	HC      *http.Client
	Timeout time.Duration
	Retry   RetryPolicy
	Log     *slog.Logger
	owned   bool // HC was built by NewHTTPClient
}

// NewHTTPClient applies the defaults of o. The http.Client it builds (when
// o has none) clones http.DefaultTransport, follows no redirect, and has
// no Client.Timeout: each attempt has its own context deadline.
func NewHTTPClient(o HTTPClientOptions) HTTPClient {
	switch {
	case o.MaxRetries == 0:
		o.MaxRetries = DefaultMaxRetries
	case o.MaxRetries < 0:
		o.MaxRetries = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultRequestTimeout
	}
	hc := o.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if o.MaxIdleConnsPerHost > 0 {
			tr.MaxIdleConnsPerHost = o.MaxIdleConnsPerHost
		}
		if o.InsecureSkipVerify {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // explicit opt-in
		}
		// No redirects: an API answers; a 3xx is an answer (an error to
		// the driver), never a reason to send credentials and a value to
		// another address.
		hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return HTTPClient{HC: hc, Timeout: o.Timeout, Retry: RetryPolicy{MaxRetries: o.MaxRetries}, Log: log, owned: o.HTTPClient == nil}
}

// CloseIdleConnections releases the idle connections of the http.Client
// NewHTTPClient built; the application's own is left alone (a driver
// closes only what it built). The client stays usable.
func (c *HTTPClient) CloseIdleConnections() {
	if c.owned {
		c.HC.CloseIdleConnections()
	}
}

// Owned reports whether NewHTTPClient built the http.Client.
func (c *HTTPClient) Owned() bool { return c.owned }

// Do runs attempt as c.Retry.Do says (classify: the driver's classifier;
// nil is Classify with HTTPCode),
// logging each retry at debug level as "<driver>: retrying" with the
// method, the path (when not empty: never a query), the code, the attempt
// and the wait.
func (c *HTTPClient) Do(ctx context.Context, driver, method, path string, classify func(error) Code,
	attempt func(ctx context.Context) (retryAfter time.Duration, err error)) error {
	if classify == nil {
		classify = func(err error) Code { return Classify(err, HTTPCode) }
	}
	return c.Retry.Do(ctx, classify, attempt, func(n int, code Code, wait time.Duration) {
		attrs := []any{"method", method}
		if path != "" {
			attrs = append(attrs, "path", path)
		}
		c.Log.DebugContext(ctx, driver+": retrying", append(attrs, "code", code.String(), "attempt", n, "wait", wait)...)
	})
}
