package backend

import (
	"bytes"
	"context"
	"encoding/json"
	"unicode/utf8"
)

// FieldSetter is an optional interface of a Driver that declares
// Capabilities.FieldWrites: SetField sets the field of the value of
// (env, key), in exactly that scope, to the JSON string value, keeping
// every other field, atomically (a read-modify-write with the backend's
// compare-and-set, run again when another write came first, or under the
// driver's lock): concurrent SetField calls on different fields of one
// secret never lose a write. A new field is added. NotFound if the secret
// does not exist; InvalidArgument if its value is not a JSON object. It
// returns the whole secret as written. The portable layer never emulates
// it with a Get and a Modify: without it a field write is Unimplemented.
type FieldSetter interface {
	SetField(ctx context.Context, env, key, field, value string) (*Secret, error)
}

// SetJSONField returns the JSON object obj with its field set to the JSON
// string value (added if absent), as compact JSON with the keys sorted and
// no HTML escaping; the other fields keep their JSON text. InvalidArgument
// if obj is not a JSON object, if value is not valid UTF-8 (a JSON string
// holds only that), or if the result exceeds MaxValueLen. Errors never
// quote obj or value.
func SetJSONField(obj, field, value string) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(obj), &fields); err != nil || fields == nil {
		return "", Errorf(InvalidArgument, "field %q: the secret's value is not a JSON object", field)
	}
	if !utf8.ValidString(value) {
		return "", Errorf(InvalidArgument, "field %q: a field's value is a JSON string and must be valid UTF-8", field)
	}
	str, err := marshal(value)
	if err != nil {
		return "", err
	}
	fields[field] = str
	out, err := marshal(fields)
	if err != nil {
		return "", err
	}
	if len(out) > MaxValueLen {
		return "", Errorf(InvalidArgument, "field %q: the value would be %d bytes; the limit is %d", field, len(out), MaxValueLen)
	}
	return string(out), nil
}

// marshal is json.Marshal without HTML escaping and without the newline.
func marshal(x any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(x); err != nil {
		return nil, Errorf(Internal, "a JSON object cannot be encoded")
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
