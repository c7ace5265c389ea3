package awssm

import "time"

// SetForcedDeleteWait shortens Create's wait for a forced deletion in tests.
func SetForcedDeleteWait(d []time.Duration) (restore func()) {
	old := forcedDeleteWait
	forcedDeleteWait = d
	return func() { forcedDeleteWait = old }
}
