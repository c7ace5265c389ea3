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
	"strconv"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/locker/internal/lockercrypto"
)

// Version is sent in the User-Agent.
const Version = "0.1.0"

// DefaultAPIBase is Locker's API base, as in every official SDK.
const DefaultAPIBase = "https://api.locker.io/locker_secrets"

// Options configure a Client.
type Options struct {
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
	// ignored).
	HTTPClient *http.Client
	// MaxRetries bounds the retries of RateLimited and Unavailable
	// answers (default 3; negative = none).
	MaxRetries int
	// Timeout of one request (default 30 s).
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
func NewClient(ctx context.Context, o Options) (*Client, error) {
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
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: API base must be an absolute http(s) URL")
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
		hc = &http.Client{Transport: tr, Timeout: o.Timeout}
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{base: strings.TrimSuffix(o.APIBase, "/"), id: o.AccessKeyID, hc: hc, headers: o.Headers,
		retry: backend.RetryPolicy{MaxRetries: o.MaxRetries}, log: log}
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

// APIError is an error answer of the Locker API: {"code","message"} and
// the HTTP status.
type APIError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("locker API: HTTP %d %s: %s", e.Status, e.Code, e.Message)
}

// statusCodes and apiCodes are the error table of LOCKER.md §7.
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	409: backend.AlreadyExists,
	422: backend.InvalidArgument,
	429: backend.RateLimited,
	500: backend.Internal,
	502: backend.Unavailable,
	503: backend.Unavailable,
	504: backend.Unavailable,
}

var apiCodes = map[string]backend.Code{
	"duplicate_hash":             backend.AlreadyExists,
	"secret_already_exists":      backend.AlreadyExists,
	"environment_already_exists": backend.AlreadyExists,
	"conflict":                   backend.AlreadyExists,
	"unauthorized":               backend.Unauthenticated,
	"invalid_secret_access_key":  backend.Unauthenticated,
	"permission_denied":          backend.PermissionDenied,
	"forbidden":                  backend.PermissionDenied,
	"not_found":                  backend.NotFound,
	"not_found_error":            backend.NotFound,
	"secret_not_found":           backend.NotFound,
	"environment_not_found":      backend.NotFound,
	"validation_error":           backend.InvalidArgument,
	"rate_limited":               backend.RateLimited,
	"rate_limit":                 backend.RateLimited,
	"rate_limit_error":           backend.RateLimited,
	"service_unavailable":        backend.Unavailable,
	"server_error":               backend.Internal,
	"internal_error":             backend.Internal,
}

// Code classifies e: the API's code where it names one, else the status.
func (e *APIError) code() backend.Code {
	if c, ok := apiCodes[e.Code]; ok {
		return c
	}
	if c, ok := statusCodes[e.Status]; ok {
		return c
	}
	if e.Status >= 500 {
		return backend.Unavailable
	}
	return backend.Unknown
}

func classify(err error) backend.Code {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.code()
	}
	if c := backend.ContextCode(err); c != backend.Unknown {
		return c
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return backend.Unavailable
	}
	return backend.Unknown
}

// do sends a request (retrying RateLimited and Unavailable answers with
// backoff, honouring Retry-After) and decodes a 2xx JSON answer into out.
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
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
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
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
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

// listEnvelope is a page of a listing.
type listEnvelope[T any] struct {
	Count   int     `json:"count"`
	Next    *string `json:"next"`
	Results []T     `json:"results"`
}

// listAll follows next links from path.
func listAll[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	var all []T
	for path != "" {
		var env listEnvelope[T]
		if err := c.do(ctx, "GET", path, nil, &env); err != nil {
			return nil, err
		}
		all = append(all, env.Results...)
		path = ""
		if env.Next != nil && *env.Next != "" {
			path = nextPath(c.base, *env.Next)
		}
	}
	return all, nil
}

// nextPath turns a next link into a path relative to the base: the SDK
// concatenates base + next, so next is relative; an absolute one is
// accepted if it is under the base.
func nextPath(base, next string) string {
	if rest, ok := strings.CutPrefix(next, base); ok {
		return rest
	}
	if u, err := url.Parse(next); err == nil && u.IsAbs() {
		if bu, err := url.Parse(base); err == nil {
			if rest, ok := strings.CutPrefix(u.RequestURI(), bu.Path); ok {
				return rest
			}
		}
	}
	return next
}

func listQuery(kind string, page, size int, extra url.Values) string {
	q := url.Values{}
	q.Set(kind, "1")
	q.Set("page", strconv.Itoa(page))
	q.Set("paging", "1")
	q.Set("revision_date", "0.000000")
	q.Set("size", strconv.Itoa(size))
	for k, v := range extra {
		q[k] = v
	}
	return q.Encode()
}
