package vault

import (
	"context"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file is Put: "set this key" as one write of a whole version,
// without check-and-set.

var _ backend.Putter = (*driver)(nil)

// Put writes s (value and metadata; fields left zero are cleared) as one
// new version, without check-and-set: it creates the secret, or replaces
// the one there, whatever other writers do meanwhile (the last write wins).
// Before it, Put checks the environment (NotFound if it does not exist, as
// Create) and reads the current version, to keep the secret's CreatedAt
// and to update the custom_metadata mirror. If the secret is deleted and
// created again between that read and the write, the CreatedAt kept is the
// older secret's.
func (d *driver) Put(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	p, err := d.l.path(s.Environment, s.Key)
	if err != nil {
		return nil, err
	}
	if err := d.l.check(s); err != nil {
		return nil, err
	}
	fields, err := d.l.fields(s.Value)
	if err != nil {
		return nil, err
	}
	if err := d.l.checkEnv(ctx, s.Environment); err != nil {
		return nil, err
	}
	var created time.Time
	var oldMirror map[string]any
	cur, _, kvs, err := d.current(ctx, s.Environment, s.Key)
	switch {
	case err == nil:
		created = cur.CreatedAt
	case classify(err) != backend.NotFound:
		return nil, err
	}
	if kvs != nil {
		oldMirror = kvs.CustomMetadata
	}
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	data, mine := d.l.data(fields, c, created)
	out, err := d.write(ctx, p, data, mine)
	if err != nil {
		return nil, err
	}
	return d.written(ctx, p, c, out, oldMirror, created)
}

// write writes data at p without check-and-set. It is not re-sent blindly
// either: after a failure that may hide a write that landed (a lost reply,
// a timeout, a 5xx) it reads the current version, and if that is this
// write (mine) the write succeeded; otherwise it is sent again, within
// maxRetries. (Should this write have landed and another writer's come
// after it before that read, the second send makes one more version: the
// same end state as if the other writer had come first.)
func (d *driver) write(ctx context.Context, p string, data map[string]any, mine func(map[string]any) bool) (*api.KVSecret, error) {
	for n := 1; ; n++ {
		out, ra, err := d.send(ctx, p, data)
		if err == nil {
			return out, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		if ambiguous(err) {
			got, verr := d.read(ctx, p, 0)
			switch {
			case verr == nil && got.Data != nil && mine(got.Data):
				return got, nil // ours: its reply was lost
			case verr != nil && classify(verr) != backend.NotFound:
				return nil, verr
			}
		}
		if n > d.maxRetries || !classify(err).Retryable() || !d.pause(ctx, n, ra) {
			return nil, d.refine(ctx, err)
		}
	}
}
