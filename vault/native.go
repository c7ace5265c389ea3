package vault

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is the native layout (Options.Layout = LayoutNative, the URL
// parameter layout=native): paths, environments and metadata. How a value
// maps onto a version's data is in native_value.go.

// nativeLayout: the key is the path below the prefix; each configured
// environment is the directory <prefix>/<env>/; the global scope is the
// rest. Description and labels are custom_metadata entries.
type nativeLayout struct {
	*driver
	envs   []string // configured, sorted
	envSet map[string]bool
}

var _ layout = nativeLayout{}

// MetaDescriptionNative is the custom_metadata key that holds a secret's
// description in the native layout; every other entry is a label.
const MetaDescriptionNative = "description"

func newNativeLayout(d *driver, envs []string) nativeLayout {
	l := nativeLayout{driver: d, envs: envs, envSet: make(map[string]bool, len(envs))}
	for _, e := range envs {
		l.envSet[e] = true
	}
	return l
}

func (nativeLayout) caps() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, Labels: true, FixedEnvironments: true, TextOnly: true, FieldWrites: true}
}

// path: <prefix>/<env>/<key>, or <prefix>/<key> in the global scope, where
// a key of two segments or more whose first segment names a configured
// environment is refused (it would be that environment's secret).
func (l nativeLayout) path(env, key string) (string, error) {
	if env == "" {
		if first, _, deep := strings.Cut(key, "/"); deep && l.envSet[first] {
			return "", backend.Errorf(backend.InvalidArgument,
				"vault: key %q: in the native layout %q/ is the directory of the environment %q, not of the global scope", key, first, first)
		}
		return join(l.prefix, key), nil
	}
	return join(l.prefix, env+"/"+key), nil
}

func (l nativeLayout) dir(env string) string {
	if env == "" {
		return l.prefix
	}
	return join(l.prefix, env)
}

// foreign: in the global scope, the directories of the configured
// environments.
func (l nativeLayout) foreign(env, e string) bool {
	name, isDir := strings.CutSuffix(e, "/")
	return env == "" && isDir && l.envSet[name]
}

// check: custom_metadata holds what Vault calls printable (no control
// characters), and the description's key is not a label's.
func (nativeLayout) check(s *backend.Secret) error {
	if !printable(s.Description) {
		return backend.Errorf(backend.InvalidArgument, "vault: the description must be printable (Vault's rule for custom_metadata): no control characters")
	}
	if _, ok := s.Labels[MetaDescriptionNative]; ok {
		return backend.Errorf(backend.InvalidArgument, "vault: the label key %q is the description's custom_metadata entry in the native layout", MetaDescriptionNative)
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

func (nativeLayout) fields(v string) (map[string]any, error) { return nativeFields(v) }

func (nativeLayout) value(data map[string]any) (string, error) { return nativeValue(data) }

// secret: the value from the data; description and labels from
// custom_metadata; CreatedAt is the version's time for a first version,
// else zero (current fills it in from the metadata).
func (l nativeLayout) secret(env, key string, kvs *api.KVSecret) (*backend.Secret, map[string]any, error) {
	if kvs == nil || kvs.Data == nil || kvs.VersionMetadata == nil {
		return nil, nil, backend.Errorf(backend.NotFound, "no secret %q in %s (deleted or destroyed)", key, scopeDir(env))
	}
	v, err := nativeValue(kvs.Data)
	if err != nil {
		return nil, nil, err
	}
	s := l.newSecret(env, key, kvs.VersionMetadata.Version, kvs.VersionMetadata.CreatedTime, kvs.CustomMetadata)
	s.Value = v
	if kvs.VersionMetadata.Version == 1 {
		s.CreatedAt = kvs.VersionMetadata.CreatedTime
	}
	return s, kvs.Data, nil
}

// newSecret makes the secret (env, key) at a version, with the description
// and labels of its custom_metadata.
func (l nativeLayout) newSecret(env, key string, version int, updated time.Time, custom map[string]any) *backend.Secret {
	p, _ := l.path(env, key)
	s := &backend.Secret{Environment: env, Key: key, Type: backend.TypeGeneric, ID: l.mount + "/data/" + p,
		Version: strconv.Itoa(version), UpdatedAt: updated}
	for k, raw := range custom {
		v, _ := raw.(string)
		if k == MetaDescriptionNative {
			s.Description = v
			continue
		}
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[k] = v
	}
	return s
}

// fetch: without the value, the metadata alone (one request: custom_metadata,
// the current version and the times); with it, the current version too.
func (l nativeLayout) fetch(ctx context.Context, env, key string, withValue bool) (*backend.Secret, error) {
	if withValue {
		return l.driver.fetch(ctx, env, key, true)
	}
	p, err := l.path(env, key)
	if err != nil {
		return nil, err
	}
	md, err := l.metadata(ctx, p)
	if err != nil {
		return nil, notFound(err, secretWhat(env, key))
	}
	if !live(md) {
		return nil, backend.Errorf(backend.NotFound, "no secret %q in %s (deleted or destroyed)", key, scopeDir(env))
	}
	cur := md.Versions[strconv.Itoa(md.CurrentVersion)]
	s := l.newSecret(env, key, md.CurrentVersion, cur.CreatedTime, md.CustomMetadata)
	s.CreatedAt = md.CreatedTime
	return s, nil
}

// data: the value fields alone. A write is recognised after a lost reply
// by its data being equal to what was sent (no write id can be added).
func (nativeLayout) data(fields map[string]any, _ *backend.Secret, _ time.Time) (map[string]any, func(map[string]any) bool) {
	want, _ := canonical(fields)
	return maps.Clone(fields), func(got map[string]any) bool {
		g, err := canonical(got)
		return err == nil && g == want
	}
}

// meta writes description and labels into custom_metadata (a JSON merge
// patch of what changed; entries s no longer has are removed). Unlike the
// default layout's mirror, this is the metadata itself: an error is
// returned.
func (l nativeLayout) meta(ctx context.Context, p string, old map[string]any, s *backend.Secret) error {
	want := make(map[string]any, len(s.Labels)+1)
	for k, v := range s.Labels {
		want[k] = v
	}
	if s.Description != "" {
		want[MetaDescriptionNative] = s.Description
	}
	patch := map[string]any{}
	for k, v := range want {
		if old[k] != v {
			patch[k] = v
		}
	}
	for k := range old {
		if _, ok := want[k]; !ok {
			patch[k] = nil // JSON null removes the entry
		}
	}
	if len(patch) == 0 {
		return nil
	}
	return l.do(ctx, func(ctx context.Context, kv *api.KVv2) error {
		return kv.PatchMetadata(ctx, p, api.KVMetadataPatchInput{CustomMetadata: patch})
	})
}

func (l nativeLayout) envNames(context.Context) ([]string, error) { return l.envs, nil }

func (l nativeLayout) checkEnv(_ context.Context, env string) error {
	if env != "" && !l.envSet[env] {
		return envNotFound(env)
	}
	return nil
}

func (l nativeLayout) environment(name string) *backend.Environment {
	return &backend.Environment{Name: name, ID: l.mount + "/metadata/" + l.dir(name)}
}

// ListEnvironments answers the configured environments, sorted.
func (l nativeLayout) ListEnvironments(context.Context) ([]*backend.Environment, error) {
	out := make([]*backend.Environment, len(l.envs))
	for i, e := range l.envs {
		out[i] = l.environment(e)
	}
	return out, nil
}

func (l nativeLayout) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	if err := l.checkEnv(ctx, name); err != nil {
		return nil, err
	}
	return l.environment(name), nil
}

// The environments are configuration (Capabilities.FixedEnvironments): the
// portable layer never calls these.

func (nativeLayout) CreateEnvironment(context.Context, *backend.Environment) (*backend.Environment, error) {
	return nil, errFixedEnvironments
}

func (nativeLayout) ModifyEnvironment(context.Context, string, *backend.EnvironmentUpdate) (*backend.Environment, error) {
	return nil, errFixedEnvironments
}

func (nativeLayout) DeleteEnvironment(context.Context, string) error { return errFixedEnvironments }

var errFixedEnvironments = backend.Errorf(backend.Unimplemented, "vault: in the native layout the environments are configuration (envs=)")
