package secrets

import "time"

// SetWatchAfter replaces Watch's wait between polls; the result restores it.
func SetWatchAfter(f func(time.Duration) <-chan time.Time) (restore func()) {
	pollers.Lock()
	defer pollers.Unlock()
	old := watchAfter
	watchAfter = f
	return func() {
		pollers.Lock()
		defer pollers.Unlock()
		watchAfter = old
	}
}

// WatchPollers returns the number of shared pollers running.
func WatchPollers() int {
	pollers.Lock()
	defer pollers.Unlock()
	return len(pollers.m)
}
