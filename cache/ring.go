package cache

// ring is the CLOCK list of the entries, an approximation of LRU that costs
// a hit no lock: a hit sets the entry's reference bit; the victim is the
// first entry from the hand whose bit is clear, clearing the bits it passes
// (a second chance). Under Cache.mu.
type ring struct {
	hand *entry // next to examine; nil when empty
	n    int
}

// add inserts e just behind the hand: the last to be examined.
func (r *ring) add(e *entry) {
	if r.hand == nil {
		e.prev, e.next = e, e
		r.hand = e
	} else {
		h := r.hand
		e.prev, e.next = h.prev, h
		h.prev.next = e
		h.prev = e
	}
	r.n++
}

// remove unlinks e.
func (r *ring) remove(e *entry) {
	if e.next == nil {
		return
	}
	if r.n == 1 {
		r.hand = nil
	} else {
		if r.hand == e {
			r.hand = e.next
		}
		e.prev.next = e.next
		e.next.prev = e.prev
	}
	e.prev, e.next = nil, nil
	r.n--
}

// victim returns the entry to evict (nil when empty).
func (r *ring) victim() *entry {
	for range 2*r.n + 1 {
		e := r.hand
		if e == nil {
			return nil
		}
		r.hand = e.next
		if !e.ref.Load() {
			return e
		}
		e.ref.Store(false)
	}
	return r.hand
}
