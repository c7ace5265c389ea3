package cache

import (
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// clockTick is the resolution of the coarse clock hits read: an entry may
// be served about this long past its TTL — more if the process is starved
// or paused, since the clock's goroutine then lags — but never past the
// secret's ExpiresAt, which a hit checks with the exact time.
const clockTick = 10 * time.Millisecond

// clockIdle: the coarse clock's goroutine stops after this many ticks
// without a read, and the next read starts it again.
const clockIdle = 100

// coarseClock is a time read without a system call on the hit path
// (time.Now costs more than the rest of a hit on some virtual machines): a
// goroutine stores the time every clockTick while the cache is read.
type coarseClock struct {
	now   atomic.Int64 // Unix nanoseconds
	state atomic.Int32 // clockRunning | clockUsed: one load on the hot path

	mu     sync.Mutex
	closed bool
	stop   chan struct{}
	wg     sync.WaitGroup
}

// Bits of coarseClock.state.
const (
	clockRunning = 1 // the goroutine runs: now is kept up to date
	clockUsed    = 2 // read since the last tick
)

func newCoarseClock() *coarseClock { return &coarseClock{stop: make(chan struct{})} }

// Nanos returns the time, within clockTick.
func (cc *coarseClock) Nanos() int64 {
	if cc.state.Load() == clockRunning|clockUsed { // the usual case
		return cc.now.Load()
	}
	return cc.slow()
}

// quick is Nanos's usual case, for a hit without a call (cc may be nil:
// Options.Clock): the time while the goroutine runs and has been read
// since its last tick, else math.MaxInt64, which no entry is fresh before,
// so that the caller asks Nanos (or Options.Clock).
func (cc *coarseClock) quick() int64 {
	if cc != nil && cc.state.Load() == clockRunning|clockUsed {
		return cc.now.Load()
	}
	return math.MaxInt64
}

// running reports whether the goroutine runs.
func (cc *coarseClock) running() bool { return cc.state.Load()&clockRunning != 0 }

// slow is Nanos when the goroutine is not running, or when this is the
// first read since its last tick.
func (cc *coarseClock) slow() int64 {
	if !cc.running() {
		return cc.start()
	}
	cc.state.Or(clockUsed)
	return cc.now.Load()
}

// start starts the goroutine (unless closed or already running) and
// returns the exact time.
func (cc *coarseClock) start() int64 {
	now := time.Now().UnixNano()
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.closed || cc.running() {
		return now
	}
	cc.now.Store(now)
	cc.state.Store(clockRunning | clockUsed)
	cc.wg.Add(1)
	go cc.run()
	return now
}

func (cc *coarseClock) run() {
	defer cc.wg.Done()
	t := time.NewTicker(clockTick)
	defer t.Stop()
	idle := 0
	for {
		select {
		case <-cc.stop:
			cc.state.Store(0)
			return
		case now := <-t.C:
			cc.now.Store(now.UnixNano())
			if cc.state.And(^int32(clockUsed))&clockUsed != 0 {
				idle = 0
				continue
			}
			if idle++; idle >= clockIdle {
				cc.mu.Lock()
				cc.state.Store(0)
				cc.mu.Unlock()
				return
			}
		}
	}
}

// Close stops the goroutine for good.
func (cc *coarseClock) Close() {
	cc.mu.Lock()
	if !cc.closed {
		cc.closed = true
		close(cc.stop)
	}
	cc.mu.Unlock()
	cc.wg.Wait()
}
