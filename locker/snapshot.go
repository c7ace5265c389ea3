package locker

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"time"
)

// Reads of a listed scope, and their snapshots.
//
// Consistency of one read. A read of several server pages is consistent
// only if nothing changed between them: a record moved out or deleted
// before the current page shifts a later one onto a page already read,
// unseen. readScope takes the project's change stamp — its last-change
// date (/v1/sync/revision_date) and last-deletion date
// (/v1/sync/deleted_item_date), the two values the official SDKs compare
// to validate their own cache — before the read and, when the read took
// several pages, after it; a different stamp (or a count that moved
// between pages) starts the read over.
//
// Reuse across pages. The first page of a listing reads its scope whole;
// the following pages reuse that read while the stamp is the one taken
// before it: two small requests instead of a read. A change anywhere in
// the project, an older read (snapshotTTL), or a first page that was also
// the last (nothing to continue) means no reuse. A snapshot holds
// ciphertexts only, never plaintext.

// snapshotTTL bounds how long a listing reuses one read.
const snapshotTTL = time.Minute

// maxSnapshots bounds the reads kept (the oldest goes first).
const maxSnapshots = 16

// stamp is the project's last-change and last-deletion dates, as the
// server writes them.
type stamp struct{ rev, del string }

func (c *Client) stamp(ctx context.Context) (stamp, error) {
	var rev, del json.Number
	if err := c.do(ctx, "GET", "/v1/sync/revision_date", nil, &rev); err != nil {
		return stamp{}, err
	}
	if err := c.do(ctx, "GET", "/v1/sync/deleted_item_date", nil, &del); err != nil {
		return stamp{}, err
	}
	return stamp{string(rev), string(del)}, nil
}

type snapshot struct {
	ws    []wireSecret // ordered by id, without duplicates; read-only
	stamp stamp        // taken before the read
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

// readScope reads a list path whole, consistently (see above), ordered by
// id, with the stamp taken before the read.
func (d *driver) readScope(ctx context.Context, path string) ([]wireSecret, stamp, error) {
	for try := 0; ; try++ {
		before, err := d.c.stamp(ctx)
		if err != nil {
			return nil, stamp{}, err
		}
		ws, pages, err := listOnce[wireSecret](ctx, d.c, path)
		if err == nil && pages > 1 {
			var after stamp
			if after, err = d.c.stamp(ctx); err == nil && after != before {
				err = errListChanged
			}
		}
		if errors.Is(err, errListChanged) {
			if try == listRereads {
				return nil, stamp{}, errKeptChanging(try+1, err)
			}
			continue
		}
		if err != nil {
			return nil, stamp{}, err
		}
		slices.SortFunc(ws, func(a, b wireSecret) int { return idCmp(a.ID, b.ID) })
		ws = slices.CompactFunc(ws, func(a, b wireSecret) bool { return a.ID == b.ID })
		return ws, before, nil
	}
}

// scope returns the records of a list path ordered by id: for a
// continuation page, the listing's snapshot if the project has not
// changed since it; otherwise a new read, kept for the pages that follow.
func (d *driver) scope(ctx context.Context, path string, continuation bool) ([]wireSecret, *snapshot, error) {
	if continuation {
		if sn := d.snaps.get(path); sn != nil {
			now, err := d.c.stamp(ctx)
			if err != nil {
				return nil, nil, err
			}
			if now == sn.stamp {
				return sn.ws, sn, nil
			}
		}
	}
	ws, st, err := d.readScope(ctx, path)
	if err != nil {
		return nil, nil, err
	}
	return ws, &snapshot{ws: ws, stamp: st, at: time.Now()}, nil
}
