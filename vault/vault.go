// Package vault is the vault:// driver: HashiCorp Vault's KV version 2
// secrets engine through github.com/hashicorp/vault/api.
//
// # Layout
//
// The secret (env, key) of a store on mount M with prefix P lives at
//
//	M/data/P/<env or _global>/<key>    data {"value": "<value>"}
//	                                   (+ "encoding": "base64" when the value is not valid UTF-8)
//	M/metadata/P/<env or _global>/<key>  custom_metadata:
//	    polysecret.description   the description (absent when empty)
//	    polysecret.type          password, key or token (absent = generic)
//	    polysecret.expires_at    RFC 3339 (absent = never)
//	    polysecret.label.<k>     label k
//
// Environments are entries M/data/P/_environments/<name> whose data holds
// {"description", "external_url"}. A secret that someone else wrote with
// several fields (vault kv put M/P/_global/db user=a pass=b) reads back with
// Value = the JSON object of its fields; it is never rewritten unless
// modified.
//
// Create writes with check-and-set 0. Modify reads, then writes the value
// with cas=<version read>, retrying on a conflict; metadata changes are
// patches of exactly the fields that change, so concurrent Modify calls never
// lose an update. Delete removes the metadata and all versions, so the key
// can be created again at once. Versions are KV v2's version numbers.
// Only values make versions: a Modify of metadata alone keeps the version.
//
// Get reads one path (the data endpoint also returns custom_metadata); it
// sets UpdatedAt (the version's time) but not CreatedAt, which listings
// fill in from the metadata.
//
// # URLs
//
//	vault://<mount>/<prefix>?env=prod
//
// Address, token and namespace come from VAULT_ADDR, VAULT_TOKEN and
// VAULT_NAMESPACE, and the client's other VAULT_* variables (TLS, timeouts)
// apply, since api.DefaultConfig reads them. Parameters:
//
//	max_retries        retries of the client's own retry policy (5xx, 429) (default 3)
//	list_concurrency   metadata/value reads in flight while listing (1–64, default 8)
//
// Paths with empty, "." or ".." segments are rejected with InvalidArgument.
// Code that builds its own client uses [OpenStore] with [Options].
//
// # As
//
// Store.As accepts **api.Client; Store.ErrorAs accepts **api.ResponseError.
package vault

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Scheme is the URL scheme of this driver.
const Scheme = "vault"

// custom_metadata keys.
const (
	MetaDescription = "polysecret.description"
	MetaType        = "polysecret.type"
	MetaExpiresAt   = "polysecret.expires_at"
	MetaLabelPrefix = "polysecret.label."
)

const (
	globalDir  = "_global"
	envDir     = "_environments"
	maxCASTrys = 50
)

func init() {
	secrets.Register(Scheme, secrets.URLOpenerFunc(openURL))
}

// Options configure a driver made with OpenStore.
type Options struct {
	// Client is the Vault client (required), with its address, token and
	// namespace set.
	Client *api.Client
	// Mount is the KV v2 mount (required), e.g. "secret".
	Mount string
	// Prefix is the path under the mount (required), e.g. "myapp".
	Prefix string
	// ListConcurrency bounds reads in flight while listing (default 8).
	ListConcurrency int
}

// OpenStore returns a Store on Vault through opts.Client.
func OpenStore(opts Options) (*secrets.Store, error) {
	d, err := newDriver(opts)
	if err != nil {
		return nil, err
	}
	return secrets.NewStore(d, secrets.StoreOptions{Scheme: Scheme}), nil
}

func checkPath(what, p string) error {
	if p == "" {
		return backend.Errorf(backend.InvalidArgument, "vault: the URL needs a %s (vault://<mount>/<prefix>)", what)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return backend.Errorf(backend.InvalidArgument, "vault: %s %q has an empty, . or .. segment", what, p)
		}
		if seg == globalDir || seg == envDir {
			return backend.Errorf(backend.InvalidArgument, "vault: %s %q uses the reserved segment %q", what, p, seg)
		}
		for _, r := range seg {
			if r < 0x21 || r == 0x7f || strings.ContainsRune("?#%*+\\", r) {
				return backend.Errorf(backend.InvalidArgument, "vault: %s %q has the character %q", what, p, r)
			}
		}
	}
	return nil
}

func newDriver(o Options) (*driver, error) {
	if o.Client == nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: Options.Client is nil")
	}
	if err := checkPath("mount", o.Mount); err != nil {
		return nil, err
	}
	if strings.Contains(o.Mount, "/") {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: mount %q must be one path segment", o.Mount)
	}
	if err := checkPath("prefix", o.Prefix); err != nil {
		return nil, err
	}
	if o.ListConcurrency <= 0 {
		o.ListConcurrency = backend.DefaultListFetchConc
	}
	once, err := o.Client.CloneWithHeaders()
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: cloning the client: %w", err)
	}
	once.SetToken(o.Client.Token())
	once.SetMaxRetries(0)
	return &driver{c: o.Client, kv: o.Client.KVv2(o.Mount), once: once, onceKV: once.KVv2(o.Mount), maxRetries: o.Client.MaxRetries(),
		mount: o.Mount, prefix: o.Prefix, conc: o.ListConcurrency}, nil
}

func openURL(_ context.Context, u *url.URL) (backend.Driver, error) {
	p := backend.NewParams(u.Query())
	maxRetries := p.Int("max_retries", backend.DefaultMaxRetries, 0, 20)
	conc := p.Int("list_concurrency", backend.DefaultListFetchConc, 1, 64)
	if err := p.Err(); err != nil {
		return nil, err
	}
	path := strings.TrimPrefix(u.EscapedPath(), "/")
	if strings.Contains(path, "%") || strings.Contains(u.Host, "%") {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: escaped characters in the path are not accepted")
	}
	cfg := api.DefaultConfig() // reads VAULT_ADDR, VAULT_CACERT, VAULT_CLIENT_TIMEOUT, …
	if cfg.Error != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client configuration: %w", cfg.Error)
	}
	cfg.MaxRetries = maxRetries
	c, err := api.NewClient(cfg) // reads VAULT_TOKEN, VAULT_NAMESPACE
	if err != nil {
		return nil, backend.Errorf(backend.InvalidArgument, "vault: client: %w", err)
	}
	return newDriver(Options{Client: c, Mount: u.Host, Prefix: strings.TrimSuffix(path, "/"), ListConcurrency: conc})
}

type driver struct {
	c  *api.Client
	kv *api.KVv2
	// once is a clone of c without automatic retries, for the cas=0 write of
	// Create, which retries by itself so that it knows when a retry
	// happened (see Create).
	once       *api.Client
	onceKV     *api.KVv2
	maxRetries int
	mount      string
	prefix     string
	conc       int
}

var _ backend.Driver = (*driver)(nil)

func scopeDir(env string) string {
	if env == "" {
		return globalDir
	}
	return env
}

func (d *driver) path(env, key string) string { return d.prefix + "/" + scopeDir(env) + "/" + key }
func (d *driver) envPath(name string) string  { return d.prefix + "/" + envDir + "/" + name }

// encode makes the data of a value.
func encode(v string) map[string]any {
	if utf8.ValidString(v) {
		return map[string]any{"value": v}
	}
	return map[string]any{"value": base64.StdEncoding.EncodeToString([]byte(v)), "encoding": "base64"}
}

// decode reads the data of a version: polysecret's own shape, or any other
// map of fields as its JSON object.
func decode(data map[string]any) (string, error) {
	v, ok := data["value"].(string)
	enc, hasEnc := data["encoding"]
	switch {
	case ok && len(data) == 1:
		return v, nil
	case ok && hasEnc && len(data) == 2 && enc == "base64":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", backend.Errorf(backend.Internal, "value marked base64 does not decode")
		}
		return string(b), nil
	}
	b, err := json.Marshal(data) // sorted keys
	if err != nil {
		return "", backend.Errorf(backend.Internal, "secret data cannot be encoded as JSON")
	}
	return string(b), nil
}

func metaOf(s *backend.Secret) map[string]any {
	m := map[string]any{}
	if s.Description != "" {
		m[MetaDescription] = s.Description
	}
	if s.Type != "" && s.Type != backend.TypeGeneric {
		m[MetaType] = s.Type
	}
	if !s.ExpiresAt.IsZero() {
		m[MetaExpiresAt] = s.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	for k, v := range s.Labels {
		m[MetaLabelPrefix+k] = v
	}
	return m
}

func applyMeta(s *backend.Secret, m map[string]any) {
	s.Type = backend.TypeGeneric
	for k, raw := range m {
		v, _ := raw.(string)
		switch {
		case k == MetaDescription:
			s.Description = v
		case k == MetaType:
			s.Type = v
		case k == MetaExpiresAt:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				s.ExpiresAt = t
			}
		case strings.HasPrefix(k, MetaLabelPrefix):
			if s.Labels == nil {
				s.Labels = map[string]string{}
			}
			s.Labels[strings.TrimPrefix(k, MetaLabelPrefix)] = v
		}
	}
}

func (d *driver) secretOf(env, key string, kvs *api.KVSecret) (*backend.Secret, error) {
	if kvs == nil || kvs.Data == nil || kvs.VersionMetadata == nil {
		return nil, backend.Errorf(backend.NotFound, "no secret %q in %s (deleted or destroyed)", key, scopeDir(env))
	}
	v, err := decode(kvs.Data)
	if err != nil {
		return nil, err
	}
	s := &backend.Secret{Environment: env, Key: key, Value: v, ID: d.mount + "/data/" + d.path(env, key),
		Version: strconv.Itoa(kvs.VersionMetadata.Version), UpdatedAt: kvs.VersionMetadata.CreatedTime}
	applyMeta(s, kvs.CustomMetadata)
	return s, nil
}

func notFound(err error, what string) error {
	if errors.Is(err, api.ErrSecretNotFound) {
		return backend.Errorf(backend.NotFound, "no %s: %w", what, err)
	}
	return err
}

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	p := d.path(env, key)
	var (
		kvs *api.KVSecret
		err error
	)
	if opts.Version != "" {
		n, perr := strconv.Atoi(opts.Version)
		if perr != nil || n < 1 {
			return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
		}
		kvs, err = d.kv.GetVersion(ctx, p, n)
	} else {
		kvs, err = d.kv.Get(ctx, p)
	}
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("secret %q in %s", key, scopeDir(env)))
	}
	return d.secretOf(env, key, kvs)
}

// exists reports whether a path has metadata with a live current version.
func (d *driver) exists(ctx context.Context, p string) (bool, error) {
	md, err := d.kv.GetMetadata(ctx, p)
	if errors.Is(err, api.ErrSecretNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return md.CurrentVersion > 0, nil
}

func (d *driver) checkEnv(ctx context.Context, env string) error {
	if env == "" {
		return nil
	}
	_, err := d.GetEnvironment(ctx, env)
	return err
}

func isStatus(err error, codes ...int) bool {
	var re *api.ResponseError
	return errors.As(err, &re) && slices.Contains(codes, re.StatusCode)
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	if err := d.checkEnv(ctx, s.Environment); err != nil {
		return nil, err
	}
	p := d.path(s.Environment, s.Key)
	data := encode(s.Value)
	var (
		kvs     *api.KVSecret
		err     error
		retried bool
	)
	if tok := d.c.Token(); tok != d.once.Token() {
		d.once.SetToken(tok) // follow token renewals made on the user's client
	}
	for attempt := 0; ; attempt++ {
		kvs, err = d.onceKV.Put(ctx, p, data, api.WithCheckAndSet(0))
		if err == nil || !classify(err).Retryable() || attempt >= d.maxRetries {
			break
		}
		retried = true
		if serr := backend.Sleep(ctx, backend.RetryPolicy{}.Delay(attempt+1, 0)); serr != nil {
			return nil, serr
		}
	}
	if err != nil {
		if !isStatus(err, 400) {
			return nil, err
		}
		// cas=0 refused: the key exists. After a retry it may be our own
		// first attempt, whose reply was lost: version 1 with exactly our
		// data and no metadata yet is taken as ours.
		cur, gerr := d.kv.Get(ctx, p)
		if retried && gerr == nil && cur.VersionMetadata != nil && cur.VersionMetadata.Version == 1 &&
			len(cur.CustomMetadata) == 0 && mapsEqual(cur.Data, data) {
			kvs = cur
		} else if ok, _ := d.exists(ctx, p); ok {
			return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists in %s", s.Key, scopeDir(s.Environment))
		} else {
			return nil, err
		}
	}
	if m := metaOf(s); len(m) > 0 {
		if err := d.kv.PatchMetadata(ctx, p, api.KVMetadataPatchInput{CustomMetadata: m}); err != nil {
			// Do not leave a secret without its metadata behind.
			_ = d.kv.DeleteMetadata(context.WithoutCancel(ctx), p)
			return nil, err
		}
	}
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	c.ID = d.mount + "/data/" + p
	c.Version = strconv.Itoa(kvs.VersionMetadata.Version)
	c.CreatedAt, c.UpdatedAt = kvs.VersionMetadata.CreatedTime, kvs.VersionMetadata.CreatedTime
	return c, nil
}

func mapsEqual(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	p := d.path(env, key)
	for attempt := 1; ; attempt++ {
		kvs, err := d.kv.Get(ctx, p)
		if err != nil {
			return nil, notFound(err, fmt.Sprintf("secret %q in %s", key, scopeDir(env)))
		}
		cur, err := d.secretOf(env, key, kvs)
		if err != nil {
			return nil, err
		}
		next := cur.Clone()
		u.Apply(next)
		next.Type = backend.EffectiveType(next.Type)
		if next.Environment != env {
			moved, err := d.Create(ctx, next)
			if err != nil {
				return nil, err
			}
			if err := d.kv.DeleteMetadata(ctx, p); err != nil {
				return nil, err
			}
			return moved, nil
		}
		if u.Value != nil {
			out, err := d.kv.Put(ctx, p, encode(*u.Value), api.WithCheckAndSet(kvs.VersionMetadata.Version))
			if err != nil {
				if isStatus(err, 400) && attempt < maxCASTrys {
					// Someone wrote in between (check-and-set refused): read again.
					if berr := backend.Sleep(ctx, backend.RetryPolicy{Base: 2 * time.Millisecond, Max: 100 * time.Millisecond}.Delay(attempt, 0)); berr != nil {
						return nil, berr
					}
					continue
				}
				if isStatus(err, 400) {
					return nil, backend.Errorf(backend.Unavailable, "secret %q: gave up after %d check-and-set conflicts", key, attempt)
				}
				return nil, err
			}
			next.Version = strconv.Itoa(out.VersionMetadata.Version)
			next.UpdatedAt = out.VersionMetadata.CreatedTime
		}
		// Patch only the metadata keys this update changes, so that
		// concurrent updates of other fields are kept.
		before, after := metaOf(cur), metaOf(next)
		patch := map[string]any{}
		for k, v := range after {
			if before[k] != v {
				patch[k] = v
			}
		}
		for k := range before {
			if _, ok := after[k]; !ok {
				patch[k] = nil // JSON null removes the key
			}
		}
		if len(patch) > 0 {
			if err := d.kv.PatchMetadata(ctx, p, api.KVMetadataPatchInput{CustomMetadata: patch}); err != nil {
				return nil, err
			}
		}
		return next, nil
	}
}

func (d *driver) Delete(ctx context.Context, env, key string) error {
	p := d.path(env, key)
	ok, err := d.exists(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return backend.Errorf(backend.NotFound, "no secret %q in %s", key, scopeDir(env))
	}
	return d.kv.DeleteMetadata(ctx, p)
}

// list returns the sorted keys under a metadata folder ("" folders skipped).
func (d *driver) list(ctx context.Context, dir string) ([]string, error) {
	s, err := d.c.Logical().ListWithContext(ctx, d.mount+"/metadata/"+dir)
	if err != nil {
		return nil, err
	}
	if s == nil || s.Data == nil {
		return nil, nil
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if ks, ok := k.(string); ok && !strings.HasSuffix(ks, "/") {
			keys = append(keys, ks)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// ListPage walks scopes in order (_global, then environments by name) and
// keys in order; the token is the last (scope, key) examined.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, tok string) ([]*backend.Secret, string, error) {
	var scopes []string
	if o.AllEnvironments {
		envs, err := d.list(ctx, d.prefix+"/"+envDir)
		if err != nil {
			return nil, "", err
		}
		scopes = append([]string{""}, envs...)
	} else {
		scopes = []string{o.Environment}
	}
	afterScope, afterKey, hasTok := "", "", tok != ""
	if hasTok {
		var ok bool
		if afterScope, afterKey, ok = strings.Cut(tok, "\x00"); !ok {
			return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
		}
	}
	var page []*backend.Secret
	for si, env := range scopes {
		if hasTok && env < afterScope { // "" (global) sorts first, as it is listed
			continue
		}
		keys, err := d.list(ctx, d.prefix+"/"+scopeDir(env))
		if err != nil {
			return nil, "", err
		}
		var todo []string
		for _, k := range keys {
			if hasTok && env == afterScope && k <= afterKey {
				continue
			}
			if backend.ValidateKey(k) != nil || !strings.HasPrefix(k, o.Prefix) {
				continue
			}
			todo = append(todo, k)
		}
		for len(todo) > 0 {
			chunk := todo[:min(len(todo), o.PageSize-len(page))]
			todo = todo[len(chunk):]
			got := make([]*backend.Secret, len(chunk))
			err := backend.ForEach(ctx, len(chunk), d.conc, func(ctx context.Context, i int) error {
				s, err := d.fetch(ctx, env, chunk[i], o.WithValues)
				if classify(err) == backend.NotFound {
					return nil // deleted since the LIST
				}
				got[i] = s
				return err
			})
			if err != nil {
				return nil, "", err
			}
			for _, s := range got {
				if s != nil && o.Match(s) {
					page = append(page, s)
				}
			}
			if len(page) == o.PageSize {
				last := chunk[len(chunk)-1]
				if len(todo) == 0 && si == len(scopes)-1 {
					return page, "", nil
				}
				return page, env + "\x00" + last, nil
			}
		}
	}
	return page, "", nil
}

// fetch reads one secret for a listing: the data (which also carries the
// custom metadata) when values are wanted, else only the metadata.
func (d *driver) fetch(ctx context.Context, env, key string, withValue bool) (*backend.Secret, error) {
	p := d.path(env, key)
	if withValue {
		kvs, err := d.kv.Get(ctx, p)
		if err != nil {
			return nil, notFound(err, "secret")
		}
		return d.secretOf(env, key, kvs)
	}
	md, err := d.kv.GetMetadata(ctx, p)
	if err != nil {
		return nil, notFound(err, "secret")
	}
	if md.CurrentVersion == 0 {
		return nil, backend.Errorf(backend.NotFound, "no versions")
	}
	if v, ok := md.Versions[strconv.Itoa(md.CurrentVersion)]; ok && (!v.DeletionTime.IsZero() || v.Destroyed) {
		return nil, backend.Errorf(backend.NotFound, "current version deleted")
	}
	s := &backend.Secret{Environment: env, Key: key, ID: d.mount + "/data/" + p, Version: strconv.Itoa(md.CurrentVersion),
		CreatedAt: md.CreatedTime, UpdatedAt: md.UpdatedTime}
	applyMeta(s, md.CustomMetadata)
	return s, nil
}

func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	md, err := d.kv.GetMetadata(ctx, d.path(env, key))
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("secret %q in %s", key, scopeDir(env)))
	}
	var vs []backend.Version
	for _, v := range md.Versions {
		if v.Destroyed || !v.DeletionTime.IsZero() {
			continue
		}
		vs = append(vs, backend.Version{ID: strconv.Itoa(v.Version), CreatedAt: v.CreatedTime, Current: v.Version == md.CurrentVersion})
	}
	slices.SortFunc(vs, func(a, b backend.Version) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return vs, nil
}

func (d *driver) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	names, err := d.list(ctx, d.prefix+"/"+envDir)
	if err != nil {
		return nil, err
	}
	var out []*backend.Environment
	for _, n := range names {
		if backend.ValidateEnvironmentName(n) != nil {
			continue
		}
		e, err := d.GetEnvironment(ctx, n)
		if classify(err) == backend.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func (d *driver) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	kvs, err := d.kv.Get(ctx, d.envPath(name))
	if err != nil {
		if errors.Is(err, api.ErrSecretNotFound) {
			return nil, backend.Errorf(backend.NotFound, "environment %q does not exist", name)
		}
		return nil, err
	}
	if kvs.Data == nil || kvs.VersionMetadata == nil {
		return nil, backend.Errorf(backend.NotFound, "environment %q does not exist", name)
	}
	desc, _ := kvs.Data["description"].(string)
	u, _ := kvs.Data["external_url"].(string)
	return &backend.Environment{Name: name, Description: desc, ExternalURL: u, ID: d.mount + "/data/" + d.envPath(name),
		UpdatedAt: kvs.VersionMetadata.CreatedTime}, nil
}

func envData(e *backend.Environment) map[string]any {
	return map[string]any{"description": e.Description, "external_url": e.ExternalURL}
}

func (d *driver) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	p := d.envPath(e.Name)
	kvs, err := d.kv.Put(ctx, p, envData(e), api.WithCheckAndSet(0))
	if err != nil {
		if isStatus(err, 400) {
			if ok, _ := d.exists(ctx, p); ok {
				return nil, backend.Errorf(backend.AlreadyExists, "environment %q exists", e.Name)
			}
		}
		return nil, err
	}
	c := e.Clone()
	c.ID = d.mount + "/data/" + p
	c.CreatedAt, c.UpdatedAt = kvs.VersionMetadata.CreatedTime, kvs.VersionMetadata.CreatedTime
	return c, nil
}

func (d *driver) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	p := d.envPath(name)
	for attempt := 1; ; attempt++ {
		kvs, err := d.kv.Get(ctx, p)
		if err != nil || kvs.Data == nil || kvs.VersionMetadata == nil {
			if err == nil || errors.Is(err, api.ErrSecretNotFound) {
				return nil, backend.Errorf(backend.NotFound, "environment %q does not exist", name)
			}
			return nil, err
		}
		cur, err := d.GetEnvironment(ctx, name)
		if err != nil {
			return nil, err
		}
		u.Apply(cur)
		if _, err := d.kv.Put(ctx, p, envData(cur), api.WithCheckAndSet(kvs.VersionMetadata.Version)); err != nil {
			if isStatus(err, 400) && attempt < maxCASTrys {
				continue
			}
			return nil, err
		}
		cur.UpdatedAt = time.Now().UTC()
		return cur, nil
	}
}

func (d *driver) DeleteEnvironment(ctx context.Context, name string) error {
	p := d.envPath(name)
	ok, err := d.exists(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return backend.Errorf(backend.NotFound, "environment %q does not exist", name)
	}
	keys, err := d.list(ctx, d.prefix+"/"+name)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return backend.Errorf(backend.FailedPrecondition, "environment %q still holds %d secrets", name, len(keys))
	}
	return d.kv.DeleteMetadata(ctx, p)
}

func (d *driver) Capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true,
		Expiry: true, AtomicModify: true}
}

// ErrorCode classifies the client's errors; see classify.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

// statusCodes maps Vault's HTTP status codes to codes. Vault's error type is
// its status; messages are never read.
var statusCodes = map[int]backend.Code{
	400: backend.InvalidArgument,
	401: backend.Unauthenticated,
	403: backend.PermissionDenied,
	404: backend.NotFound,
	405: backend.Unimplemented,
	412: backend.FailedPrecondition,
	429: backend.RateLimited,
	500: backend.Internal,
	502: backend.Unavailable,
	503: backend.Unavailable, // sealed, standby
	504: backend.Unavailable,
}

func classify(err error) backend.Code {
	if err == nil {
		return backend.Unknown
	}
	var be *backend.Error
	if errors.As(err, &be) {
		return be.Code
	}
	if errors.Is(err, api.ErrSecretNotFound) {
		return backend.NotFound
	}
	if c := backend.ContextCode(err); c != backend.Unknown {
		return c
	}
	var re *api.ResponseError
	if errors.As(err, &re) {
		if c, ok := statusCodes[re.StatusCode]; ok {
			return c
		}
		if re.StatusCode >= 500 {
			return backend.Unavailable
		}
		return backend.Unknown
	}
	var ne net.Error
	var ue *url.Error
	if errors.As(err, &ne) || errors.As(err, &ue) {
		return backend.Unavailable
	}
	return backend.Unknown
}

func (d *driver) As(i any) bool {
	p, ok := i.(**api.Client)
	if !ok {
		return false
	}
	*p = d.c
	return true
}

func (d *driver) ErrorAs(err error, i any) bool { return errors.As(err, i) }

func (d *driver) Close() error { return nil }
