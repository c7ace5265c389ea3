package memory

import (
	"context"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/memindex"
)

// SetField sets one field of the JSON object value of (env, key) under the
// store's lock, as one new version: no other write can come in between.
func (d *driver) SetField(_ context.Context, env, key, field, value string) (*backend.Secret, error) {
	db := d.db
	db.mu.Lock()
	defer db.mu.Unlock()
	e := db.Secrets[memindex.Key{Env: env, Key: key}]
	if e == nil {
		return nil, errNotFound(env, key)
	}
	v, err := backend.SetJSONField(e.Current().Value, field, value)
	if err != nil {
		return nil, err
	}
	c := e.Current().Clone()
	c.Value = v
	c.UpdatedAt = time.Now().UTC()
	e.Push(c)
	db.publish(env, key)
	return c.Clone(), nil
}
