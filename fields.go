package secrets

import (
	"encoding/json"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// FieldSeparator separates a key from a field of its value in the keys that
// Get, Value, ValueOr and Values accept: "DATABASE#password" reads the field
// "password" of the secret DATABASE, whose value is a JSON object (a
// multi-field Vault secret reads back as one; a JSON SecretString is one).
// The syntax is that of helmfile/vals and external-secrets' property.
//
// Modify accepts it too, to write one field: Modify(ctx, "DATABASE#password",
// Update{Value: &v}) sets the field password to the JSON string v (a new
// field is added), keeping every other field, atomically, on drivers that
// declare Capabilities.FieldWrites (memory, vault); elsewhere it is
// Unimplemented. Only Value may be set with a field selector, and it must
// be valid UTF-8 (a JSON string); anything else is InvalidArgument.
const FieldSeparator = "#"

// splitField splits "KEY#field" into its key and field ("" when there is no
// selector).
func splitField(sel string) (key, field string, has bool) {
	return strings.Cut(sel, FieldSeparator)
}

// selectField returns sec with its value replaced by the field's: a string
// field as it is, any other JSON value as its JSON text. A value that is not
// a JSON object is InvalidArgument; a missing field is NotFound. Nothing of
// the value is ever quoted in an error.
func selectField(sec *Secret, field string) (*Secret, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal([]byte(sec.Value), &obj); err != nil || obj == nil {
		return nil, backend.Errorf(InvalidArgument, "field %q of secret %q: its value is not a JSON object", field, sec.Key)
	}
	raw, ok := obj[field]
	if !ok {
		return nil, backend.Errorf(NotFound, "secret %q has no field %q", sec.Key, field)
	}
	out := sec.Clone()
	var str string
	if err := json.Unmarshal(raw, &str); err == nil {
		out.Value = str
	} else {
		out.Value = string(raw)
	}
	return out, nil
}

// validateField checks a field name: 1–128 bytes of UTF-8, no control
// characters.
func validateField(f string) error {
	if f == "" || len(f) > backend.MaxKeyLen {
		return backend.Errorf(InvalidArgument, "a field selector (KEY#field) needs a field of 1-%d bytes", backend.MaxKeyLen)
	}
	for _, r := range f {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return backend.Errorf(InvalidArgument, "field %q: control characters and invalid UTF-8 are not allowed", f)
		}
	}
	return nil
}
