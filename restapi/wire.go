package restapi

import (
	"encoding/base64"
	"time"
	"unicode/utf8"

	"github.com/polysecret/secrets"
)

// The JSON shapes of the API. They are exported so that clients in Go (the
// rest driver) decode exactly what the gateway encodes.

// SecretJSON is a secret in an answer. Value and ValueBase64 are set only
// in answers that reveal values (reveal=true, with_values=true); a value
// that is valid UTF-8 is in Value, any other in ValueBase64 (standard
// base64), so that binary values round-trip through JSON.
type SecretJSON struct {
	ID          string            `json:"id"`
	Environment string            `json:"environment"`
	Key         string            `json:"key"`
	Type        string            `json:"type,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	ExpiresAt   *time.Time        `json:"expires_at,omitempty"`
	Version     string            `json:"version,omitempty"`
	CreatedAt   *time.Time        `json:"created_at,omitempty"`
	UpdatedAt   *time.Time        `json:"updated_at,omitempty"`
	BackendID   string            `json:"backend_id,omitempty"`
	Value       *string           `json:"value,omitempty"`
	ValueBase64 *string           `json:"value_base64,omitempty"`
}

// EnvironmentJSON is an environment in a request or an answer.
type EnvironmentJSON struct {
	Name        string     `json:"name"`
	Description string     `json:"description,omitempty"`
	ExternalURL string     `json:"external_url,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
}

// EnvironmentPatchJSON is the body of PATCH /v1/admin/environments/{name}.
type EnvironmentPatchJSON struct {
	Description *string `json:"description,omitempty"`
	ExternalURL *string `json:"external_url,omitempty"`
}

// CreateSecretJSON is the body of POST /v1/admin/secrets: value or
// value_base64 (not both).
type CreateSecretJSON struct {
	Environment string            `json:"environment"`
	Key         string            `json:"key"`
	Value       *string           `json:"value,omitempty"`
	ValueBase64 *string           `json:"value_base64,omitempty"`
	Type        string            `json:"type,omitempty"`
	Description string            `json:"description,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	ExpiresAt   *time.Time        `json:"expires_at,omitempty"`
}

// PatchSecretJSON is the body of PATCH /v1/admin/secrets/{id}: a partial
// update, absent fields unchanged. labels replaces every label ({} removes
// them); expires_at "0001-01-01T00:00:00Z" removes the expiry; environment
// moves the secret ("" = global).
type PatchSecretJSON struct {
	Value       *string            `json:"value,omitempty"`
	ValueBase64 *string            `json:"value_base64,omitempty"`
	Type        *string            `json:"type,omitempty"`
	Description *string            `json:"description,omitempty"`
	Labels      *map[string]string `json:"labels,omitempty"`
	ExpiresAt   *time.Time         `json:"expires_at,omitempty"`
	Environment *string            `json:"environment,omitempty"`
}

// FieldJSON is the body of PUT /v1/admin/secrets/{id}/field: the field's
// name (any text a field selector allows: "/", "." and ".." included,
// which is why it is not a path segment) and its new string value.
type FieldJSON struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// VersionJSON is one version in GET /v1/admin/secrets/{id}/versions.
type VersionJSON struct {
	ID        string     `json:"id"`
	CreatedAt *time.Time `json:"created_at,omitempty"`
	Current   bool       `json:"current"`
}

// CapabilitiesJSON is the answer of GET /v1/admin/capabilities: the served
// store's secrets.Capabilities, field by field.
type CapabilitiesJSON struct {
	Versions          bool `json:"versions"`
	Delete            bool `json:"delete"`
	DeleteEnvironment bool `json:"delete_environment"`
	Types             bool `json:"types"`
	Labels            bool `json:"labels"`
	Expiry            bool `json:"expiry"`
	AtomicModify      bool `json:"atomic_modify"`
	NativeExpiry      bool `json:"native_expiry"`
	AtomicMove        bool `json:"atomic_move"`
	FixedEnvironments bool `json:"fixed_environments"`
	TextOnly          bool `json:"text_only"`
	NoEmptyValues     bool `json:"no_empty_values"`
	FieldWrites       bool `json:"field_writes"`
	GlobalOnly        bool `json:"global_only"`
}

// ErrorJSON is the error envelope's content.
type ErrorJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// CapabilitiesToJSON and CapabilitiesFromJSON convert both ways.
func CapabilitiesToJSON(c secrets.Capabilities) CapabilitiesJSON {
	return CapabilitiesJSON{Versions: c.Versions, Delete: c.Delete, DeleteEnvironment: c.DeleteEnvironment,
		Types: c.Types, Labels: c.Labels, Expiry: c.Expiry, AtomicModify: c.AtomicModify,
		NativeExpiry: c.NativeExpiry, AtomicMove: c.AtomicMove, FixedEnvironments: c.FixedEnvironments,
		TextOnly: c.TextOnly, NoEmptyValues: c.NoEmptyValues, FieldWrites: c.FieldWrites, GlobalOnly: c.GlobalOnly}
}

// CapabilitiesFromJSON is the inverse of CapabilitiesToJSON.
func CapabilitiesFromJSON(j CapabilitiesJSON) secrets.Capabilities {
	return secrets.Capabilities{Versions: j.Versions, Delete: j.Delete, DeleteEnvironment: j.DeleteEnvironment,
		Types: j.Types, Labels: j.Labels, Expiry: j.Expiry, AtomicModify: j.AtomicModify,
		NativeExpiry: j.NativeExpiry, AtomicMove: j.AtomicMove, FixedEnvironments: j.FixedEnvironments,
		TextOnly: j.TextOnly, NoEmptyValues: j.NoEmptyValues, FieldWrites: j.FieldWrites, GlobalOnly: j.GlobalOnly}
}

func tptr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func tval(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// SecretToJSON encodes s; its value only when reveal is true.
func SecretToJSON(s *secrets.Secret, reveal bool) SecretJSON {
	j := SecretJSON{ID: EncodeID(s.Environment, s.Key), Environment: s.Environment, Key: s.Key, Type: s.Type,
		Description: s.Description, Labels: s.Labels, ExpiresAt: tptr(s.ExpiresAt), Version: s.Version,
		CreatedAt: tptr(s.CreatedAt), UpdatedAt: tptr(s.UpdatedAt), BackendID: s.ID}
	if reveal {
		j.Value, j.ValueBase64 = EncodeValue(s.Value)
	}
	return j
}

// EncodeValue puts v in value when it is valid UTF-8 without control
// characters but tab, line feed and carriage return, else in value_base64
// (binary values, and text whose JSON escaping would take six bytes a
// byte).
func EncodeValue(v string) (value, b64 *string) {
	for i := 0; i < len(v); i++ {
		if b := v[i]; b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
			return nil, EncodeBase64(v)
		}
	}
	if utf8.ValidString(v) {
		return &v, nil
	}
	return nil, EncodeBase64(v)
}

// EncodeBase64 is v in value_base64's encoding (standard base64).
func EncodeBase64(v string) *string {
	e := base64.StdEncoding.EncodeToString([]byte(v))
	return &e
}

// DecodeValue is the inverse of EncodeValue; ok is false when neither or
// both are set, or value_base64 is not base64.
func DecodeValue(value, b64 *string) (v string, set bool, ok bool) {
	switch {
	case value != nil && b64 != nil:
		return "", true, false
	case value != nil:
		return *value, true, true
	case b64 != nil:
		b, err := base64.StdEncoding.DecodeString(*b64)
		if err != nil {
			return "", true, false
		}
		return string(b), true, true
	}
	return "", false, true
}

// SecretFromJSON decodes an answer's secret (the ID is the gateway's id).
func SecretFromJSON(j *SecretJSON) (*secrets.Secret, bool) {
	v, _, ok := DecodeValue(j.Value, j.ValueBase64)
	return &secrets.Secret{ID: j.ID, Environment: j.Environment, Key: j.Key, Type: j.Type, Description: j.Description,
		Labels: j.Labels, ExpiresAt: tval(j.ExpiresAt), Version: j.Version, CreatedAt: tval(j.CreatedAt),
		UpdatedAt: tval(j.UpdatedAt), Value: v}, ok
}

// EnvironmentToJSON encodes e.
func EnvironmentToJSON(e *secrets.Environment) EnvironmentJSON {
	return EnvironmentJSON{Name: e.Name, Description: e.Description, ExternalURL: e.ExternalURL,
		CreatedAt: tptr(e.CreatedAt), UpdatedAt: tptr(e.UpdatedAt)}
}

// EnvironmentFromJSON decodes an environment.
func EnvironmentFromJSON(j *EnvironmentJSON) *secrets.Environment {
	return &secrets.Environment{Name: j.Name, Description: j.Description, ExternalURL: j.ExternalURL,
		CreatedAt: tval(j.CreatedAt), UpdatedAt: tval(j.UpdatedAt)}
}
