package locker

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"
)

// Snapshots of listed scopes. The first page of a listing reads its scope
// whole (see Listing in list.go); the following pages reuse that read
// while the server says nothing changed since it: one delta request
// (revision_date = the read's, page size 1, no filter, so that a secret
// moved out of the scope counts too) and deleted_item_date — as the
// official SDKs validate their own cache. Any change, an older read
// (snapshotTTL), or a server that sends no revision_date means a new read.
// A snapshot holds ciphertexts only, never plaintext.

// snapshotTTL bounds how long a listing reuses one read.
const snapshotTTL = time.Minute

// maxSnapshots bounds the reads kept (the oldest goes first).
const maxSnapshots = 16

type snapshot struct {
	ws    []wireSecret // ordered by id, without duplicates; read-only
	since float64      // the server's revision_date of the read
	at    time.Time
}

type snapshots struct {
	mu sync.Mutex
	m  map[string]*snapshot // by list path
}

func (s *snapshots) get(path string) *snapshot {
	s.mu.Lock()
	defer s.mu.Unlock()
	sn := s.m[path]
	if sn != nil && time.Since(sn.at) > snapshotTTL {
		delete(s.m, path)
		return nil
	}
	return sn
}

func (s *snapshots) put(path string, sn *snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]*snapshot{}
	}
	if _, ok := s.m[path]; !ok && len(s.m) >= maxSnapshots {
		oldest := ""
		for p, o := range s.m {
			if oldest == "" || o.at.Before(s.m[oldest].at) {
				oldest = p
			}
		}
		delete(s.m, oldest)
	}
	s.m[path] = sn
}

func (s *snapshots) clear() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m = nil
}

// scope returns the records of a list path ordered by id: for a
// continuation page, the listing's snapshot if nothing changed since it;
// otherwise a new read, kept for the pages that follow.
func (d *driver) scope(ctx context.Context, path string, continuation bool) ([]wireSecret, error) {
	if continuation {
		if sn := d.snaps.get(path); sn != nil {
			err := d.c.changedSince(ctx, path, sn.since)
			if err == nil {
				return sn.ws, nil
			}
			if !errors.Is(err, errListChanged) {
				return nil, err
			}
		}
	}
	ws, since, err := listAllSince[wireSecret](ctx, d.c, path)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(ws, func(a, b wireSecret) int { return idCmp(a.ID, b.ID) })
	ws = slices.CompactFunc(ws, func(a, b wireSecret) bool { return a.ID == b.ID })
	if since > 0 {
		d.snaps.put(path, &snapshot{ws: ws, since: since, at: time.Now()})
	}
	return ws, nil
}
