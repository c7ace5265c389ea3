package drivertest

import "sync"

// Log is what a test records from several goroutines — a server's request
// hook, a RoundTripper, a middleware — and takes in turns: Add appends, Take
// returns what was added since the last Take.
type Log[T any] struct {
	mu    sync.Mutex
	items []T
}

// Add appends v.
func (l *Log[T]) Add(v T) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items = append(l.items, v)
}

// Take returns what was added since the last Take (nil for nothing) and
// empties the log.
func (l *Log[T]) Take() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	items := l.items
	l.items = nil
	return items
}
