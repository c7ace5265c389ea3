package cache

import "time"

// FreezeCoarseClock stops c's coarse clock at t, as a clock whose goroutine
// does not run (a stopped or starved process) would be: hits read t until
// Close.
func FreezeCoarseClock(c *Cache, t time.Time) {
	c.coarse.Close()
	c.coarse.state.Store(clockRunning | clockUsed)
	c.coarse.now.Store(t.UnixNano())
}
