package cache

import (
	"sync/atomic"
	"unsafe"
)

// nStripes is the number of stripes of a striped counter.
const (
	stripeBits = 4
	nStripes   = 1 << stripeBits
)

// stripes is a counter that goroutines on different cores add to without
// sharing a cache line, so that counting hits does not serialize parallel
// readers: each add goes to the stripe of its goroutine's stack address.
// Each stripe is an atomic counter, so the sum is exact whatever the
// stripe; the address only spreads the contention.
type stripes [nStripes]struct {
	n atomic.Uint64
	_ [56]byte // a stripe per 64-byte cache line
}

// add adds one to the stripe of the calling goroutine.
func (s *stripes) add() {
	var here byte
	// Goroutine stacks are distinct and at least 2 KiB apart; the address
	// is only hashed, never used as a pointer.
	p := uint64(uintptr(unsafe.Pointer(&here)))
	s[(p>>11)*0x9e3779b97f4a7c15>>(64-stripeBits)].n.Add(1)
}

// load is the sum of the stripes.
func (s *stripes) load() uint64 {
	var n uint64
	for i := range s {
		n += s[i].n.Load()
	}
	return n
}
