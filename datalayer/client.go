package datalayer

import (
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/polysecret/secrets/backend"
)

// Version is sent in the User-Agent: the library's.
const Version = backend.LibraryVersion

// DefaultIAMURL is the IAM service of Datalayer's production platform, the
// default of the official clients (datalayer_core/utils/urls.py,
// DEFAULT_SERVICE_URLS.IAM).
const DefaultIAMURL = "https://prod1.datalayer.run"

// APIPrefix is the path of the IAM API below the IAM URL, as the official
// clients build it ("{iam_url}/api/iam/v1/secrets").
const APIPrefix = "/api/iam/v1"

// The environment variables the official clients read.
const (
	EnvAPIKey = "DATALAYER_API_KEY"
	EnvIAMURL = "DATALAYER_IAM_URL"
)

// DefaultTimeout is the default timeout of one request.
const DefaultTimeout = backend.DefaultRequestTimeout

// ClientOptions configure a Client: where it sends requests, with which
// API key, and how it retries.
type ClientOptions struct {
	// IAMURL is the IAM service's base URL (scheme, host, optional path),
	// DATALAYER_IAM_URL when empty, else DefaultIAMURL. Requests go to
	// IAMURL + "/api/iam/v1/…".
	IAMURL string
	// APIKey is sent as "Authorization: Bearer <APIKey>";
	// DATALAYER_API_KEY when empty. It never appears in an error or a log.
	APIKey string
	// HTTPClient, if set, is used as it is, and nothing in this package
	// closes its connections.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of RateLimited and Unavailable answers
	// (429, 502–504 and other 5xx but 500 and 501, transport failures, the
	// request timeout). 0 = backend.DefaultMaxRetries; negative = none.
	MaxRetries int
	// Timeout of one request, each retry getting its own (default 30 s).
	// When it fires while the caller's context is alive the request is
	// retried like a 503, and the call ends Unavailable if every attempt
	// times out; only the caller's context makes DeadlineExceeded.
	Timeout time.Duration
	// Logger receives debug records of requests and retries (method, path,
	// status, attempt) — never a value, header or API key. Nil: none.
	Logger *slog.Logger
}

// Client is a client of Datalayer's secrets API. It is safe for concurrent
// use; build it once and share it.
type Client struct {
	base   string // IAM URL + APIPrefix
	iamURL string
	key    string
	conn   backend.HTTPClient // the http.Client (released if built here), timeout, retries, logger
}

// NewClient checks the options and builds a Client; it makes no request
// (Store.Ping proves the API key). No API key is Unauthenticated; an IAM
// URL that is not an absolute http(s) URL of plain path segments, or that
// carries user info, a query or a #fragment, is InvalidArgument.
//
// The Client belongs to the caller: pass it to [New] or to a [URLOpener]
// as many times as wanted; closing a Store made from it leaves it usable.
// [Client.CloseIdleConnections] releases what it holds.
func NewClient(o ClientOptions) (*Client, error) {
	if o.APIKey == "" {
		o.APIKey = os.Getenv(EnvAPIKey)
	}
	if o.APIKey == "" {
		return nil, backend.Errorf(backend.Unauthenticated, "datalayer: no API key: set %s", EnvAPIKey)
	}
	iam, err := backend.ClientAPIBase(o.IAMURL, EnvIAMURL, DefaultIAMURL, "the IAM URL", urlRules)
	if err != nil {
		return nil, err
	}
	return &Client{base: iam + APIPrefix, iamURL: iam, key: o.APIKey,
		conn: backend.NewHTTPClient(backend.HTTPClientOptions{HTTPClient: o.HTTPClient,
			MaxRetries: o.MaxRetries, Timeout: o.Timeout, Logger: o.Logger})}, nil
}

// IAMURL is the IAM base URL the client sends to (without APIPrefix).
func (c *Client) IAMURL() string { return c.iamURL }

// CloseIdleConnections releases the idle connections of the http.Client
// NewClient built (one given in ClientOptions.HTTPClient is left alone).
// The Client stays usable: later requests open new connections.
func (c *Client) CloseIdleConnections() {
	c.conn.CloseIdleConnections()
}
