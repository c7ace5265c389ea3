package secrets

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/polysecret/secrets/backend"
)

// errNoFieldWrites: the driver cannot write one field atomically.
var errNoFieldWrites = errors.New("driver cannot write one field of a secret atomically (Capabilities.FieldWrites)")

// modifyField is Modify(ctx, "key#field", u): only u.Value may be set, and
// it becomes the JSON string value of the field. The driver does the
// read-modify-write atomically (backend.FieldSetter); where it cannot, the
// call is Unimplemented — never a Get then a Modify here, which would lose
// a concurrent write of another field. It acts on the store's exact scope,
// without falling back to the global secret.
func (s *Store) modifyField(ctx context.Context, key, field string, u *Update) (*Secret, error) {
	fail := func(err error) (*Secret, error) { return nil, s.fail(ctx, "Modify", s.env, key, err) }
	if err := validateField(field); err != nil {
		return fail(err)
	}
	if err := s.validateKey(key); err != nil {
		return fail(err)
	}
	if u.Value == nil || u.Description != nil || u.Type != nil || u.Labels != nil || u.ExpiresAt != nil || u.Environment != nil {
		return fail(backend.Errorf(InvalidArgument, "Modify of a field (%s%s): only Update.Value may be set", FieldSeparator, field))
	}
	if err := backend.ValidateUpdate(u); err != nil {
		return fail(err)
	}
	if !utf8.ValidString(*u.Value) {
		return fail(backend.Errorf(InvalidArgument, "field %q: a field's value is a JSON string and must be valid UTF-8", field))
	}
	if !s.caps.FieldWrites {
		return nil, s.failCode("Modify", s.env, key, Unimplemented, errNoFieldWrites)
	}
	fs, ok := s.drv.(backend.FieldSetter)
	if !ok {
		return nil, s.failCode("Modify", s.env, key, Unimplemented, errNoFieldWrites)
	}
	out, err := fs.SetField(ctx, s.env, key, field, *u.Value)
	if errors.Is(err, backend.ErrSkip) {
		return nil, s.failCode("Modify", s.env, key, Unimplemented, errNoFieldWrites)
	}
	if err != nil {
		return fail(err)
	}
	if out, err = selectField(out, field); err != nil {
		return fail(err)
	}
	return out, nil
}
