package vault

import (
	"context"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is the choice between the two layouts: the interface the
// driver's methods go through for everything that differs between them
// (paths, a version's data, custom_metadata, environments), and the default
// layout's implementation of it. The native layout is in native.go.

// Layout names, as Options.Layout and the URL parameter layout.
const (
	// LayoutPolysecret is the default layout: <prefix>/<env or _global>/<key>,
	// each version's data holding the value and the metadata.
	LayoutPolysecret = "polysecret"
	// LayoutNative is Vault's own layout: the key is the path below the
	// prefix, the data is the value's fields.
	LayoutNative = "native"
)

// layout is where and how a store keeps its secrets in Vault. The driver
// holds one (newDriver chooses it from Options.Layout).
type layout interface {
	caps() backend.Capabilities
	// path returns the path of (env, key) below the mount, or
	// InvalidArgument for a key the scope cannot hold.
	path(env, key string) (string, error)
	// dir is the directory that holds scope env's keys, below the mount
	// ("" is the mount itself).
	dir(env string) string
	// foreign reports whether the entry e ("a" or "a/") listed directly in
	// dir(env) belongs to another scope.
	foreign(env, e string) bool
	// check refuses, before any request, what the layout cannot hold of a
	// secret about to be written.
	check(s *backend.Secret) error
	// fields makes the value fields of a version's data from a value.
	fields(v string) (map[string]any, error)
	// value reads the value of a version's data.
	value(data map[string]any) (string, error)
	// setField returns the value fields of a version whose value is the
	// value of fields with its field set to the JSON string v (fields.go).
	setField(fields map[string]any, field, v string) (map[string]any, error)
	// secret reads (env, key) from its current version, and returns the
	// value fields of that version.
	secret(env, key string, kvs *api.KVSecret) (*backend.Secret, map[string]any, error)
	// fetch reads one secret for a listing (its value only if withValue).
	fetch(ctx context.Context, env, key string, withValue bool) (*backend.Secret, error)
	// data is what a write of s with these value fields stores (created:
	// the secret's creation, zero when this write creates it), and how to
	// recognise that write after a lost reply.
	data(fields map[string]any, s *backend.Secret, created time.Time) (map[string]any, func(map[string]any) bool)
	// meta makes the custom_metadata of p (now old) follow s after a
	// write of s.
	meta(ctx context.Context, p string, old map[string]any, s *backend.Secret) error
	// envNames lists the environments of a listing of every scope, sorted.
	envNames(ctx context.Context) ([]string, error)
	// checkEnv answers NotFound for an environment that does not exist.
	checkEnv(ctx context.Context, env string) error

	// Environments: the Driver's environment methods, which the driver
	// embeds (backend.Environments).
	backend.Environments
}

func (d *driver) Capabilities() backend.Capabilities { return d.l.caps() }

// ownLayout is the default layout (see the package documentation). Its
// environment methods are in environment.go.
type ownLayout struct{ *driver }

var _ layout = ownLayout{}

func (ownLayout) caps() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true,
		Expiry: true, AtomicModify: true, FieldWrites: true}
}

func (l ownLayout) path(env, key string) (string, error) {
	return l.prefix + "/" + scopeDir(env) + "/" + key, nil
}

func (l ownLayout) dir(env string) string                 { return l.prefix + "/" + scopeDir(env) }
func (ownLayout) foreign(string, string) bool             { return false }
func (ownLayout) check(*backend.Secret) error             { return nil }
func (ownLayout) fields(v string) (map[string]any, error) { return encode(v), nil }

func (ownLayout) value(data map[string]any) (string, error) {
	fields, _ := split(data)
	return decode(fields)
}

func (l ownLayout) secret(env, key string, kvs *api.KVSecret) (*backend.Secret, map[string]any, error) {
	return l.secretOf(env, key, kvs)
}

// fetch: the metadata lives in the current version's data, so the data is
// read even when values are not wanted.
func (l ownLayout) fetch(ctx context.Context, env, key string, withValue bool) (*backend.Secret, error) {
	return l.driver.fetch(ctx, env, key, withValue)
}

func (ownLayout) data(fields map[string]any, s *backend.Secret, created time.Time) (map[string]any, func(map[string]any) bool) {
	id := newWriteID()
	return withMeta(fields, s, created, id), writtenBy(id)
}

// meta updates the mirror, best effort: readers never trust it.
func (l ownLayout) meta(ctx context.Context, p string, old map[string]any, s *backend.Secret) error {
	l.mirror(ctx, p, old, s)
	return nil
}

func (l ownLayout) envNames(ctx context.Context) ([]string, error) {
	return l.list(ctx, l.prefix+"/"+envDir)
}

func (l ownLayout) checkEnv(ctx context.Context, env string) error {
	if env == "" {
		return nil
	}
	ok, err := l.exists(ctx, l.envPath(env))
	if err != nil {
		return err
	}
	if !ok {
		return backend.Errorf(backend.NotFound, "environment %q does not exist", env)
	}
	return nil
}
