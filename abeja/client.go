package abeja

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// Version is sent in the User-Agent: the library's.
const Version = backend.LibraryVersion

// DefaultAPIURL is the API base when neither ClientOptions.APIURL nor
// ABEJA_API_URL says otherwise (abeja/common/connection.py).
const DefaultAPIURL = "https://api.abeja.io"

// DefaultTimeout bounds one request (the SDK's DEFAULT_CONNECTION_TIMEOUT
// is 30 s too).
const DefaultTimeout = backend.DefaultRequestTimeout

// ClientOptions configure a Client: where it sends requests, with which
// credentials, and how it retries.
type ClientOptions struct {
	// APIURL is the API base (scheme://host[/path]); paths are APIURL +
	// "/secret-manager/…". Default: ABEJA_API_URL, else DefaultAPIURL.
	APIURL string
	// AuthToken is a platform auth token, sent as "Authorization: Bearer".
	// UserID and PersonalAccessToken are a user's credentials, sent as HTTP
	// Basic "user-<UserID>:<PersonalAccessToken>". When all three are
	// empty they come from the environment as the SDK reads them
	// (abeja/common/auth.py): PLATFORM_AUTH_TOKEN first, else
	// ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN.
	AuthToken                   string
	UserID, PersonalAccessToken string
	// HTTPClient, if set, is used as it is; nothing in this package closes
	// its connections.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of 429, 5xx, transport failures and
	// request timeouts (default backend.DefaultMaxRetries; negative =
	// none).
	MaxRetries int
	// Timeout of one request, each retry getting its own (default
	// DefaultTimeout). When it fires while the caller's context is alive
	// the request is retried like a 503, and the call ends Unavailable if
	// every attempt times out.
	Timeout time.Duration
	// Logger receives debug records of requests (method, path, status,
	// attempt) — never a value, header or credential. Nil: no logging.
	Logger *slog.Logger
}

// Client is an ABEJA Platform API client for the Secret Manager. It holds
// no organization: each Store names its own.
type Client struct {
	base string             // scheme://host[/path], no trailing slash
	auth string             // the Authorization header
	conn backend.HTTPClient // the http.Client (released if built here), timeout, retries, logger
}

// NewClient checks the options and the credentials' presence; it makes no
// request (Store.Ping does one).
//
// The Client belongs to the caller: pass it to [New] or to a [URLOpener]
// as many times as wanted; closing a Store made from it leaves it usable.
// [Client.CloseIdleConnections] releases what it holds.
func NewClient(o ClientOptions) (*Client, error) {
	if o.AuthToken == "" && o.UserID == "" && o.PersonalAccessToken == "" {
		if tok := os.Getenv("PLATFORM_AUTH_TOKEN"); tok != "" {
			o.AuthToken = tok
		} else {
			o.UserID, o.PersonalAccessToken = os.Getenv("ABEJA_PLATFORM_USER_ID"), os.Getenv("ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN")
		}
	}
	var auth string
	switch {
	case o.AuthToken != "":
		auth = "Bearer " + o.AuthToken
	case o.UserID != "" && o.PersonalAccessToken != "":
		user := o.UserID
		if !strings.HasPrefix(user, "user-") {
			user = "user-" + user // as the SDK's Connection does
		}
		auth = "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+o.PersonalAccessToken))
	default:
		return nil, backend.Errorf(backend.Unauthenticated,
			"abeja: no credentials: set PLATFORM_AUTH_TOKEN, or ABEJA_PLATFORM_USER_ID and ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN")
	}
	base, err := backend.ClientAPIBase(o.APIURL, "ABEJA_API_URL", DefaultAPIURL, "the API URL", urlRules(false))
	if err != nil {
		return nil, err
	}
	return &Client{base: base, auth: auth,
		conn: backend.NewHTTPClient(backend.HTTPClientOptions{HTTPClient: o.HTTPClient,
			MaxRetries: o.MaxRetries, Timeout: o.Timeout, Logger: o.Logger})}, nil
}

// APIURL is the API base the client sends to.
func (c *Client) APIURL() string { return c.base }

// CloseIdleConnections releases the idle connections of the http.Client
// NewClient built (one given in ClientOptions.HTTPClient is left alone).
// The Client stays usable.
func (c *Client) CloseIdleConnections() {
	c.conn.CloseIdleConnections()
}
