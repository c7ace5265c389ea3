package datalayer

import (
	"context"
	"net/http"

	"github.com/polysecret/secrets/backend"
)

// The secret operations. The API addresses a secret by uid; a name is
// found through the uid cache (uids.go) or a listing (list.go).

func notFound(name string) error {
	return backend.Errorf(backend.NotFound, "datalayer: no secret %q", name)
}

// scoped refuses an environment (the portable layer never passes one to
// a GlobalOnly driver; this guards direct callers).
func scoped(env string) error {
	if env != "" {
		return errNoEnvs
	}
	return nil
}

// getUID reads one secret by uid (GET /secrets/{uid}), which always
// carries its value.
func (d *driver) getUID(ctx context.Context, uid string) (*wireSecret, error) {
	var a oneAnswer
	if _, err := d.c.do(ctx, exchange{method: http.MethodGet, path: "/secrets/" + uid, out: &a}); err != nil {
		return nil, err
	}
	if a.Secret == nil {
		return nil, backend.Errorf(backend.Internal, "datalayer: the answer to GET /secrets/%s holds no secret", uid)
	}
	if err := a.Secret.check(); err != nil {
		return nil, err
	}
	if a.Secret.UID != uid {
		return nil, backend.Errorf(backend.Internal, "datalayer: GET /secrets/%s answered secret %s", uid, a.Secret.UID)
	}
	if a.Secret.Value == nil {
		return nil, backend.Errorf(backend.Internal, "datalayer: the answer to GET /secrets/%s holds no value_s", uid)
	}
	return a.Secret, nil
}

// lookup finds the secret named name: by its cached uid (one GET whose
// answer must name it), else by a listing, and then — when needValue and
// the listing left the value out — by uid. A secret deleted or renamed
// meanwhile is NotFound.
func (d *driver) lookup(ctx context.Context, name string, needValue bool) (*wireSecret, error) {
	if uid, ok := d.uids.Get(name); ok {
		w, err := d.getUID(ctx, uid)
		switch {
		case err == nil && w.Name == name:
			return w, nil
		case err != nil && classify(err) != backend.NotFound:
			return nil, err
		}
		d.uids.Forget(name, uid) // deleted or renamed: list
	}
	l, err := d.list(ctx)
	if err != nil {
		return nil, err
	}
	w := l.byName[name]
	if w == nil {
		return nil, notFound(name)
	}
	if !needValue || w.Value != nil {
		return w, nil
	}
	w, err = d.getUID(ctx, w.UID)
	switch {
	case classify(err) == backend.NotFound:
		return nil, notFound(name)
	case err != nil:
		return nil, err
	case w.Name != name:
		return nil, notFound(name)
	}
	return w, nil
}

func (d *driver) Get(ctx context.Context, env, key string, _ backend.GetOptions) (*backend.Secret, error) {
	if err := scoped(env); err != nil {
		return nil, err
	}
	w, err := d.lookup(ctx, key, true)
	if err != nil {
		return nil, err
	}
	return w.secret(), nil
}

// Create is one POST. When it ends in 409 after an attempt whose answer
// was lost (landed), the driver reads the secret of that name: if it holds
// exactly what this call sent (name, variant, description and value_s),
// it is this call's own write and Create succeeds; otherwise the name was
// taken, AlreadyExists.
func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	if err := scoped(s.Environment); err != nil {
		return nil, err
	}
	body := createBody{Name: s.Key, Description: s.Description, Variant: variant(s.Type), Value: encodeValue(s.Value)}
	var a oneAnswer
	landed, err := d.c.do(ctx, exchange{method: http.MethodPost, path: "/secrets", body: body, out: &a,
		redact: []string{s.Value, body.Value}})
	if err != nil {
		if !landed || classify(err) != backend.AlreadyExists {
			return nil, err
		}
		d.uids.Forget(s.Key, "")
		w, lerr := d.lookup(ctx, s.Key, true)
		if lerr != nil || w.Variant != body.Variant || w.Description != body.Description || *w.Value != body.Value {
			return nil, err
		}
		a.Secret = w
	}
	out := s.Clone()
	out.Type = body.Variant
	if a.Secret != nil && a.Secret.check() == nil {
		out.ID = a.Secret.UID
		d.uids.Put(s.Key, a.Secret.UID)
	}
	return out, nil
}

// Modify is one PUT of the fields that change, to the uid lookup found
// (one request before it: the cached uid's GET or a listing). Datalayer
// has no compare-and-set: concurrent Modify calls may lose an update.
func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	if err := scoped(env); err != nil {
		return nil, err
	}
	if u.Environment != nil && *u.Environment != "" {
		return nil, errNoEnvs
	}
	var body updateBody
	var redact []string
	if u.Value != nil {
		enc := encodeValue(*u.Value)
		body.Value, redact = &enc, []string{*u.Value, enc}
	}
	if u.Description != nil {
		body.Description = u.Description
	}
	if u.Type != nil {
		v := variant(*u.Type)
		body.Variant = &v
	}
	empty := body == (updateBody{})
	w, err := d.lookup(ctx, key, empty)
	switch {
	case err != nil:
		return nil, err
	case empty:
		return w.secret(), nil
	}
	var a oneAnswer
	if _, err := d.c.do(ctx, exchange{method: http.MethodPut, path: "/secrets/" + w.UID, body: body, out: &a, redact: redact}); err != nil {
		if classify(err) == backend.NotFound {
			d.uids.Forget(key, w.UID)
			return nil, notFound(key)
		}
		return nil, err
	}
	if a.Secret != nil && a.Secret.Value != nil && a.Secret.check() == nil {
		return a.Secret.secret(), nil
	}
	// The answer did not say: what was there, with the update applied.
	if u.Value == nil && w.Value == nil {
		if w, err = d.getUID(ctx, w.UID); err != nil {
			return nil, err
		}
	}
	s := w.secret()
	u.Apply(s)
	s.Type = variant(s.Type)
	return s, nil
}

// Delete is one DELETE of the uid lookup found. A 404 after an attempt
// whose answer was lost is this call's own delete: success.
func (d *driver) Delete(ctx context.Context, env, key string) error {
	if err := scoped(env); err != nil {
		return err
	}
	w, err := d.lookup(ctx, key, false)
	if err != nil {
		return err
	}
	landed, err := d.c.do(ctx, exchange{method: http.MethodDelete, path: "/secrets/" + w.UID})
	d.uids.Forget(key, w.UID)
	switch {
	case err == nil, landed && classify(err) == backend.NotFound:
		return nil
	case classify(err) == backend.NotFound:
		return notFound(key)
	}
	return err
}
