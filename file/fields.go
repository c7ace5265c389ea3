//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"time"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/memindex"
)

// SetField sets one field of the JSON object value of (env, key) in one
// read-modify-write under the file lock, as one new version.
func (d *driver) SetField(ctx context.Context, env, key, field, value string) (out *backend.Secret, err error) {
	err = d.update(ctx, func(st *state) error {
		e := st.Secrets[memindex.Key{Env: env, Key: key}]
		if e == nil {
			return errNotFound(env, key)
		}
		v, err := backend.SetJSONField(e.Current().Value, field, value)
		if err != nil {
			return err
		}
		c := e.Current().Clone()
		c.Value = v
		c.UpdatedAt = time.Now().UTC()
		e.Push(c)
		out = c.Clone()
		return nil
	})
	return out, err
}
