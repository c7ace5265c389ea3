package testserver

import "slices"

// Find returns the first of xs that match says is the one (a stored
// record by id or name), or nil.
func Find[T any](xs []*T, match func(*T) bool) *T {
	if i := slices.IndexFunc(xs, match); i >= 0 {
		return xs[i]
	}
	return nil
}
