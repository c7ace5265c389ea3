package vault

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/polysecret/secrets/backend"
)

// This file is how the native layout maps a value onto the data of a KV v2
// version, and back (see the package documentation, "Native layout").

// nativeValue reads a version's data: exactly {"value": <string>} is that
// string; any other data is its JSON object, keys sorted, compact.
func nativeValue(data map[string]any) (string, error) {
	if v, ok := data["value"].(string); ok && len(data) == 1 {
		return v, nil
	}
	return canonical(data)
}

// nativeFields makes the data of a value: a JSON object whose canonical
// form (keys sorted at every level, compact, numbers as Go writes a
// float64, as Vault returns them and nativeValue writes them) is exactly
// the value is written as its fields, unless those fields would
// read back as another value ({"value": <string>}, or no field at all);
// any other value is {"value": v}. So every value reads back byte for
// byte. A value that is not valid UTF-8 is InvalidArgument: Vault holds
// JSON strings, and the native layout adds no encoding marker.
func nativeFields(v string) (map[string]any, error) {
	if !utf8.ValidString(v) {
		return nil, backend.Errorf(backend.InvalidArgument,
			"vault: in the native layout a value must be valid UTF-8 (Vault stores JSON strings); this one is not")
	}
	if strings.HasPrefix(v, "{") {
		// Numbers as float64, as Vault keeps them: a number that would
		// come back written otherwise makes the canonical form differ.
		var obj map[string]any
		if json.Unmarshal([]byte(v), &obj) == nil && len(obj) > 0 {
			_, plain := obj["value"].(string)
			if c, err := canonical(obj); err == nil && c == v && !(plain && len(obj) == 1) {
				return obj, nil
			}
		}
	}
	return map[string]any{"value": v}, nil
}

// canonical is the JSON text of x: object keys sorted, compact, no HTML
// escaping, numbers as they were read.
func canonical(x any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return "", backend.Errorf(backend.Internal, "vault: secret data cannot be encoded as JSON")
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}
