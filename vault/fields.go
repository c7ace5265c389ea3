package vault

import (
	"context"
	"maps"

	"github.com/polysecret/secrets/backend"
)

// This file is the write of one field of a secret whose value is a JSON
// object (Modify of KEY#field, backend.FieldSetter): a read-modify-write of
// the current version with check-and-set on it, run again when another
// write came first, so that concurrent writes of different fields are all
// kept.

var _ backend.FieldSetter = (*driver)(nil)

// SetField reads the current version of (env, key), sets the field in its
// value fields (the layout's setField) and writes them, with the secret's
// metadata unchanged, as one new version with check-and-set on the version
// read (casWrite: never re-sent blindly, recognised after a lost reply);
// on a conflict it reads again (rmw).
func (d *driver) SetField(ctx context.Context, env, key, field, value string) (*backend.Secret, error) {
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, err
	}
	var next *backend.Secret
	err = rmw(ctx, secretWhat(env, key), func() error {
		cur, fields, kvs, err := d.current(ctx, env, key)
		if err != nil {
			return err
		}
		newFields, err := d.l.setField(fields, field, value)
		if err != nil {
			return err
		}
		next = cur.Clone()
		if next.Value, err = d.l.value(newFields); err != nil {
			return err
		}
		data, mine := d.l.data(newFields, next, cur.CreatedAt)
		out, err := d.casWrite(ctx, p, data, kvs.VersionMetadata.Version, mine)
		if err != nil {
			return err
		}
		_, err = d.written(ctx, p, next, out, kvs.CustomMetadata, next.CreatedAt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return next, nil
}

// setField in the default layout: the value is one string of the data
// (DESIGN.md §3); it is decoded as a JSON object, the field set, and the
// object written back as the value (compact, keys sorted).
func (ownLayout) setField(fields map[string]any, field, v string) (map[string]any, error) {
	cur, err := decode(fields)
	if err != nil {
		return nil, err
	}
	next, err := backend.SetJSONField(cur, field, v)
	if err != nil {
		return nil, err
	}
	return encode(next), nil
}

// setField in the native layout: the fields of a multi-field secret are
// the data, so the field is set in the data itself and no other field is
// touched (not even re-encoded). A secret whose data is exactly
// {"value": <string>} has that string as its value: the field is set in
// it if it is a JSON object, as the default layout does, and the data
// keeps that shape.
func (nativeLayout) setField(data map[string]any, field, v string) (map[string]any, error) {
	if s, ok := data["value"].(string); ok && len(data) == 1 {
		next, err := backend.SetJSONField(s, field, v)
		if err != nil {
			return nil, err
		}
		return map[string]any{"value": next}, nil // the same shape
	}
	out := maps.Clone(data)
	if out == nil {
		out = map[string]any{}
	}
	out[field] = v
	c, err := canonical(out)
	if err != nil {
		return nil, err
	}
	if len(c) > backend.MaxValueLen {
		return nil, backend.Errorf(backend.InvalidArgument, "field %q: the value would be %d bytes; the limit is %d", field, len(c), backend.MaxValueLen)
	}
	if _, plain := out["value"].(string); plain && len(out) == 1 {
		// {"value": <string>} would read back as that string, not as
		// the object {"value": …}: write the object as the value.
		return map[string]any{"value": c}, nil
	}
	return out, nil
}
