package datalayer

import (
	"github.com/polysecret/secrets/backend"
)

// The JSON of the secrets API, as the official clients read and write it
// (src/models/Secret.ts SecretData, CreateSecretRequest,
// UpdateSecretRequest; datalayer_core/mixins/secrets.py).

// wireSecret is a secret in an answer. Value is nil when the answer omits
// value_s (or sends null): a listing that leaves values out.
type wireSecret struct {
	UID         string  `json:"uid"`
	Variant     string  `json:"variant_s"`
	Name        string  `json:"name_s"`
	Description string  `json:"description_t"`
	Value       *string `json:"value_s"`
}

// listAnswer is the answer of GET /secrets.
type listAnswer struct {
	Secrets []wireSecret `json:"secrets"`
}

// oneAnswer is the answer of POST /secrets, GET and PUT /secrets/{uid}.
type oneAnswer struct {
	Secret *wireSecret `json:"secret"`
}

// createBody is the body of POST /secrets: every field, as the official
// clients send them (variant "generic" and description "" by default).
type createBody struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Variant     string `json:"variant"`
	Value       string `json:"value"`
}

// updateBody is the body of PUT /secrets/{uid}: only the fields that
// change (the update is partial).
type updateBody struct {
	Description *string `json:"description,omitempty"`
	Variant     *string `json:"variant,omitempty"`
	Value       *string `json:"value,omitempty"`
}

// plainUID reports whether a uid can go into a path as it is: 1–64 bytes
// of A-Z a-z 0-9 _ - (a ULID is 26 of them). The driver refuses other
// uids rather than send a request somewhere else.
func plainUID(uid string) bool {
	if len(uid) == 0 || len(uid) > 64 {
		return false
	}
	for i := 0; i < len(uid); i++ {
		c := uid[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// check refuses an answer's secret the driver cannot address: Internal,
// naming the uid only when it is plain (never the value).
func (w *wireSecret) check() error {
	if !plainUID(w.UID) {
		return backend.Errorf(backend.Internal, "datalayer: the server sent a secret whose uid is not a plain identifier")
	}
	if w.Name == "" {
		return backend.Errorf(backend.Internal, "datalayer: the server sent secret %s without a name", w.UID)
	}
	return nil
}

// secret is w as a backend.Secret: the value decoded (empty when the
// answer carried none), the variant as the type.
func (w *wireSecret) secret() *backend.Secret {
	s := w.meta()
	if w.Value != nil {
		s.Value = decodeValue(*w.Value)
	}
	return s
}

// meta is w as a backend.Secret without its value (for filters).
func (w *wireSecret) meta() *backend.Secret {
	return &backend.Secret{Key: w.Name, Description: w.Description, ID: w.UID, Type: w.Variant}
}

// variant is the wire variant of a type ("" is generic).
func variant(t string) string { return backend.EffectiveType(t) }
