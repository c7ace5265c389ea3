package vault

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets/backend"
)

// This file holds the operations on secrets.

// secretWhat names the secret (env, key) in errors.
func secretWhat(env, key string) string { return fmt.Sprintf("secret %q in %s", key, scopeDir(env)) }

// maxCASTrys bounds the read-modify-write rounds of one call that lose to
// other writers.
const maxCASTrys = 50

// conflictPolicy is the short backoff between such rounds.
var conflictPolicy = backend.RetryPolicy{Base: 2 * time.Millisecond, Max: 100 * time.Millisecond}

func notFound(err error, what string) error {
	if errors.Is(err, api.ErrSecretNotFound) {
		return backend.Errorf(backend.NotFound, "no %s: %w", what, err)
	}
	return err
}

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, err
	}
	what := secretWhat(env, key)
	n := 0
	if opts.Version != "" {
		var perr error
		if n, perr = strconv.Atoi(opts.Version); perr != nil || n < 1 {
			return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
		}
	}
	s, err := d.value(ctx, env, key)
	if err != nil || n == 0 || s.Version == strconv.Itoa(n) {
		return s, err
	}
	// An earlier version: its value, with the secret's current metadata.
	old, err := d.read(ctx, p, n)
	if err != nil {
		return nil, notFound(err, fmt.Sprintf("version %d of %s", n, what))
	}
	if old == nil || old.Data == nil || old.VersionMetadata == nil {
		return nil, backend.Errorf(backend.NotFound, "version %d of %s is deleted or destroyed", n, what)
	}
	if s.Value, err = d.l.value(old.Data); err != nil {
		return nil, err
	}
	s.Version, s.UpdatedAt = strconv.Itoa(n), old.VersionMetadata.CreatedTime
	return s, nil
}

// written finishes a write of s at p that made the version out: it makes
// the custom_metadata (now old) follow s (the layout's meta) and stamps s
// with the version's path, number and time. created is the secret's
// CreatedAt (zero when this version creates it). It returns s.
func (d *driver) written(ctx context.Context, p string, s *backend.Secret, out *api.KVSecret, old map[string]any, created time.Time) (*backend.Secret, error) {
	if err := d.l.meta(ctx, p, old, s); err != nil {
		return nil, err
	}
	s.ID = d.mount + "/data/" + p
	s.Version = strconv.Itoa(out.VersionMetadata.Version)
	s.CreatedAt, s.UpdatedAt = created, out.VersionMetadata.CreatedTime
	if s.CreatedAt.IsZero() {
		s.CreatedAt = s.UpdatedAt
	}
	return s, nil
}

// mirror makes custom_metadata mirror s (best effort, one attempt: readers
// never trust it).
func (d *driver) mirror(ctx context.Context, p string, old map[string]any, s *backend.Secret) {
	patch := mirrorPatch(old, s)
	if patch == nil {
		return
	}
	_, _ = d.try(ctx, func(ctx context.Context, kv *api.KVv2) error {
		return kv.PatchMetadata(ctx, p, api.KVMetadataPatchInput{CustomMetadata: patch})
	})
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
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
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	data, mine := d.l.data(fields, c, time.Time{})
	out, oldMirror, err := d.create(ctx, p, secretWhat(s.Environment, s.Key), data, mine)
	if err != nil {
		return nil, err
	}
	return d.written(ctx, p, c, out, oldMirror, time.Time{})
}

// Modify writes the whole secret (value and metadata) as one new version
// with check-and-set on the version it read, and reads again when another
// write came first.
func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	if u.Environment != nil {
		return nil, backend.Errorf(backend.Internal, "vault: Modify cannot move secrets (the driver does not declare AtomicMove)")
	}
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, err
	}
	var newFields map[string]any
	if u.Value != nil {
		if newFields, err = d.l.fields(*u.Value); err != nil {
			return nil, err
		}
	}
	var next *backend.Secret
	err = rmw(ctx, secretWhat(env, key), func() error {
		cur, fields, kvs, err := d.current(ctx, env, key)
		if err != nil {
			return err
		}
		next = cur.Clone()
		u.Apply(next)
		next.Type = backend.EffectiveType(next.Type)
		if err := d.l.check(next); err != nil {
			return err
		}
		if newFields != nil {
			fields = newFields
		}
		data, mine := d.l.data(fields, next, cur.CreatedAt)
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

func (d *driver) Delete(ctx context.Context, env, key string) error {
	p, err := d.l.path(env, key)
	if err != nil {
		return err
	}
	ok, err := d.exists(ctx, p)
	if err != nil {
		return err
	}
	if !ok {
		return backend.Errorf(backend.NotFound, "no secret %q in %s", key, scopeDir(env))
	}
	return d.do(ctx, func(ctx context.Context, kv *api.KVv2) error { return kv.DeleteMetadata(ctx, p) })
}

// list returns the sorted keys under a metadata folder ("" folders skipped).
// listTree lists the keys below dir, however deep (keys may contain /: a
// LIST shows "a/" for the keys below a), sorted; it descends only into the
// directories that can hold a key with the given prefix. It stops at
// maxListDirs directories, with an error that says so.
//
// foreign, when not nil, names the entries directly in dir that are not
// listed (another scope's directory).
func (d *driver) listTree(ctx context.Context, dir, prefix string, foreign func(e string) bool) ([]string, error) {
	var keys []string
	dirs := []string{""}
	for n := 0; len(dirs) > 0; n++ {
		if n == maxListDirs {
			return nil, backend.Errorf(backend.Unavailable, "vault: more than %d directories below %q; list with a longer prefix", maxListDirs, dir)
		}
		sub := dirs[0]
		dirs = dirs[1:]
		entries, err := d.listEntries(ctx, join(dir, sub))
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			full := sub + e
			if sub == "" && foreign != nil && foreign(e) {
				continue
			}
			if !strings.HasPrefix(full, prefix) && !strings.HasPrefix(prefix, full) {
				continue
			}
			if strings.HasSuffix(e, "/") {
				dirs = append(dirs, full)
			} else if strings.HasPrefix(full, prefix) {
				keys = append(keys, full)
			}
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// join joins a directory and a path below it ("" is the mount itself).
func join(dir, p string) string {
	if dir == "" {
		return p
	}
	return dir + "/" + p
}

// maxListDirs bounds the LIST requests of one listTree.
const maxListDirs = 10000

func (d *driver) list(ctx context.Context, dir string) ([]string, error) {
	entries, err := d.listEntries(ctx, dir)
	if err != nil {
		return nil, err
	}
	keys := entries[:0]
	for _, e := range entries {
		if !strings.HasSuffix(e, "/") {
			keys = append(keys, e)
		}
	}
	slices.Sort(keys)
	return keys, nil
}

// listEntries is one LIST of dir: its keys, and its directories with a
// trailing /.
func (d *driver) listEntries(ctx context.Context, dir string) ([]string, error) {
	var s *api.Secret
	err := d.do(ctx, func(ctx context.Context, _ *api.KVv2) error {
		var err error
		s, err = d.c.Logical().ListWithContext(ctx, d.mount+"/metadata/"+dir)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s == nil || s.Data == nil {
		return nil, nil
	}
	raw, _ := s.Data["keys"].([]any)
	keys := make([]string, 0, len(raw))
	for _, k := range raw {
		if ks, ok := k.(string); ok {
			keys = append(keys, ks)
		}
	}
	return keys, nil
}

// ListPage walks scopes in order (_global, then environments by name) and
// keys in order; the token is the last (scope, key) examined.
func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, tok string) ([]*backend.Secret, string, error) {
	var scopes []string
	if o.AllEnvironments {
		envs, err := d.l.envNames(ctx)
		if err != nil {
			return nil, "", err
		}
		scopes = append([]string{""}, envs...)
	} else {
		scopes = []string{o.Environment}
	}
	afterScope, afterKey, hasTok := "", "", tok != ""
	if hasTok {
		var ok bool
		if afterScope, afterKey, ok = strings.Cut(tok, "\x00"); !ok {
			return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
		}
	}
	var page []*backend.Secret
	for si, env := range scopes {
		if hasTok && env < afterScope { // "" (global) sorts first, as it is listed
			continue
		}
		keys, err := d.listTree(ctx, d.l.dir(env), o.Prefix, func(e string) bool { return d.l.foreign(env, e) })
		if err != nil {
			return nil, "", err
		}
		var todo []string
		for _, k := range keys {
			if hasTok && env == afterScope && k <= afterKey {
				continue
			}
			if backend.ValidateKey(k) != nil || !strings.HasPrefix(k, o.Prefix) {
				continue
			}
			todo = append(todo, k)
		}
		for len(todo) > 0 {
			chunk := todo[:min(len(todo), o.PageSize-len(page))]
			todo = todo[len(chunk):]
			got := make([]*backend.Secret, len(chunk))
			err := backend.ForEach(ctx, len(chunk), d.conc, func(ctx context.Context, i int) error {
				s, err := d.l.fetch(ctx, env, chunk[i], o.WithValues)
				if classify(err) == backend.NotFound {
					return nil // deleted since the LIST
				}
				got[i] = s
				return err
			})
			if err != nil {
				return nil, "", err
			}
			for _, s := range got {
				if s != nil && o.Match(s) {
					page = append(page, s)
				}
			}
			if len(page) == o.PageSize {
				last := chunk[len(chunk)-1]
				if len(todo) == 0 && si == len(scopes)-1 {
					return page, "", nil
				}
				return page, env + "\x00" + last, nil
			}
		}
	}
	return page, "", nil
}

// fetch reads one secret for a listing. The metadata lives in the current
// version's data, so the data is read even when values are not wanted (the
// value is then dropped).
func (d *driver) fetch(ctx context.Context, env, key string, withValue bool) (*backend.Secret, error) {
	s, _, _, err := d.current(ctx, env, key)
	if err != nil {
		return nil, err
	}
	if !withValue {
		s.Value = ""
	}
	return s, nil
}

// value reads the current version of (env, key) in one request, for Get and Values.
func (d *driver) value(ctx context.Context, env, key string) (*backend.Secret, error) {
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, err
	}
	kvs, err := d.read(ctx, p, 0)
	if err != nil {
		return nil, notFound(err, secretWhat(env, key))
	}
	s, _, err := d.l.secret(env, key, kvs)
	return s, err
}

// current reads the current version of (env, key) and returns the secret,
// with its CreatedAt (read from the metadata for an earlier layout's later
// version), the value fields of the version, and the version itself (also
// with the error of a secret whose current version is deleted, nil when
// the path has no version at all).
func (d *driver) current(ctx context.Context, env, key string) (*backend.Secret, map[string]any, *api.KVSecret, error) {
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, nil, nil, err
	}
	kvs, err := d.read(ctx, p, 0)
	if err != nil {
		return nil, nil, nil, notFound(err, secretWhat(env, key))
	}
	s, fields, err := d.l.secret(env, key, kvs)
	if err != nil {
		return nil, nil, kvs, err
	}
	if s.CreatedAt.IsZero() { // an earlier layout's later version
		md, err := d.metadata(ctx, p)
		if err != nil {
			return nil, nil, nil, notFound(err, secretWhat(env, key))
		}
		s.CreatedAt = md.CreatedTime
	}
	return s, fields, kvs, nil
}

func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	p, err := d.l.path(env, key)
	if err != nil {
		return nil, err
	}
	md, err := d.metadata(ctx, p)
	if err != nil {
		return nil, notFound(err, secretWhat(env, key))
	}
	if !live(md) {
		return nil, backend.Errorf(backend.NotFound, "no secret %q in %s (deleted or destroyed)", key, scopeDir(env))
	}
	var vs []backend.Version
	for _, v := range md.Versions {
		if v.Destroyed || !v.DeletionTime.IsZero() {
			continue
		}
		vs = append(vs, backend.Version{ID: strconv.Itoa(v.Version), CreatedAt: v.CreatedTime, Current: v.Version == md.CurrentVersion})
	}
	slices.SortFunc(vs, func(a, b backend.Version) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return vs, nil
}
