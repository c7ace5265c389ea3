package locker

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// Version is sent in the User-Agent.
const Version = "0.1.0"

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
	hc        *http.Client
	ownsHC    bool // hc was built here: Close releases its connections
	timeout   time.Duration
	headers   map[string]string
	retry     backend.RetryPolicy
	log       *slog.Logger
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
	if o.APIBase == "" {
		o.APIBase = DefaultAPIBase
	}
	u, err := url.Parse(o.APIBase)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.ForceQuery {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: API base must be an absolute http(s) URL without a query")
	}
	if err := checkBase(u); err != nil {
		return nil, err
	}
	if o.MaxRetries == 0 {
		o.MaxRetries = backend.DefaultMaxRetries
	} else if o.MaxRetries < 0 {
		o.MaxRetries = 0
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	hc := o.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		if o.InsecureSkipVerify {
			tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true} //nolint:gosec // explicit opt-in
		}
		// no Client.Timeout: each attempt has its own context deadline
		hc = &http.Client{Transport: tr}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{base: strings.TrimSuffix(o.APIBase, "/"), id: o.AccessKeyID, hc: hc, ownsHC: o.HTTPClient == nil,
		timeout: o.Timeout, headers: o.Headers, retry: backend.RetryPolicy{MaxRetries: o.MaxRetries}, log: log}
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

// do sends a request and decodes a 2xx JSON answer into out. It retries
// RateLimited and Unavailable outcomes (429, 5xx, transport failures, the
// per-request timeout) up to MaxRetries times, waiting as
// backend.RetryPolicy says (Retry-After honoured, capped at its Max). It
// never sleeps into the caller's deadline: when the wait would end after
// it, the last answer is returned at once.
func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		err := c.once(ctx, method, path, payload, out)
		if err == nil {
			return nil
		}
		code := classify(err)
		if !code.Retryable() || attempt >= c.retry.MaxRetries || ctx.Err() != nil {
			return err
		}
		var ra time.Duration
		var ae *APIError
		if errors.As(err, &ae) {
			ra = ae.RetryAfter
		}
		d := c.retry.Delay(attempt+1, ra)
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
			return err
		}
		c.log.DebugContext(ctx, "locker: retrying", "method", method, "path", redactQuery(path), "code", code.String(), "attempt", attempt+1, "wait", d)
		if err := backend.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

func redactQuery(p string) string {
	path, _, _ := strings.Cut(p, "?")
	return path
}

func (c *Client) once(ctx context.Context, method, path string, payload []byte, out any) error {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.id)
	req.Header.Set("User-Agent", "Locker Secret Go SDK - version "+Version+" (polysecret)")
	req.Header.Set("Cache-Control", "no-cache")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return c.transportErr(ctx, actx, method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return c.transportErr(ctx, actx, method, path, err)
	}
	c.log.DebugContext(ctx, "locker: request", "method", method, "path", redactQuery(path), "status", resp.StatusCode)
	if resp.StatusCode != 200 && resp.StatusCode != 201 {
		ae := &APIError{Status: resp.StatusCode, RetryAfter: backend.ParseRetryAfter(resp.Header)}
		var eb struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(b, &eb) == nil {
			ae.Code, ae.Message = eb.Code, eb.Message
		} else {
			ae.Message = http.StatusText(resp.StatusCode)
		}
		return ae
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		// The body holds ciphertexts at most; still, do not quote it.
		return backend.Errorf(backend.Internal, "locker: undecodable answer to %s %s", method, redactQuery(path))
	}
	return nil
}

// transportErr tells a timeout of the request (the driver's Timeout, or a
// user's http.Client.Timeout) from the caller's own context: the first is
// a retryable requestTimeout, the second stays the context's error.
func (c *Client) transportErr(ctx, actx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return err
	}
	if actx.Err() != nil {
		return &requestTimeout{method: method, path: redactQuery(path), after: c.timeout}
	}
	var ne net.Error
	if backend.ContextCode(err) != backend.Unknown || (errors.As(err, &ne) && ne.Timeout()) {
		return &requestTimeout{method: method, path: redactQuery(path)} // the http.Client's own timeout
	}
	return err
}

// CloseIdleConnections releases the idle connections of the http.Client
// NewClient built (one given in ClientOptions.HTTPClient is left alone).
// The Client stays usable: later requests open new connections.
func (c *Client) CloseIdleConnections() {
	if c.ownsHC {
		c.hc.CloseIdleConnections()
	}
}
