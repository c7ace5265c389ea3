package abeja

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/polysecret/secrets/backend"
)

// Secrets: Get, Create, Modify, Delete and Versions over /secrets and
// /secrets/{id}/versions.

func (d *driver) secretsPath() string         { return "/secret-manager/organizations/" + d.org + "/secrets" }
func (d *driver) secretPath(id string) string { return d.secretsPath() + "/" + id }

func (d *driver) Get(ctx context.Context, env, key string, opts backend.GetOptions) (*backend.Secret, error) {
	w, err := d.find(ctx, key)
	if err != nil {
		return nil, err
	}
	if opts.Version == "" {
		return w.secret(true, nil)
	}
	n, err := strconv.Atoi(opts.Version)
	if err != nil || n < 1 {
		return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
	}
	for i := range w.Versions {
		if w.Versions[i].Version == n && w.Versions[i].Value != nil {
			return w.secret(true, &w.Versions[i])
		}
	}
	vs, err := d.versions(ctx, w)
	if err != nil {
		return nil, err
	}
	for i := range vs {
		if vs[i].Version == n {
			return w.secret(true, &vs[i])
		}
	}
	return nil, backend.Errorf(backend.NotFound, "secret %q has no version %q", key, opts.Version)
}

func (d *driver) Create(ctx context.Context, s *backend.Secret) (*backend.Secret, error) {
	body := createBody{Name: s.Key, Value: encodeValue(s.Value)}
	if s.Description != "" {
		body.Description = &s.Description
	}
	if !s.ExpiresAt.IsZero() {
		e := expiryText(s.ExpiresAt)
		body.ExpiredAt = &e
	}
	var w wireSecret
	uncertain, err := d.c.do(ctx, &request{method: "POST", path: d.secretsPath(), body: body, out: &w,
		redact: []string{s.Value, body.Value}})
	if err != nil {
		if classify(err) != backend.AlreadyExists {
			return nil, err
		}
		if uncertain {
			// An attempt whose answer was lost may have created it: the
			// name now holds exactly what this call wrote.
			if cur, ferr := d.find(ctx, s.Key); ferr == nil && ownCreate(cur, s) {
				return cur.secret(true, nil)
			}
		}
		return nil, backend.Errorf(backend.AlreadyExists, "secret %q exists: %w", s.Key, err)
	}
	if !validID(w.ID) {
		return nil, backend.Errorf(backend.Internal, "abeja: the server answered a secret id %q that is not decimal digits", trunc(w.ID))
	}
	d.ix.Put(s.Key, w.ID)
	return w.secret(true, nil)
}

// ownCreate reports whether w is what Create(s) writes: one version, with
// s's value, description and expiry.
func ownCreate(w *wireSecret, s *backend.Secret) bool {
	if len(w.Versions) != 1 {
		return false
	}
	got, err := w.secret(true, nil)
	if err != nil {
		return false
	}
	return got.Value == s.Value && got.Description == s.Description &&
		got.ExpiresAt.Truncate(time.Microsecond).Equal(s.ExpiresAt.Truncate(time.Microsecond))
}

// Modify changes the description and expiry with one PATCH (when the
// update has them), then writes a new version: the new value, or the
// current one again, so that every Modify makes one version (DESIGN.md
// §3.5). The version POST is not idempotent: after an attempt that may
// have landed, the secret is read before sending again, and a version
// above the ones seen before that holds the value is taken as this one.
func (d *driver) Modify(ctx context.Context, env, key string, u *backend.Update) (*backend.Secret, error) {
	w, err := d.find(ctx, key)
	if err != nil {
		return nil, err
	}
	cur := w.current()
	if cur == nil {
		return nil, backend.Errorf(backend.FailedPrecondition, "abeja: secret %q has no active version", key)
	}
	val, err := cur.value(key)
	if err != nil {
		return nil, err
	}
	if u.Value != nil {
		val = *u.Value
	}
	if u.Description != nil || u.ExpiresAt != nil {
		patch := patchBody{}
		if u.Description != nil {
			patch["description"] = *u.Description
		}
		if u.ExpiresAt != nil {
			if u.ExpiresAt.IsZero() {
				patch["expired_at"] = nil
			} else {
				patch["expired_at"] = expiryText(*u.ExpiresAt)
			}
		}
		var pw wireSecret
		if _, err := d.c.do(ctx, &request{method: "PATCH", path: d.secretPath(w.ID), body: patch, out: &pw}); err != nil {
			return nil, err
		}
		pw.Versions = w.Versions
		w = &pw
	}
	before := w.maxVersion()
	enc := encodeValue(val)
	var nv wireVersion
	landed := func(ctx context.Context) (bool, error) {
		var now wireSecret
		if _, err := d.c.do(ctx, &request{method: "GET", path: d.secretPath(w.ID), query: valuesQuery(true), out: &now}); err != nil {
			return false, err
		}
		for _, v := range now.Versions {
			if got, err := v.value(key); err == nil && v.Version > before && got == val {
				nv = v
				return true, nil
			}
		}
		return false, nil
	}
	_, err = d.c.do(ctx, &request{method: "POST", path: d.secretPath(w.ID) + "/versions", query: valuesQuery(true),
		body: versionBody{Value: enc}, out: &nv, landed: landed, redact: []string{val, enc}})
	if err != nil {
		return nil, err
	}
	if nv.Value == nil {
		nv.Value = &enc
	}
	w.Versions = append(slices.Clone(w.Versions), nv)
	return w.secret(true, &nv)
}

// Delete deletes the secret with all its versions. A 404 after an attempt
// that may have landed is that attempt's success.
func (d *driver) Delete(ctx context.Context, env, key string) error {
	w, err := d.find(ctx, key)
	if err != nil {
		return err
	}
	d.ix.Forget(key, w.ID)
	uncertain, err := d.c.do(ctx, &request{method: "DELETE", path: d.secretPath(w.ID), out: new(struct {
		Message string `json:"message"`
	})})
	if err != nil && uncertain && classify(err) == backend.NotFound {
		return nil
	}
	if err != nil && classify(err) == backend.NotFound {
		return notFound(key)
	}
	return err
}

// Versions lists the versions from /secrets/{id}/versions, oldest first;
// the current one is the active version of the highest number.
func (d *driver) Versions(ctx context.Context, env, key string) ([]backend.Version, error) {
	w, err := d.find(ctx, key)
	if err != nil {
		return nil, err
	}
	vs, err := d.versions(ctx, w)
	if err != nil {
		return nil, err
	}
	cur := (&wireSecret{Versions: vs}).current()
	out := make([]backend.Version, 0, len(vs))
	for _, v := range vs {
		t, _ := parseTime("created_at", v.CreatedAt)
		out = append(out, backend.Version{ID: strconv.Itoa(v.Version), CreatedAt: t, Current: cur != nil && v.Version == cur.Version})
	}
	return out, nil
}

// versions reads every version of w (pages of 100, with values), ordered
// by number, each once.
func (d *driver) versions(ctx context.Context, w *wireSecret) ([]wireVersion, error) {
	var all []wireVersion
	seen := map[string]bool{}
	for offset, pages := 0, 0; ; pages++ {
		if pages == maxPages {
			return nil, backend.Errorf(backend.Internal, "abeja: the version listing did not end after %d pages", maxPages)
		}
		q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(serverPage)}, "return_secret_value": {"true"}}
		var page wireVersionList
		if _, err := d.c.do(ctx, &request{method: "GET", path: d.secretPath(w.ID) + "/versions", query: q, out: &page}); err != nil {
			if classify(err) == backend.NotFound {
				return nil, notFound(w.Name)
			}
			return nil, err
		}
		for _, v := range page.Versions {
			if !seen[v.ID] {
				seen[v.ID] = true
				all = append(all, v)
			}
		}
		if !page.Pagination.HasNext || len(page.Versions) == 0 {
			break
		}
		offset += len(page.Versions)
	}
	slices.SortFunc(all, func(a, b wireVersion) int { return a.Version - b.Version })
	return all, nil
}
