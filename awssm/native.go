package awssm

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

// native is the operator's layout (layout=native): the key is the AWS name
// below the prefix, exactly; values are SecretString or SecretBinary as
// they are; the description is AWS's and the labels are the secret's tags;
// environments are configured names, each the directory <prefix>/<env>/.
// See the package documentation.
type native struct {
	prefix string          // "" = the whole account
	envs   []string        // configured environments, sorted
	isEnv  map[string]bool // the same, as a set
}

var _ layout = (*native)(nil)

func newNative(prefix string, envs []string) (*native, error) {
	l := &native{prefix: prefix, isEnv: map[string]bool{}}
	for _, e := range envs {
		if err := backend.ValidateEnvironmentName(e); err != nil {
			return nil, backend.Errorf(backend.InvalidArgument, "awssm: configured environment: %w", err)
		}
		if l.isEnv[e] {
			return nil, backend.Errorf(backend.InvalidArgument, "awssm: environment %q is configured twice", e)
		}
		l.isEnv[e] = true
		l.envs = append(l.envs, e)
	}
	slices.Sort(l.envs)
	return l, nil
}

// dir is the name prefix of a scope: <prefix>/ for the global scope,
// <prefix>/<env>/ for an environment (without the prefix when it is "").
func (l *native) dir(env string) string {
	d := ""
	if l.prefix != "" {
		d = l.prefix + "/"
	}
	if env != "" {
		d += env + "/"
	}
	return d
}

// envOf is the configured environment whose directory a global-relative
// key is under, or "".
func (l *native) envOf(key string) string {
	if first, _, ok := strings.Cut(key, "/"); ok && l.isEnv[first] {
		return first
	}
	return ""
}

func (l *native) scopeName(env string) string {
	if env == "" {
		return "global"
	}
	return env
}

func (l *native) name(env, key string, write bool) (string, error) {
	switch {
	case env != "" && !l.isEnv[env]:
		return "", backend.Errorf(backend.NotFound, "environment %q is not configured (configured: %s)", env, strings.Join(l.envs, ","))
	case env == "" && l.envOf(key) != "":
		e := l.envOf(key)
		if write {
			return "", backend.Errorf(backend.InvalidArgument,
				"key %q: its first segment is the configured environment %q, so the AWS name %q is that environment's secret; write it in environment %q",
				key, e, l.dir("")+key, e)
		}
		return "", backend.Errorf(backend.NotFound,
			"no global secret %q: names under %q are environment %q's secrets", key, l.dir(e), e)
	}
	return l.dir(env) + key, nil
}

// parse: a name under <prefix>/ is in the environment its first segment
// names, if configured and followed by a key, else global. Names that are
// no portable key (empty, "." or ".." segments, a leading or trailing /,
// longer than 256 bytes) cannot be addressed and are not listed.
func (l *native) parse(name string) (env, key string, ok bool) {
	rest, found := strings.CutPrefix(name, l.dir(""))
	if !found {
		return "", "", false
	}
	if e := l.envOf(rest); e != "" {
		env, rest = e, rest[len(e)+1:]
	}
	if backend.ValidateKey(rest) != nil {
		return "", "", false
	}
	return env, rest, true
}

func (l *native) scan(o *backend.ListOptions) string {
	if o.AllEnvironments {
		return l.dir("")
	}
	return l.dir(o.Environment) + o.Prefix
}

// checkValue: Secrets Manager cannot store an empty value, and the native
// layout adds no encoding that could.
func (l *native) checkValue(v string) error {
	if v == "" {
		return backend.Errorf(backend.InvalidArgument,
			"awssm native layout: an empty value cannot be stored (Secrets Manager requires a non-empty SecretString or SecretBinary)")
	}
	return nil
}

// encode: SecretString for UTF-8, SecretBinary for anything else, and for
// every new value of a secret that is binary (Modify keeps the kind an
// operator chose: a PEM file stored with --secret-binary stays binary).
func (l *native) encode(v string, binary bool) (str *string, bin []byte) {
	if !binary && utf8.ValidString(v) {
		return aws.String(v), nil
	}
	return nil, []byte(v)
}

func (l *native) decode(str *string, bin []byte) string {
	if bin != nil {
		return string(bin)
	}
	return aws.ToString(str)
}

// ownsTag: the labels are every tag but AWS's own (aws:…, which no one can
// set or remove).
func (l *native) ownsTag(k string) bool { return !strings.HasPrefix(k, "aws:") }

func (l *native) tags(s *backend.Secret) []types.Tag {
	keys := make([]string, 0, len(s.Labels))
	for k := range s.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var tags []types.Tag
	for _, k := range keys {
		tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(s.Labels[k])})
	}
	return tags
}

func (l *native) applyTags(s *backend.Secret, tags []types.Tag) {
	s.Type = backend.TypeGeneric
	s.Labels = nil
	for _, t := range tags {
		if k := aws.ToString(t.Key); l.ownsTag(k) {
			if s.Labels == nil {
				s.Labels = map[string]string{}
			}
			s.Labels[k] = aws.ToString(t.Value)
		}
	}
}

func (l *native) capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, Labels: true, FixedEnvironments: true, NoEmptyValues: true}
}

// Environments are configuration (Capabilities.FixedEnvironments).

func (l *native) environment(name string) *backend.Environment {
	return &backend.Environment{Name: name, ID: l.dir(name)}
}

func (l *native) ListEnvironments(context.Context) ([]*backend.Environment, error) {
	out := make([]*backend.Environment, len(l.envs))
	for i, e := range l.envs {
		out[i] = l.environment(e)
	}
	return out, nil
}

func (l *native) GetEnvironment(_ context.Context, name string) (*backend.Environment, error) {
	if !l.isEnv[name] {
		return nil, backend.Errorf(backend.NotFound, "environment %q is not configured (configured: %s)", name, strings.Join(l.envs, ","))
	}
	return l.environment(name), nil
}

var errConfigured = backend.Errorf(backend.Unimplemented, "awssm native layout: environments are configured (URL parameter envs, Options.Environments), not created")

func (l *native) CreateEnvironment(context.Context, *backend.Environment) (*backend.Environment, error) {
	return nil, errConfigured
}

func (l *native) ModifyEnvironment(context.Context, string, *backend.EnvironmentUpdate) (*backend.Environment, error) {
	return nil, errConfigured
}

func (l *native) DeleteEnvironment(context.Context, string) error { return errConfigured }
