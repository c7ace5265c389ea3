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
// concurrent Modify calls may lose an update (AtomicModify is false). A
// move to another environment is one PUT of the secret's environment, so
// the driver declares AtomicMove and moves natively; the secret keeps its
// id.
//
// # Listings
//
// Every ListPage call reads the listed scope whole, as the official SDKs
// do (pages of 2,000, following the server's next links), orders it by
// secret id and returns the secrets after the id in its token. A token is
// therefore a position the server's changes cannot shift: a secret that
// stays in the scope throughout a listing appears exactly once, whatever is
// created, deleted or moved meanwhile. Filters apply on the client, after
// decryption, so a page may be short. The following pages of a listing
// reuse the first page's read (ciphertexts only, for at most a minute)
// while the project's /v1/sync/revision_date and deleted_item_date — the
// stamp the official SDKs validate their cache with — are unchanged: two
// small requests instead of a read; any change means a new read. A scope
// of more than 2,000 secrets takes several server pages per read; a read
// whose stamp or count changes between its pages starts over (at most 3
// times, then Unavailable).
//
// Next links are followed at most 1,000 pages per read, never to a page
// already read, another host, or a path outside the API base's /v1/: such
// a server is broken, and the call fails with Internal.
//
// # Integrity
//
// Each key and environment name the driver decrypts must hash to the
// record's lookup hash and, on Get, Create and Modify, name what was asked
// for; environments likewise. Otherwise the server served another record's
// ciphertexts, and the call fails with Internal (naming the record id,
// never what was decrypted). Locker's encryption binds no field to its
// record, so a value swapped alone between two secrets cannot be detected.
//
// # Retries and timeouts
//
// 429, 5xx, transport failures and the driver's own request timeout are
// retried up to max_retries times with backend.RetryPolicy's backoff,
// honouring Retry-After (capped at 20s). A wait that would end after the
// caller's deadline is not slept: the last answer is returned at once. A
// request timeout while the caller's context is alive is Unavailable; only
// the caller's context makes Canceled or DeadlineExceeded. A create whose
// reply was lost and whose retry finds the name taken recognises its own
// write (secrets and environments) by its ciphertext.
//
// # URLs
//
//	locker://api.locker.io/locker_secrets?env=prod
//	locker://127.0.0.1:8080/locker_secrets?scheme=http    (a test server)
//
// The API base is https://<host><path> (path /locker_secrets when empty).
// Credentials come from LOCKER_ACCESS_KEY_ID and LOCKER_SECRET_ACCESS_KEY
// (or the legacy ACCESS_KEY_ID, SECRET_ACCESS_KEY, LOCKER_ACCESS_KEY_SECRET,
// ACCESS_KEY_SECRET), never from the URL: user info in the URL is
// refused. So are a #fragment, a port outside 1–65535, and a path that is
// not plain segments of A-Z a-z 0-9 . _ ~ - (no ".", ".." or empty
// segments, no escapes such as %2F, at most 256 bytes) — all
// InvalidArgument at open. Parameters:
//
//	scheme         http for a plain-HTTP test server (default https)
//	insecure_tls   true: skip TLS verification on every request (tests only)
//	max_retries    retries of 429, 5xx, transport failures and timeouts
//	               (0-20, default backend.DefaultMaxRetries)
//	timeout        one request's timeout, each retry its own (Go duration,
//	               default 30s; ClientOptions.Timeout)
//	env, readonly  the Store's scope and read-only mode (every driver)
//
// The opener registered for locker:// (a zero [URLOpener]) builds a
// [Client] per Store from these, and the Store's Close releases it.
//
// # Clients
//
// An application that authenticates its own way, or wants headers, a
// logger or its own http.Client, builds the Client itself with
// [NewClient] and [ClientOptions], then makes Stores from it with [New]:
//
//	c, err := locker.NewClient(ctx, locker.ClientOptions{AccessKeyID: id, SecretAccessKey: secret,
//		Headers: map[string]string{"cf-access-client-id": cfID}})
//	…
//	st, err := locker.New(c, locker.Options{Environment: "prod"})
//
// or keeps URL configuration with a [URLOpener] holding the client, on
// DefaultURLMux or an own [secrets.URLMux]:
//
//	mux := new(secrets.URLMux)
//	mux.Register(locker.Scheme, &locker.URLOpener{Client: c})
//	st, err := mux.OpenStore(ctx, "locker://?env=prod")
//
// Such a URL has an empty host and path (locker://?…) or the client's own
// API base; insecure_tls, max_retries and timeout are then the client's
// (ClientOptions), and setting them in the URL is InvalidArgument. The
// Client belongs to the application: a Store's Close leaves it, and its
// connections, usable; [Client.CloseIdleConnections] releases them.
//
// # Ping
//
// Store.Ping reads one environment (page size 1): one request proving the
// server is reachable and the access key valid, active and allowed from
// this address.
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
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "locker"

func init() {
	secrets.Register(Scheme, new(URLOpener))
}

// Options are the settings of a Store made by [New].
type Options struct {
	// Environment is the store's initial scope ("" = the global secrets,
	// Locker's "All"), as the URL parameter env.
	Environment string
	// ReadOnly refuses every write with PermissionDenied before any
	// request, as the URL parameter readonly=true.
	ReadOnly bool
}

// New returns a Store on Locker through client, a client the application
// built with [NewClient] and owns: the Store's Close leaves it usable (the
// driver never closes it or its connections).
func New(client *Client, opts Options) (*secrets.Store, error) {
	if client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "locker: New needs a *Client (see NewClient)")
	}
	return secrets.NewStore(&driver{c: client}, secrets.StoreOptions{Scheme: Scheme, Environment: opts.Environment,
		ReadOnly: opts.ReadOnly}), nil
}

type driver struct {
	c     *Client
	owned bool // c was built by the URLOpener: Close releases it
	snaps snapshots
}

var (
	_ backend.Driver = (*driver)(nil)
	_ backend.Pinger = (*driver)(nil)
)

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

// findEnv returns the wire environment of a name (by its hash).
func (d *driver) findEnv(ctx context.Context, name string) (*wireEnv, error) {
	h := d.c.Hash(name)
	envs, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, serverPageSize, url.Values{"hash": {h}}))
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
	all, err := listAll[wireSecret](ctx, d.c, "/v1/secrets?"+listQuery("count_secrets", 1, serverPageSize, url.Values{"hash": {h}}))
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
	return d.verifier(ctx).secret(w, &want{env, key})
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
				return d.verifier(ctx).secret(cur, &want{s.Environment, s.Key})
			}
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists: %w", s.Key, err)
		}
		return nil, err
	}
	return d.verifier(ctx).secret(&w, &want{s.Environment, s.Key})
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
	return d.verifier(ctx).secret(&out, &want{target, key})
}

func (d *driver) Delete(context.Context, string, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no secret deletion")
}

func (d *driver) Versions(context.Context, string, string) ([]backend.Version, error) {
	return nil, backend.Errorf(backend.Unimplemented, "Locker has no versions")
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	ws, err := listAll[wireEnv](ctx, d.c, "/v1/environments?"+listQuery("count_environment", 1, 2000, nil))
	if err != nil {
		return nil, err
	}
	out := make([]*backend.Environment, 0, len(ws))
	for i := range ws {
		e, err := d.env(&ws[i], "")
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
	return d.env(w, name)
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
			// A retried POST whose first attempt succeeded: the environment
			// now holds our ciphertext (a fresh random IV: nobody else's).
			if cur, ferr := d.findEnv(ctx, e.Name); ferr == nil && cur.Name == body.Name {
				return d.env(cur, e.Name)
			}
			return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists: %w", e.Name, err)
		}
		return nil, err
	}
	return d.env(&w, e.Name)
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
	return d.env(&out, name)
}

func (d *driver) DeleteEnvironment(context.Context, string) error {
	return backend.Errorf(backend.Unimplemented, "Locker's API has no environment deletion")
}

// Capabilities: a move is one PUT of the secret's environment_id, so
// the move is the backend's own single step (AtomicMove).
func (d *driver) Capabilities() backend.Capabilities { return backend.Capabilities{AtomicMove: true} }

// Ping reads one environment (page size 1): one cheap request that needs
// a valid, active access key allowed from this address.
func (d *driver) Ping(ctx context.Context) error {
	var env struct {
		Count int `json:"count"`
	}
	return d.c.do(ctx, "GET", "/v1/environments?"+listQuery("count_environment", 1, 1, nil), nil, &env)
}

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

// Close forgets the listing snapshots and, when the driver built its
// Client itself (a URLOpener without one), releases that Client's
// connections. A Client the application passed in is left alone.
func (d *driver) Close() error {
	d.snaps.clear()
	if d.owned {
		d.c.CloseIdleConnections()
	}
	return nil
}
