package vault

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file holds the operations on environments: entries
// M/data/P/_environments/<name> whose data is {"description",
// "external_url", "polysecret_write"}.

// envWriteField is the field of an environment's data that holds the write
// id of the version.
const envWriteField = "polysecret_write"

func envData(e *backend.Environment, writeID string) map[string]any {
	return map[string]any{"description": e.Description, "external_url": e.ExternalURL, envWriteField: writeID}
}

func envWrittenBy(writeID string) func(map[string]any) bool {
	return func(data map[string]any) bool { return data[envWriteField] == writeID }
}

func (d ownLayout) ListEnvironments(ctx context.Context) ([]*backend.Environment, error) {
	names, err := d.list(ctx, d.prefix+"/"+envDir)
	if err != nil {
		return nil, err
	}
	var out []*backend.Environment
	for _, n := range names {
		if backend.ValidateEnvironmentName(n) != nil {
			continue
		}
		e, err := d.GetEnvironment(ctx, n)
		if classify(err) == backend.NotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

func envNotFound(name string) error {
	return backend.Errorf(backend.NotFound, "environment %q does not exist", name)
}

// GetEnvironment reads the metadata (for CreatedAt and whether the entry is
// live) and the current version's data.
func (d ownLayout) GetEnvironment(ctx context.Context, name string) (*backend.Environment, error) {
	e, _, err := d.envOf(ctx, name)
	return e, err
}

// envOf returns the environment and the version it was read from.
func (d ownLayout) envOf(ctx context.Context, name string) (*backend.Environment, *api.KVSecret, error) {
	p := d.envPath(name)
	md, err := d.metadata(ctx, p)
	if errors.Is(err, api.ErrSecretNotFound) || (err == nil && !live(md)) {
		return nil, nil, envNotFound(name)
	}
	if err != nil {
		return nil, nil, err
	}
	kvs, err := d.read(ctx, p, 0)
	if errors.Is(err, api.ErrSecretNotFound) || (err == nil && (kvs.Data == nil || kvs.VersionMetadata == nil)) {
		return nil, nil, envNotFound(name)
	}
	if err != nil {
		return nil, nil, err
	}
	desc, _ := kvs.Data["description"].(string)
	u, _ := kvs.Data["external_url"].(string)
	return &backend.Environment{Name: name, Description: desc, ExternalURL: u, ID: d.mount + "/data/" + p,
		CreatedAt: md.CreatedTime, UpdatedAt: kvs.VersionMetadata.CreatedTime}, kvs, nil
}

func (d ownLayout) CreateEnvironment(ctx context.Context, e *backend.Environment) (*backend.Environment, error) {
	p := d.envPath(e.Name)
	id := newWriteID()
	out, _, err := d.create(ctx, p, fmt.Sprintf("environment %q", e.Name), envData(e, id), envWrittenBy(id))
	if err != nil {
		return nil, err
	}
	c := e.Clone()
	c.ID = d.mount + "/data/" + p
	c.CreatedAt, c.UpdatedAt = out.VersionMetadata.CreatedTime, out.VersionMetadata.CreatedTime
	return c, nil
}

func (d ownLayout) ModifyEnvironment(ctx context.Context, name string, u *backend.EnvironmentUpdate) (*backend.Environment, error) {
	p := d.envPath(name)
	var cur *backend.Environment
	err := rmw(ctx, fmt.Sprintf("environment %q", name), func() error {
		var kvs *api.KVSecret
		var err error
		if cur, kvs, err = d.envOf(ctx, name); err != nil {
			return err
		}
		u.Apply(cur)
		id := newWriteID()
		out, err := d.casWrite(ctx, p, envData(cur, id), kvs.VersionMetadata.Version, envWrittenBy(id))
		if err != nil {
			return err
		}
		cur.UpdatedAt = out.VersionMetadata.CreatedTime
		if cur.UpdatedAt.IsZero() {
			cur.UpdatedAt = time.Now().UTC()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return cur, nil
}

func (d ownLayout) DeleteEnvironment(ctx context.Context, name string) error {
	p := d.envPath(name)
	ok, err := d.exists(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return envNotFound(name)
	}
	keys, err := d.listEntries(ctx, d.dir(name)) // a directory "a/" holds secrets too
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return backend.Errorf(backend.FailedPrecondition, "environment %q still holds %d secrets", name, len(keys))
	}
	return d.do(ctx, func(ctx context.Context, kv *api.KVv2) error { return kv.DeleteMetadata(ctx, p) })
}
