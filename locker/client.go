package locker

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// Version is sent in the User-Agent: the library's.
const Version = backend.LibraryVersion

// DefaultAPIBase is Locker's API base, as in every official SDK.
const DefaultAPIBase = "https://api.locker.io/locker_secrets"

// ClientOptions configure a Client: where it sends requests, with which
// credentials, and how it retries.
type ClientOptions struct {
	// APIBase is the API base URL (default DefaultAPIBase); paths are
	// APIBase + "/v1/…".
	APIBase string
	// AccessKeyID and SecretAccessKey: from LOCKER_ACCESS_KEY_ID and
	// LOCKER_SECRET_ACCESS_KEY (or the legacy ACCESS_KEY_ID,
	// SECRET_ACCESS_KEY, LOCKER_ACCESS_KEY_SECRET, ACCESS_KEY_SECRET) when
	// empty. The secret access key never leaves the process: it only
	// decrypts the project key.
	AccessKeyID, SecretAccessKey string
	// Headers are added to every request, last (they override the
	// defaults), e.g. Cloudflare Access headers.
	Headers map[string]string
	// InsecureSkipVerify turns off TLS verification for every request.
	// For test servers only.
	InsecureSkipVerify bool
	// HTTPClient, if set, is used as it is (InsecureSkipVerify is then
	// ignored) and nothing in this package closes its connections.
	HTTPClient *http.Client
	// MaxRetries bounds the retries of RateLimited and Unavailable
	// answers, request timeouts included (default
	// backend.DefaultMaxRetries; negative = none).
	MaxRetries int
	// Timeout of one request, each retry getting its own (default 30 s).
	// When it fires while the caller's context is still alive, the
	// request is retried like a 503, and the call ends Unavailable if
	// every attempt times out; only the caller's context makes
	// DeadlineExceeded.
	Timeout time.Duration
	// Logger receives debug records of requests (method, path, status,
	// attempt) — never a value, header or key. Nil: no logging.
	Logger *slog.Logger
}

// Client is a Locker Secrets API client that does Locker's end-to-end
// encryption itself.
type Client struct {
	base      string
	id        string
	conn      backend.HTTPClient // the http.Client (Close releases it if built here), timeout, retries, logger
	headers   map[string]string
	keys      lockercrypto.Keys
	projectID int
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// NewClient checks the credentials: it fetches the access key's profile and
// unwraps the project key. A secret access key that does not belong to the
// access key id fails here, as Unauthenticated.
//
// The Client belongs to the caller: pass it to [New] or to a [URLOpener]
// as many times as wanted; closing a Store made from it leaves it usable.
// [Client.CloseIdleConnections] releases what it holds.
func NewClient(ctx context.Context, o ClientOptions) (*Client, error) {
	if o.AccessKeyID == "" {
		o.AccessKeyID = firstEnv("LOCKER_ACCESS_KEY_ID", "ACCESS_KEY_ID")
	}
	if o.SecretAccessKey == "" {
		o.SecretAccessKey = firstEnv("LOCKER_SECRET_ACCESS_KEY", "SECRET_ACCESS_KEY", "LOCKER_ACCESS_KEY_SECRET", "ACCESS_KEY_SECRET")
	}
	if o.AccessKeyID == "" || o.SecretAccessKey == "" {
		return nil, backend.Errorf(backend.Unauthenticated, "locker: no credentials: set LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY")
	}
	access, err := lockercrypto.AccessKeys(o.SecretAccessKey)
	if err != nil {
		return nil, backend.Errorf(backend.Unauthenticated, "locker: the secret access key is not valid base64")
	}
	base, err := backend.ClientAPIBase(o.APIBase, "", DefaultAPIBase, "API base", urlRules)
	if err != nil {
		return nil, err
	}
	c := &Client{base: base, id: o.AccessKeyID, headers: o.Headers,
		conn: backend.NewHTTPClient(backend.HTTPClientOptions{HTTPClient: o.HTTPClient, InsecureSkipVerify: o.InsecureSkipVerify,
			MaxRetries: o.MaxRetries, Timeout: o.Timeout, Logger: o.Logger})}
	var prof struct {
		Profile struct {
			Key       string `json:"key"`
			ProjectID int    `json:"project_id"`
			Activated bool   `json:"activated"`
		} `json:"profile"`
	}
	if err := c.do(ctx, "GET", "/v1/profile", nil, &prof); err != nil {
		return nil, backend.Wrap(classify(err), fmt.Errorf("locker: fetching the access key's profile: %w", err))
	}
	keys, err := lockercrypto.ProjectKeys(access, prof.Profile.Key)
	if err != nil {
		return nil, backend.Errorf(backend.Unauthenticated,
			"locker: the secret access key does not decrypt this access key's project key (wrong LOCKER_SECRET_ACCESS_KEY for %s?)", c.id)
	}
	c.keys, c.projectID = keys, prof.Profile.ProjectID
	return c, nil
}

// ProjectID is the project of the access key.
func (c *Client) ProjectID() int { return c.projectID }

// Hash is the lookup hash of a key or environment name in this project.
func (c *Client) Hash(plaintext string) string {
	return lockercrypto.LookupHash(c.projectID, plaintext)
}

// Encrypt encrypts a field with the project key.
func (c *Client) Encrypt(plaintext string) (string, error) { return c.keys.Encrypt([]byte(plaintext)) }

// Decrypt decrypts a field with the project key. what names the field in
// errors (never its content).
func (c *Client) Decrypt(what, enc string) (string, error) {
	b, err := c.keys.Decrypt(enc)
	if err != nil {
		return "", backend.Errorf(backend.Internal, "locker: decrypt %s: %w", what, err)
	}
	return string(b), nil
}

// CloseIdleConnections releases the idle connections of the http.Client
// NewClient built (one given in ClientOptions.HTTPClient is left alone).
// The Client stays usable: later requests open new connections.
func (c *Client) CloseIdleConnections() {
	c.conn.CloseIdleConnections()
}
