package abeja

import "time"

// SetSnapshotTTL changes how long a listing's read serves its next pages,
// for a test that would otherwise wait; it returns what restores it.
func SetSnapshotTTL(d time.Duration) (restore func()) {
	old := snapshotTTL
	snapshotTTL = d
	return func() { snapshotTTL = old }
}
