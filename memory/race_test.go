//go:build race

package memory_test

// The race detector's instrumentation allocates: allocation counts are
// checked only without it.
func init() { raceEnabled = true }
