package awssm

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

// layout is where the secrets of a store live in Secrets Manager and how
// their values and metadata are encoded: the driver's own layout
// (polysecret, this file) or the operator's (native, native.go). The driver
// holds one and asks it everything that differs between the two; its
// methods make the same requests in both.
type layout interface {
	// name is the AWS name of (env, key), or an error before any request:
	// NotFound where the pair cannot exist in the layout, InvalidArgument
	// where a write (write true) could not be read back as (env, key).
	name(env, key string, write bool) (string, error)
	// parse maps an AWS name back to (env, key); ok is false for names
	// outside the layout's secrets.
	parse(name string) (env, key string, ok bool)
	// scan is the name prefix a listing with o scans ("" = every secret of
	// the account).
	scan(o *backend.ListOptions) string
	// checkValue refuses, before any request, a value the layout cannot
	// store.
	checkValue(v string) error
	// encode and decode map a value to and from a version; binary says
	// the version it replaces is SecretBinary (Modify).
	encode(v string, binary bool) (str *string, bin []byte)
	decode(str *string, bin []byte) string
	// tags are the tags s's metadata makes; ownsTag says which tags they
	// replace (others stay); applyTags fills s from a secret's tags.
	tags(s *backend.Secret) []types.Tag
	ownsTag(key string) bool
	applyTags(s *backend.Secret, tags []types.Tag)
	capabilities() backend.Capabilities
	// scopeName names a scope in error messages.
	scopeName(env string) string

	// Environments: the Driver's environment methods, which the driver
	// embeds (backend.Environments).
	backend.Environments
}

// Layout names, as Options.Layout and the URL parameter layout.
const (
	// LayoutPolysecret (the default, also "") is the driver's own layout:
	// <prefix>/<env or _global>/<key>, metadata in polysecret: tags,
	// environments as marker secrets.
	LayoutPolysecret = "polysecret"
	// LayoutNative is the operator's: the key is the AWS name below the
	// prefix (see the package documentation).
	LayoutNative = "native"
)

// polysecret is the driver's own layout (see the package documentation).
type polysecret struct {
	d      *driver // for the environment markers
	prefix string
}

var _ layout = polysecret{}

func scopeDir(env string) string {
	if env == "" {
		return globalDir
	}
	return env
}

func (l polysecret) scopeName(env string) string { return scopeDir(env) }

func (l polysecret) name(env, key string, _ bool) (string, error) {
	return l.prefix + "/" + scopeDir(env) + "/" + key, nil
}

func (l polysecret) envName(name string) string { return l.prefix + "/" + envDir + "/" + name }

// parse splits <prefix>/<scope>/<key>; ok is false for anything else
// (environment markers, foreign secrets).
func (l polysecret) parse(name string) (env, key string, ok bool) {
	rest, found := strings.CutPrefix(name, l.prefix+"/")
	if !found {
		return "", "", false
	}
	scope, key, found := strings.Cut(rest, "/")
	if !found || scope == envDir || backend.ValidateKey(key) != nil {
		return "", "", false
	}
	if scope == globalDir {
		return "", key, true
	}
	if backend.ValidateEnvironmentName(scope) != nil {
		return "", "", false
	}
	return scope, key, true
}

func (l polysecret) scan(o *backend.ListOptions) string {
	if o.AllEnvironments {
		return l.prefix + "/"
	}
	return l.prefix + "/" + scopeDir(o.Environment) + "/" + o.Prefix
}

func (polysecret) checkValue(string) error { return nil }

func (polysecret) capabilities() backend.Capabilities {
	return backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true, Labels: true, Expiry: true}
}

// tagMeta names the tags of a secret's metadata.
var tagMeta = backend.FlatMeta{Type: TagType, ExpiresAt: TagExpiresAt, LabelPrefix: TagLabelPrefix}

func (polysecret) tags(s *backend.Secret) []types.Tag {
	var tags []types.Tag
	tagMeta.Encode(s, func(k, v string) { tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)}) })
	return tags
}

func (polysecret) ownsTag(k string) bool { return strings.HasPrefix(k, tagNamespace) }

// applyTags fills type, expiry and labels from AWS tags; foreign tags (and
// the polysecret:empty tag of older drivers) are ignored.
func (polysecret) applyTags(s *backend.Secret, tags []types.Tag) {
	s.Type = backend.TypeGeneric
	for _, t := range tags {
		tagMeta.Apply(s, aws.ToString(t.Key), aws.ToString(t.Value))
	}
}

func (polysecret) encode(v string, _ bool) (str *string, bin []byte) {
	if v == "" {
		return nil, []byte{0}
	}
	if utf8.ValidString(v) {
		return aws.String(v), nil
	}
	return nil, []byte(v)
}

// valueOf reads a version's value: one NUL byte in SecretBinary is the
// empty value (encode never writes a lone NUL there otherwise).
func (polysecret) decode(str *string, bin []byte) string {
	if str == nil && len(bin) == 1 && bin[0] == 0 {
		return ""
	}
	if bin != nil {
		return string(bin)
	}
	return aws.ToString(str)
}

func currentVersion(m map[string][]string) string {
	for id, stages := range m {
		if slices.Contains(stages, "AWSCURRENT") {
			return id
		}
	}
	return ""
}

// CheckKey: Secrets Manager names allow only A-Z a-z 0-9 / _ + = . @ -
// (the portable rule also accepts a space, which Locker and Vault hold).
func (d *driver) CheckKey(key string) error {
	if i := strings.IndexFunc(key, func(r rune) bool { return !awsNameRune(r) }); i >= 0 {
		return backend.Errorf(backend.InvalidArgument,
			"key %q: AWS Secrets Manager names allow only A-Z a-z 0-9 / _ + = . @ - (byte %d is not one of them)", key, i)
	}
	return nil
}

func awsNameRune(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || strings.ContainsRune("/_+=.@-", r)
}
