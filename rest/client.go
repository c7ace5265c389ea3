package rest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// EnvAPIKey and EnvAPIKeyFile name the environment variables the API key
// comes from when ClientOptions.APIKey is empty.
const (
	EnvAPIKey     = "POLYSECRET_API_KEY"
	EnvAPIKeyFile = "POLYSECRET_API_KEY_FILE"
)

// ClientOptions configure a Client.
type ClientOptions struct {
	// BaseURL is the gateway's base URL (https://secrets.example.com, or
	// with a path prefix under which the API is mounted); requests go to
	// BaseURL + "/v1/…".
	BaseURL string
	// APIKey is sent as Authorization: Bearer (which net/http drops on a
	// redirect to another host; X-API-Key it would forward). Empty: the contents of the file named
	// by APIKeyFile, else $POLYSECRET_API_KEY, else the file named by
	// $POLYSECRET_API_KEY_FILE.
	APIKey     string
	APIKeyFile string
	// HTTPClient, if set, is used as it is (InsecureSkipVerify is then
	// ignored) and nothing in this package closes its connections.
	HTTPClient *http.Client
	// InsecureSkipVerify turns off TLS verification (test servers only).
	InsecureSkipVerify bool
	// MaxRetries bounds the retries of 429, 5xx answers other than 500,
	// transport failures and request timeouts (default
	// backend.DefaultMaxRetries; negative: none). Writes are retried with
	// the same Idempotency-Key, so a retry never applies a write twice.
	MaxRetries int
	// Timeout of one request, each retry its own (default 35 s: longer
	// than the gateway's own default request timeout of 30 s, so that the
	// gateway answers first).
	Timeout time.Duration
	// Logger receives debug records of retries (method, route, code) —
	// never a value or the key. Nil: none.
	Logger *slog.Logger
}

// Client talks to one gateway with one API key. It is safe for concurrent
// use and belongs to whoever made it: closing a Store made from it leaves
// it usable.
type Client struct {
	base string
	key  string
	conn backend.HTTPClient // the http.Client (released if built here), timeout, retries, logger
}

// NewClient checks the options and builds a client; it makes no request.
func NewClient(o ClientOptions) (*Client, error) {
	base, err := backend.ClientAPIBase(o.BaseURL, "", "", "BaseURL", urlRules)
	if err != nil {
		return nil, err
	}
	key := o.APIKey
	if key == "" {
		file := o.APIKeyFile
		if file == "" {
			key = os.Getenv(EnvAPIKey)
			file = os.Getenv(EnvAPIKeyFile)
		}
		if key == "" && file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return nil, backend.Errorf(backend.InvalidArgument, "rest: reading the API key file: %w", err)
			}
			key = strings.TrimSpace(string(b))
		}
	}
	if key == "" {
		return nil, backend.Errorf(backend.Unauthenticated, "rest: no API key: set %s or %s", EnvAPIKey, EnvAPIKeyFile)
	}
	if o.Timeout <= 0 {
		o.Timeout = 35 * time.Second // above the gateway's own 30 s, so that the gateway answers first
	}
	return &Client{base: base, key: key,
		conn: backend.NewHTTPClient(backend.HTTPClientOptions{HTTPClient: o.HTTPClient, InsecureSkipVerify: o.InsecureSkipVerify,
			MaxIdleConnsPerHost: 64, MaxRetries: o.MaxRetries, Timeout: o.Timeout, Logger: o.Logger})}, nil
}

// BaseURL is the gateway's base URL.
func (c *Client) BaseURL() string { return c.base }

// CloseIdleConnections releases the idle connections of the http.Client
// NewClient built (one given in ClientOptions.HTTPClient is left alone).
// The Client stays usable.
func (c *Client) CloseIdleConnections() {
	c.conn.CloseIdleConnections()
}

// newIdempotencyKey is a fresh Idempotency-Key for one write (all its
// retries share it).
func newIdempotencyKey() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// do sends one API call and decodes the "data" of a 2xx answer into out.
// Writes (every method but GET) carry an Idempotency-Key shared by their
// retries. RateLimited and Unavailable outcomes are retried as
// backend.RetryPolicy says, never into the caller's deadline.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var payload []byte
	if body != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return err
		}
		payload = b.Bytes()
	}
	ik := ""
	if method != http.MethodGet {
		ik = newIdempotencyKey()
	}
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	return c.conn.Do(ctx, "rest", method, "", classify, func(ctx context.Context) (time.Duration, error) {
		err := c.once(ctx, method, target, path, ik, payload, out)
		var ae *APIError
		if errors.As(err, &ae) {
			return ae.RetryAfter, err
		}
		return 0, err
	})
}

func (c *Client) once(ctx context.Context, method, target, path, ik string, payload []byte, out any) error {
	call := backend.HTTPCall{Driver: "rest", Method: method, URL: target, Path: path,
		Body: payload, Timeout: c.conn.Timeout, Header: func(h http.Header) {
			h.Set("Authorization", "Bearer "+c.key) // dropped by net/http on a redirect to another host
			h.Set("Accept", "application/json")
			if payload != nil {
				h.Set("Content-Type", "application/json")
			}
			if ik != "" {
				h.Set("Idempotency-Key", ik)
			}
		}}
	ans, err := call.Send(ctx, c.conn.HC)
	if err != nil {
		return err
	}
	if ans.Status < 200 || ans.Status > 299 {
		ae := &APIError{Status: ans.Status, RetryAfter: backend.ParseRetryAfter(ans.Header)}
		var eb struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if json.Unmarshal(ans.Body, &eb) == nil && eb.Error.Code != "" {
			ae.Code, ae.Message = eb.Error.Code, eb.Error.Message
		} else {
			ae.Message = http.StatusText(ans.Status) // a proxy's page: not quoted
		}
		return ae
	}
	if out == nil || ans.Status == http.StatusNoContent {
		return nil
	}
	if err := json.Unmarshal(ans.Body, out); err != nil {
		return backend.Errorf(backend.Internal, "rest: undecodable answer to %s %s", method, path)
	}
	return nil
}
