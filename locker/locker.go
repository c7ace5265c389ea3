// Package locker is the locker:// driver: Locker Secrets (locker.io) over
// its REST API, with Locker's end-to-end encryption done in the driver —
// no CLI binary, no cgo. Every key, value, description and environment name
// is encrypted with the project key before it leaves the process; the
// server sees ciphertexts and lookup hashes only. Package lockertest is a
// Locker-compatible server for tests.
//
// Locker's known API has no types, labels, expiry, versions or deletion:
// the driver declares them unsupported, so the portable layer answers
// Unimplemented rather than dropping them or hiding them somewhere a Locker
// dashboard user would trip over. It has no compare-and-set either:
// concurrent Modify calls may lose an update (AtomicModify is false).
//
// Listings page with the server's page and size parameters (the driver's
// token is the page number) and filter on the client, after decryption, so
// a page may be short. Values come with every listing.
//
// # URLs
//
//	locker://api.locker.io/locker_secrets?env=prod
//	locker://127.0.0.1:8080/locker_secrets?scheme=http    (a test server)
//
// The API base is https://<host><path> (path /locker_secrets when empty).
// Credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY
// (or the legacy ACCESS_KEY_ID, SECRET_ACCESS_KEY, LOCKER_ACCESS_KEY_SECRET,
// ACCESS_KEY_SECRET), never from the URL. Parameters:
//
//	scheme         http for a plain-HTTP test server (default https)
//	insecure_tls   true: skip TLS verification on every request (tests only)
//	max_retries    retries of 429 and 5xx answers (default 3)
//	timeout        one request's timeout (default 30s)
//
// Code that wants headers, a logger or its own http.Client uses [OpenStore]
// with [Options].
//
// # As
//
// Store.As accepts **locker.Client. Store.ErrorAs accepts **locker.APIError
// (the status and the API's {"code","message"}).
package locker

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "locker"

func init() {
	secrets.Register(Scheme, secrets.URLOpenerFunc(openURL))
}

// OpenStore checks the credentials (see NewClient) and returns a Store.
func OpenStore(ctx context.Context, o Options) (*secrets.Store, error) {
	c, err := NewClient(ctx, o)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(&driver{c: c}, secrets.StoreOptions{Scheme: Scheme}), nil
}

func openURL(ctx context.Context, u *url.URL) (backend.Driver, error) {
	p := backend.NewParams(u.Query())
	scheme := p.String("scheme", "https")
	insecure := p.Bool("insecure_tls", false)
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	timeout := p.Duration("timeout", 30*time.Second)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if scheme != "https" && scheme != "http" {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: scheme must be https or http")
	}
	if u.Host == "" {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: the URL needs the API host (locker://api.locker.io/locker_secrets)")
	}
	path := u.EscapedPath()
	if path == "" || path == "/" {
		path = "/locker_secrets"
	}
	if maxRetries == 0 {
		maxRetries = -1
	}
	c, err := NewClient(ctx, Options{APIBase: scheme + "://" + u.Host + path, InsecureSkipVerify: insecure,
		MaxRetries: maxRetries, Timeout: timeout})
	if err != nil {
		return nil, err
	}
	return &driver{c: c}, nil
}

type driver struct{ c *Client }

var _ backend.Driver = (*driver)(nil)

// wire shapes (LOCKER.md §2)
type wireSecret struct {
	ID              string   `json:"id"`
	CreationDate    float64  `json:"creation_date"`
	RevisionDate    float64  `json:"revision_date"`
	UpdatedDate     *float64 `json:"updated_date"`
	EnvironmentID   *string  `json:"environment_id"`
	EnvironmentName *string  `json:"environment_name"`
	EnvironmentHash *string  `json:"environment_hash"`
	Key             string   `json:"key"`
	SecretHash      string   `json:"secret_hash"`
	Value           string   `json:"value"`
	Description     string   `json:"description"`
}

type wireEnv struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Hash         string   `json:"hash"`
	ExternalURL  string   `json:"external_url"`
	Description  string   `json:"description"`
	CreationDate float64  `json:"creation_date"`
	RevisionDate float64  `json:"revision_date"`
	UpdatedDate  *float64 `json:"updated_date"`
}

type secretBody struct {
	Key             string  `json:"key,omitempty"`
	Hash            string  `json:"hash"`
	Value           string  `json:"value,omitempty"`
	Description     string  `json:"description,omitempty"`
	EnvironmentID   *string `json:"environment_id,omitempty"`
	EnvironmentName string  `json:"environment_name,omitempty"`
}

type envBody struct {
	Name        string  `json:"name,omitempty"`
	Hash        string  `json:"hash"`
	ExternalURL *string `json:"external_url,omitempty"`
	Description *string `json:"description,omitempty"`
}

func epoch(f float64) time.Time {
	if f == 0 {
		return time.Time{}
	}
	return time.UnixMicro(int64(f * 1e6)).UTC()
}

func (d *driver) decryptOpt(what, enc string) (string, error) {
	if enc == "" {
		return "", nil
	}
	return d.c.Decrypt(what, enc)
}

// secret decrypts a wire secret; env is its environment's plain name.
func (d *driver) secret(w *wireSecret, env string) (*backend.Secret, error) {
	key, err := d.c.Decrypt("key of secret "+w.ID, w.Key)
	if err != nil {
		return nil, err
	}
	val, err := d.c.Decrypt("value of secret "+w.ID, w.Value)
	if err != nil {
		return nil, err
	}
	desc, err := d.decryptOpt("description of secret "+w.ID, w.Description)
	if err != nil {
		return nil, err
	}
	s := &backend.Secret{Environment: env, Key: key, Value: val, Description: desc, Type: backend.TypeGeneric, ID: w.ID,
		CreatedAt: epoch(w.CreationDate), UpdatedAt: epoch(w.RevisionDate)}
	if w.UpdatedDate != nil {
		s.UpdatedAt = epoch(*w.UpdatedDate)
	}
	return s, nil
}

func (d *driver) env(w *wireEnv) (*backend.Environment, error) {
	name, err := d.c.Decrypt("name of environment "+w.ID, w.Name)
	if err != nil {
		return nil, err
	}
	u, err := d.decryptOpt("external URL of environment "+w.ID, w.ExternalURL)
	if err != nil {
		return nil, err
	}
	desc, err := d.decryptOpt("description of environment "+w.ID, w.Description)
	if err != nil {
		return nil, err
	}
	e := &backend.Environment{Name: name, ExternalURL: u, Description: desc, ID: w.ID, CreatedAt: epoch(w.CreationDate),
		UpdatedAt: epoch(w.RevisionDate)}
	if w.UpdatedDate != nil {
		e.UpdatedAt = epoch(*w.UpdatedDate)
	}
	return e, nil
}

// findEnv returns the wire environment of a name (by its hash).
func (d *driver) findEnv(ctx context.Context, name string) (*wireEnv, error) {
	h := d.c.Hash(name)
	envs, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, 2000, url.Values{"hash": {h}}))
	if err != nil {
		return nil, err
	}
	for i := range envs {
		if envs[i].Hash == h {
			return &envs[i], nil
		}
	}
	return nil, backend.Errorf(backend.NotFound, "environment %q does not exist", name)
}

// find returns the wire secret (env, key), exactly in that scope.
func (d *driver) find(ctx context.Context, env, key string) (*wireSecret, error) {
	h := d.c.Hash(key)
	all, err := listAll[wireSecret](ctx, d.c, "/v1/secrets?"+listQuery("count_secrets", 1, 2000, url.Values{"hash": {h}}))
	if err != nil {
		return nil, err
	}
	envHash := ""
	if env != "" {
		envHash = d.c.Hash(env)
	}
	for i := range all {
		w := &all[i]
		if w.SecretHash != h {
			continue
		}
		got := ""
		if w.EnvironmentHash != nil {
			got = *w.EnvironmentHash
		}
		if got == envHash {
			return w, nil
		}
	}
	if env == "" {
		return nil, backend.Errorf(backend.NotFound, "no global secret %q", key)
	}
	return nil, backend.Errorf(backend.NotFound, "no secret %q in environment %q", key, env)
}

func (d *driver) Get(ctx context.Context, env, key string, _ backend.GetOptions) (*backend.Secret, error) {
	w, err := d.find(ctx, env, key)
	if err != nil {
		return nil, err
	}
	return d.secret(w, env)
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	body := secretBody{Hash: d.c.Hash(s.Key)}
	if s.Environment != "" {
		e, err := d.findEnv(ctx, s.Environment)
		if err != nil {
			return nil, err
		}
		body.EnvironmentID = &e.ID
		if body.EnvironmentName, err = d.c.Encrypt(s.Environment); err != nil {
			return nil, err
		}
	}
	var err error
	if body.Key, err = d.c.Encrypt(s.Key); err != nil {
		return nil, err
	}
	if body.Value, err = d.c.Encrypt(s.Value); err != nil {
		return nil, err
	}
	if s.Description != "" {
		if body.Description, err = d.c.Encrypt(s.Description); err != nil {
			return nil, err
		}
	}
	var w wireSecret
	if err := d.c.do(ctx, "POST", "/v1/secrets", body, &w); err != nil {
		if classify(err) == backend.AlreadyExists {
			// A retried POST whose first attempt succeeded: the secret now
			// holds our ciphertext.
			if cur, ferr := d.find(ctx, s.Environment, s.Key); ferr == nil && cur.Value == body.Value {
				return d.secret(cur, s.Environment)
			}
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists: %w", s.Key, err)
		}
		return nil, err
	}
	return d.secret(&w, s.Environment)
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	w, err := d.find(ctx, env, key)
	if err != nil {
		return nil, err
	}
	body := secretBody{Hash: d.c.Hash(key)}
	target := env
	if u.Value != nil {
		if body.Value, err = d.c.Encrypt(*u.Value); err != nil {
			return nil, err
		}
	}
	if u.Description != nil {
		if body.Description, err = d.c.Encrypt(*u.Description); err != nil {
			return nil, err
		}
	}
	if u.Environment != nil {
		target = *u.Environment
		if target == "" {
			empty := ""
			body.EnvironmentID = &empty
			if body.EnvironmentName, err = d.c.Encrypt(""); err != nil {
				return nil, err
			}
		} else {
			e, err := d.findEnv(ctx, target)
			if err != nil {
				return nil, err
			}
			body.EnvironmentID = &e.ID
			if body.EnvironmentName, err = d.c.Encrypt(target); err != nil {
				return nil, err
			}
		}
	}
	var out wireSecret
	if err := d.c.do(ctx, "PUT", "/v1/secrets/"+url.PathEscape(w.ID), body, &out); err != nil {
		if classify(err) == backend.AlreadyExists {
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists in the target scope: %w", key, err)
		}
		return nil, err
	}
	return d.secret(&out, target)
}

func (d *driver) Delete(context.Context, string, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no secret deletion")
}

func (d *driver) Versions(context.Context, string, string) ([]backend.Version, error) {
	return nil, backend.Errorf(backend.Unimplemented, "Locker has no versions")
}

// ListPage asks the server for page N (the token) of PageSize secrets, in
// the server's stable order, and filters after decryption.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, tok string) ([]*backend.Secret, string, error) {
	pageN := 1
	if tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 2 {
			return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
		}
		pageN = n
	}
	extra := url.Values{}
	if !o.AllEnvironments && o.Environment != "" {
		e, err := d.findEnv(ctx, o.Environment)
		if err != nil {
			if classify(err) == backend.NotFound {
				return nil, "", nil // an environment that does not exist holds nothing
			}
			return nil, "", err
		}
		extra.Set("environment_id", e.ID)
	}
	var env listEnvelope[wireSecret]
	if err := d.c.do(ctx, "GET", "/v1/secrets?"+listQuery("count_secrets", pageN, o.PageSize, extra), nil, &env); err != nil {
		return nil, "", err
	}
	names := map[string]string{} // environment id -> name
	var page []*backend.Secret
	for i := range env.Results {
		w := &env.Results[i]
		envName := ""
		if w.EnvironmentID != nil && *w.EnvironmentID != "" {
			n, ok := names[*w.EnvironmentID]
			if !ok && w.EnvironmentName != nil && *w.EnvironmentName != "" {
				var err error
				if n, err = d.c.Decrypt("environment name of secret "+w.ID, *w.EnvironmentName); err != nil {
					return nil, "", err
				}
				names[*w.EnvironmentID] = n
			}
			envName = n
		}
		s, err := d.secret(w, envName)
		if err != nil {
			return nil, "", err
		}
		if !o.Match(s) {
			continue
		}
		if !o.WithValues {
			s.Value = ""
		}
		page = append(page, s)
	}
	next := ""
	if env.Next != nil && *env.Next != "" && len(env.Results) > 0 {
		next = strconv.Itoa(pageN + 1)
	}
	return page, next, nil
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	ws, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, 2000, nil))
	if err != nil {
		return nil, err
	}
	out := make([]*backend.Environment, 0, len(ws))
	for i := range ws {
		e, err := d.env(&ws[i])
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *driver) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	w, err := d.findEnv(ctx, name)
	if err != nil {
		return nil, err
	}
	return d.env(w)
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	body := envBody{Hash: d.c.Hash(e.Name)}
	var err error
	if body.Name, err = d.c.Encrypt(e.Name); err != nil {
		return nil, err
	}
	if e.ExternalURL != "" {
		enc, err := d.c.Encrypt(e.ExternalURL)
		if err != nil {
			return nil, err
		}
		body.ExternalURL = &enc
	}
	if e.Description != "" {
		enc, err := d.c.Encrypt(e.Description)
		if err != nil {
			return nil, err
		}
		body.Description = &enc
	}
	var w wireEnv
	if err := d.c.do(ctx, "POST", "/v1/environments", body, &w); err != nil {
		if classify(err) == backend.AlreadyExists {
			return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists: %w", e.Name, err)
		}
		return nil, err
	}
	return d.env(&w)
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	w, err := d.findEnv(ctx, name)
	if err != nil {
		return nil, err
	}
	body := envBody{Hash: d.c.Hash(name)}
	if u.ExternalURL != nil {
		v := ""
		if *u.ExternalURL != "" {
			if v, err = d.c.Encrypt(*u.ExternalURL); err != nil {
				return nil, err
			}
		}
		body.ExternalURL = &v
	}
	if u.Description != nil {
		v := ""
		if *u.Description != "" {
			if v, err = d.c.Encrypt(*u.Description); err != nil {
				return nil, err
			}
		}
		body.Description = &v
	}
	var out wireEnv
	if err := d.c.do(ctx, "PUT", "/v1/environments/"+url.PathEscape(w.ID), body, &out); err != nil {
		return nil, err
	}
	return d.env(&out)
}

func (d *driver) DeleteEnvironment(context.Context, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no environment deletion")
}

func (d *driver) Capabilities() backend.Capabilities { return backend.Capabilities{} }

// ErrorCode classifies by the API's code, then the HTTP status (the table
// in client.go), then transport failures.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

func (d *driver) As(i any) bool {
	p, ok := i.(**Client)
	if !ok {
		return false
	}
	*p = d.c
	return true
}

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

func (d *driver) Close() error {
	d.c.hc.CloseIdleConnections()
	return nil
}
