package awssm

import (
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets/backend"
)

// The layout of names, tags and values in Secrets Manager (see the package
// documentation).

func scopeDir(env string) string {
	if env == "" {
		return globalDir
	}
	return env
}

func (d *driver) name(env, key string) string { return d.prefix + "/" + scopeDir(env) + "/" + key }

func (d *driver) envName(name string) string { return d.prefix + "/" + envDir + "/" + name }

// parseName splits <prefix>/<scope>/<key>; ok is false for anything else
// (environment markers, foreign secrets).
func (d *driver) parseName(name string) (env, key string, ok bool) {
	rest, found := strings.CutPrefix(name, d.prefix+"/")
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

// token makes a ClientRequestToken (32–64 characters; becomes the version id).
func token() *string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	s := hex.EncodeToString(b)
	s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
	return &s
}

// tagMeta names the tags of a secret's metadata.
var tagMeta = backend.FlatMeta{Type: TagType, ExpiresAt: TagExpiresAt, LabelPrefix: TagLabelPrefix}

func tagsOf(s *backend.Secret) []types.Tag {
	var tags []types.Tag
	tagMeta.Encode(s, func(k, v string) { tags = append(tags, types.Tag{Key: aws.String(k), Value: aws.String(v)}) })
	return tags
}

// applyTags fills type, expiry and labels from AWS tags; foreign tags (and
// the polysecret:empty tag of older drivers) are ignored.
func applyTags(s *backend.Secret, tags []types.Tag) {
	s.Type = backend.TypeGeneric
	for _, t := range tags {
		tagMeta.Apply(s, aws.ToString(t.Key), aws.ToString(t.Value))
	}
}

func setValue(v string) (str *string, bin []byte) {
	if v == "" {
		return nil, []byte{0}
	}
	if utf8.ValidString(v) {
		return aws.String(v), nil
	}
	return nil, []byte(v)
}

// valueOf reads a version's value: one NUL byte in SecretBinary is the
// empty value (setValue never writes a lone NUL there otherwise).
func valueOf(str *string, bin []byte) string {
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
