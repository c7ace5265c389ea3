package abeja

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/polysecret/secrets/backend"
)

// Listing: a ListPage reads the organization's listing consistently
// (scan), orders it by name, and returns the secrets after the name in its
// token. A name is a position no creation or deletion can shift: a secret
// that exists throughout a listing appears exactly once. The read is kept
// for the listing's next pages (snapshotTTL), named by the token.

// snapshotTTL is how long a listing's read serves its next pages.
var snapshotTTL = 15 * time.Second

// maxSnapshots bounds the reads kept per Store.
const maxSnapshots = 4

// snapshot is one read of the listing, ordered by name.
type snapshot struct {
	id      string
	at      time.Time
	secrets []*backend.Secret
}

type snapshots struct {
	mu sync.Mutex
	m  map[string]*snapshot
}

func (ss *snapshots) get(id string) *snapshot {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[id]
	if s == nil || time.Since(s.at) > snapshotTTL {
		delete(ss.m, id)
		return nil
	}
	return s
}

func (ss *snapshots) put(s *snapshot) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.m == nil {
		ss.m = map[string]*snapshot{}
	}
	for id, old := range ss.m {
		if time.Since(old.at) > snapshotTTL {
			delete(ss.m, id)
		}
	}
	for len(ss.m) >= maxSnapshots {
		var oldest *snapshot
		for _, x := range ss.m {
			if oldest == nil || x.at.Before(oldest.at) {
				oldest = x
			}
		}
		delete(ss.m, oldest.id)
	}
	ss.m[s.id] = s
}

func (ss *snapshots) clear() {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.m = nil
}

// A driver token is "<read id>:<last name>"; names hold no ':'.
func parseToken(token string) (snap, after string, err error) {
	if token == "" {
		return "", "", nil
	}
	snap, after, ok := strings.Cut(token, ":")
	if !ok || len(snap) != 16 || !nameOK(after) {
		return "", "", backend.Errorf(backend.InvalidArgument, "malformed page token")
	}
	return snap, after, nil
}

func (d *driver) ListPage(ctx context.Context, o *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	snapID, after, err := parseToken(token)
	if err != nil {
		return nil, "", err
	}
	snap := d.snaps.get(snapID)
	if snap == nil {
		if snap, err = d.read(ctx, o.WithValues); err != nil {
			return nil, "", err
		}
		d.snaps.put(snap)
	}
	i, _ := slices.BinarySearchFunc(snap.secrets, after, func(s *backend.Secret, name string) int { return strings.Compare(s.Key, name) })
	if i < len(snap.secrets) && snap.secrets[i].Key == after {
		i++
	}
	var page []*backend.Secret
	for ; i < len(snap.secrets); i++ {
		s := snap.secrets[i]
		if !o.Match(s) {
			continue
		}
		if len(page) == o.PageSize {
			return page, snap.id + ":" + page[len(page)-1].Key, nil
		}
		page = append(page, s.Clone())
	}
	return page, "", nil
}

// read makes a snapshot: one consistent read of the listing.
func (d *driver) read(ctx context.Context, values bool) (*snapshot, error) {
	all, _, err := d.scan(ctx, values, nil)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	snap := &snapshot{id: hex.EncodeToString(b), at: time.Now()}
	for i := range all {
		s, err := all[i].secret(values, nil)
		if backend.Classify(err, nil) == backend.FailedPrecondition {
			continue // no active version: no value to list
		}
		if err != nil {
			return nil, err
		}
		snap.secrets = append(snap.secrets, s)
	}
	slices.SortFunc(snap.secrets, func(a, b *backend.Secret) int { return strings.Compare(a.Key, b.Key) })
	return snap, nil
}
