package faultmatrix_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// TestCorrectDriverPassesEveryCell holds the runner to its word: a driver
// that does what issue 8 asks (a client timeout per attempt that counts as
// retryable, Retry-After honoured, a request token that makes a retried
// write recognise itself) passes every cell. The driver and its server are
// the smallest that can: a key-value store over HTTP.
func TestCorrectDriverPassesEveryCell(t *testing.T) {
	srv := httptest.NewServer(newKV())
	t.Cleanup(srv.Close)
	truth := secrets.NewStore(&kvDriver{base: srv.URL, hc: &http.Client{}}, secrets.StoreOptions{Scheme: "kvtest"})
	t.Cleanup(func() { truth.Close() })
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: srv.URL,
		Truth:    truth,
		Timeout:  500 * time.Millisecond,
		Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
			d := &kvDriver{base: proxyURL, hc: &http.Client{Timeout: timeout, Transport: &http.Transport{}},
				retry: backend.RetryPolicy{MaxRetries: maxRetries, Base: 200 * time.Millisecond}}
			return secrets.NewStore(d, secrets.StoreOptions{Scheme: "kvtest"}), nil
		},
		Request: func(op faultmatrix.Op, key string) faultproxy.Match {
			if op == faultmatrix.List {
				return faultproxy.Match{Methods: []string{"GET"}, PathPrefix: "/kv/", Func: func(r *http.Request) bool { return r.URL.Query().Has("prefix") }}
			}
			return faultproxy.Match{PathPrefix: "/kv/" + key}
		},
	})
}

func TestBound(t *testing.T) {
	if got, want := faultmatrix.Bound(2, 2*time.Second), 16*time.Second; got != want {
		t.Errorf("Bound(2, 2s) = %v, want %v", got, want)
	}
}

// kv is the server: keys with a value and a version count; every write
// carries a token, and a write whose token already landed is answered as
// done without being done again.
type kv struct {
	mu      sync.Mutex
	m       map[string]*kvEntry
	deleted map[string]bool // tokens of deletes that landed
}

type kvEntry struct {
	Key      string `json:"key"`
	Value    string `json:"value"`
	Versions int    `json:"versions"`
	tokens   map[string]bool
}

func newKV() *kv { return &kv{m: map[string]*kvEntry{}, deleted: map[string]bool{}} }

func (s *kv) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	key := strings.TrimPrefix(r.URL.Path, "/kv/")
	q := r.URL.Query()
	tok := q.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.m[key]
	switch {
	case r.Method == "GET" && q.Has("prefix"):
		out := []*kvEntry{}
		for k, e := range s.m {
			if strings.HasPrefix(k, q.Get("prefix")) {
				out = append(out, e)
			}
		}
		_ = json.NewEncoder(w).Encode(out)
	case r.Method == "GET":
		if e == nil {
			w.WriteHeader(404)
			return
		}
		_ = json.NewEncoder(w).Encode(e)
	case r.Method == "PUT" && q.Get("op") == "create":
		if e != nil && !e.tokens[tok] {
			w.WriteHeader(409)
			return
		}
		if e == nil {
			e = &kvEntry{Key: key, Value: string(body), Versions: 1, tokens: map[string]bool{tok: true}}
			s.m[key] = e
		}
		_ = json.NewEncoder(w).Encode(e)
	case r.Method == "PUT":
		if e == nil {
			w.WriteHeader(404)
			return
		}
		if !e.tokens[tok] {
			e.tokens[tok] = true
			e.Value = string(body)
			e.Versions++
		}
		_ = json.NewEncoder(w).Encode(e)
	case r.Method == "DELETE":
		if e == nil && !s.deleted[tok] {
			w.WriteHeader(404)
			return
		}
		delete(s.m, key)
		s.deleted[tok] = true
		w.WriteHeader(204)
	default:
		w.WriteHeader(400)
	}
}

// kvDriver is a correct driver of kv.
type kvDriver struct {
	base  string
	hc    *http.Client
	retry backend.RetryPolicy
}

func token() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// do sends a request, retrying what is retryable, and decodes a 2xx answer
// into out. It returns the final status.
func (d *kvDriver) do(ctx context.Context, method, path, body string, out any) (int, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, d.base+path, strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		var ra time.Duration
		resp, err := d.hc.Do(req)
		switch {
		case err != nil && ctx.Err() != nil:
			return 0, ctx.Err()
		case err != nil: // a reset, a refused port, a client timeout
			err = backend.Wrap(backend.Unavailable, err)
		case resp.StatusCode == 429 || resp.StatusCode == 503:
			ra = backend.ParseRetryAfter(resp.Header)
			code := backend.Unavailable
			if resp.StatusCode == 429 {
				code = backend.RateLimited
			}
			err = backend.Errorf(code, "HTTP %d", resp.StatusCode)
			resp.Body.Close()
		default:
			defer resp.Body.Close()
			if resp.StatusCode/100 == 2 && out != nil {
				if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
					return 0, backend.Wrap(backend.Unavailable, err)
				}
			}
			return resp.StatusCode, nil
		}
		if attempt >= d.retry.MaxRetries {
			return 0, err
		}
		if serr := backend.Sleep(ctx, d.retry.Delay(attempt+1, ra)); serr != nil {
			return 0, serr
		}
	}
}

func (d *kvDriver) secret(e *kvEntry) *backend.Secret {
	return &backend.Secret{Key: e.Key, Value: e.Value, Version: strconv.Itoa(e.Versions)}
}

func (d *kvDriver) Get(ctx context.Context, _, key string, _ backend.GetOptions) (*backend.Secret, error) {
	var e kvEntry
	st, err := d.do(ctx, "GET", "/kv/"+key, "", &e)
	if err != nil {
		return nil, err
	}
	if st == 404 {
		return nil, backend.Errorf(backend.NotFound, "no %q", key)
	}
	return d.secret(&e), nil
}

func (d *kvDriver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	var e kvEntry
	st, err := d.do(ctx, "PUT", "/kv/"+s.Key+"?op=create&token="+token(), s.Value, &e)
	if err != nil {
		return nil, err
	}
	if st == 409 {
		return nil, backend.Errorf(backend.AlreadyExists, "%q exists", s.Key)
	}
	return d.secret(&e), nil
}

func (d *kvDriver) Modify(ctx context.Context, _, key string, u *backend.Update) (*backend.Secret, error) {
	if u.Value == nil {
		return nil, backend.Errorf(backend.Unimplemented, "kvtest changes values only")
	}
	var e kvEntry
	st, err := d.do(ctx, "PUT", "/kv/"+key+"?token="+token(), *u.Value, &e)
	if err != nil {
		return nil, err
	}
	if st == 404 {
		return nil, backend.Errorf(backend.NotFound, "no %q", key)
	}
	return d.secret(&e), nil
}

func (d *kvDriver) Delete(ctx context.Context, _, key string) error {
	st, err := d.do(ctx, "DELETE", "/kv/"+key+"?token="+token(), "", nil)
	if err != nil {
		return err
	}
	if st == 404 {
		return backend.Errorf(backend.NotFound, "no %q", key)
	}
	return nil
}

func (d *kvDriver) ListPage(ctx context.Context, o *backend.ListOptions, _ string) ([]*backend.Secret, string, error) {
	var es []*kvEntry
	if _, err := d.do(ctx, "GET", "/kv/?prefix="+url.QueryEscape(o.Prefix), "", &es); err != nil {
		return nil, "", err
	}
	var page []*backend.Secret
	for _, e := range es {
		if s := d.secret(e); o.Match(s) {
			if !o.WithValues {
				s.Value = ""
			}
			page = append(page, s)
		}
	}
	return page, "", nil
}

func (d *kvDriver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	s, err := d.Get(ctx, env, key, backend.GetOptions{})
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(s.Version)
	vs := make([]backend.Version, n)
	for i := range vs {
		vs[i] = backend.Version{ID: strconv.Itoa(i + 1), Current: i == n-1}
	}
	return vs, nil
}

var errNoEnvs = backend.Errorf(backend.Unimplemented, "kvtest has no environments")

func (d *kvDriver) ListEnvironments(context.Context) ([]*backend.Environment, error) { return nil, nil }
func (d *kvDriver) GetEnvironment(context.Context, string) (*backend.Environment, error) {
	return nil, errNoEnvs
}
func (d *kvDriver) CreateEnvironment(context.Context, *backend.Environment) (*backend.Environment, error) {
	return nil, errNoEnvs
}
func (d *kvDriver) ModifyEnvironment(context.Context, string, *backend.EnvironmentUpdate) (*backend.Environment, error) {
	return nil, errNoEnvs
}
func (d *kvDriver) DeleteEnvironment(context.Context, string) error { return errNoEnvs }
func (d *kvDriver) Capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true}
}
func (d *kvDriver) ErrorCode(error) backend.Code       { return backend.Unknown }
func (d *kvDriver) As(any) bool                        { return false }
func (d *kvDriver) ErrorAs(err error, target any) bool { return errors.As(err, target) }
func (d *kvDriver) Close() error                       { d.hc.CloseIdleConnections(); return nil }
