package vault

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is the layout of a secret in Vault: what a version's data
// holds, and the custom_metadata mirror. See the package documentation.

// DataField is the reserved field of a version's data that holds the
// secret's metadata (this layout's authoritative copy).
const DataField = "polysecret"

// Fields of the DataField object.
const (
	fieldType        = "type"
	fieldDescription = "description"
	fieldLabels      = "labels"
	fieldExpiresAt   = "expires_at"
	fieldCreatedAt   = "created_at"
	fieldWrite       = "write"
)

// custom_metadata keys: the mirror for people reading Vault directly, and
// the authoritative metadata of secrets written by earlier versions of this
// driver (whose data has no DataField).
const (
	MetaDescription = "polysecret.description"
	MetaType        = "polysecret.type"
	MetaExpiresAt   = "polysecret.expires_at"
	MetaLabelPrefix = "polysecret.label."
)

// newWriteID returns a random id that marks one write, so that a writer
// recognises its own version after a lost reply.
func newWriteID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// encode makes the fields of a value.
func encode(v string) map[string]any {
	if utf8.ValidString(v) {
		return map[string]any{"value": v}
	}
	return map[string]any{"value": base64.StdEncoding.EncodeToString([]byte(v)), "encoding": "base64"}
}

// decode reads the value of a version's fields (DataField excluded):
// polysecret's own shape, or any other map of fields as its JSON object.
func decode(fields map[string]any) (string, error) {
	v, ok := fields["value"].(string)
	enc, hasEnc := fields["encoding"]
	switch {
	case ok && len(fields) == 1:
		return v, nil
	case ok && hasEnc && len(fields) == 2 && enc == "base64":
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return "", backend.Errorf(backend.Internal, "value marked base64 does not decode")
		}
		return string(b), nil
	}
	b, err := json.Marshal(fields) // sorted keys
	if err != nil {
		return "", backend.Errorf(backend.Internal, "secret data cannot be encoded as JSON")
	}
	return string(b), nil
}

// split separates a version's data into its value fields and its
// DataField object (nil when the version was written without one: an
// earlier layout, or someone else's secret).
func split(data map[string]any) (fields, own map[string]any) {
	own, ok := data[DataField].(map[string]any)
	if !ok {
		return data, nil
	}
	fields = maps.Clone(data)
	delete(fields, DataField)
	return fields, own
}

// withMeta returns fields plus the DataField object describing s. created
// is the secret's creation time (zero when this write creates it: the
// version's own time is then the creation time).
func withMeta(fields map[string]any, s *backend.Secret, created time.Time, writeID string) map[string]any {
	own := map[string]any{fieldWrite: writeID}
	if s.Type != "" && s.Type != backend.TypeGeneric {
		own[fieldType] = s.Type
	}
	if s.Description != "" {
		own[fieldDescription] = s.Description
	}
	if len(s.Labels) > 0 {
		l := make(map[string]any, len(s.Labels))
		for k, v := range s.Labels {
			l[k] = v
		}
		own[fieldLabels] = l
	}
	if !s.ExpiresAt.IsZero() {
		own[fieldExpiresAt] = s.ExpiresAt.UTC().Format(time.RFC3339Nano)
	}
	if !created.IsZero() {
		own[fieldCreatedAt] = created.UTC().Format(time.RFC3339Nano)
	}
	out := maps.Clone(fields)
	out[DataField] = own
	return out
}

// writtenBy reports whether a version's data carries writeID.
func writtenBy(writeID string) func(data map[string]any) bool {
	return func(data map[string]any) bool {
		own, ok := data[DataField].(map[string]any)
		return ok && own[fieldWrite] == writeID
	}
}

// applyOwn sets s's metadata from a DataField object.
func applyOwn(s *backend.Secret, own map[string]any) {
	s.Type = backend.TypeGeneric
	if v, ok := own[fieldType].(string); ok && v != "" {
		s.Type = v
	}
	s.Description, _ = own[fieldDescription].(string)
	if l, ok := own[fieldLabels].(map[string]any); ok && len(l) > 0 {
		s.Labels = make(map[string]string, len(l))
		for k, v := range l {
			s.Labels[k], _ = v.(string)
		}
	}
	if v, ok := own[fieldExpiresAt].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			s.ExpiresAt = t
		}
	}
	if v, ok := own[fieldCreatedAt].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			s.CreatedAt = t
		}
	}
}

// mirrorMeta names the custom_metadata keys of the mirror.
var mirrorMeta = backend.FlatMeta{Description: MetaDescription, Type: MetaType, ExpiresAt: MetaExpiresAt, LabelPrefix: MetaLabelPrefix}

// metaOf makes the custom_metadata mirror of s.
func metaOf(s *backend.Secret) map[string]any {
	m := map[string]any{}
	mirrorMeta.Encode(s, func(k, v string) { m[k] = v })
	return m
}

// applyMeta sets s's metadata from custom_metadata (the earlier layout).
func applyMeta(s *backend.Secret, m map[string]any) {
	s.Type = backend.TypeGeneric
	for k, raw := range m {
		v, _ := raw.(string)
		mirrorMeta.Apply(s, k, v)
	}
}

// mirrorPatch returns the JSON merge patch that makes custom_metadata (now
// old) mirror s: s's keys set, other polysecret.* keys removed; nil when
// nothing changes.
func mirrorPatch(old map[string]any, s *backend.Secret) map[string]any {
	want := metaOf(s)
	patch := map[string]any{}
	for k, v := range want {
		if old[k] != v {
			patch[k] = v
		}
	}
	for k := range old {
		if _, ok := want[k]; !ok && strings.HasPrefix(k, "polysecret.") {
			patch[k] = nil // JSON null removes the key
		}
	}
	if len(patch) == 0 {
		return nil
	}
	return patch
}

// secretOf reads a secret from its current version (kvs, from the data
// endpoint) and returns it with the value fields of that version. A
// version with a DataField is read from it alone; one without (written by
// an earlier layout) takes its metadata from custom_metadata.
func (d *driver) secretOf(env, key string, kvs *api.KVSecret) (*backend.Secret, map[string]any, error) {
	if kvs == nil || kvs.Data == nil || kvs.VersionMetadata == nil {
		return nil, nil, backend.Errorf(backend.NotFound, "no secret %q in %s (deleted or destroyed)", key, scopeDir(env))
	}
	fields, own := split(kvs.Data)
	v, err := decode(fields)
	if err != nil {
		return nil, nil, err
	}
	s := &backend.Secret{Environment: env, Key: key, Value: v, ID: d.mount + "/data/" + d.prefix + "/" + scopeDir(env) + "/" + key,
		Version: strconv.Itoa(kvs.VersionMetadata.Version), UpdatedAt: kvs.VersionMetadata.CreatedTime}
	if own != nil {
		applyOwn(s, own)
		if s.CreatedAt.IsZero() { // written by Create
			s.CreatedAt = kvs.VersionMetadata.CreatedTime
		}
	} else {
		applyMeta(s, kvs.CustomMetadata)
		if kvs.VersionMetadata.Version == 1 {
			s.CreatedAt = kvs.VersionMetadata.CreatedTime
		}
	}
	return s, fields, nil
}
