package cache

import (
	"sync"
	"testing"
	"time"
)

// TestCoarseClock: the coarse clock never runs ahead of the time, starts
// on the first read, and Close stops its goroutine for good.
func TestCoarseClock(t *testing.T) {
	cc := newCoarseClock()
	if cc.running() {
		t.Fatal("running before any read")
	}
	for range 1000 {
		n := cc.Nanos()
		if now := time.Now().UnixNano(); n > now {
			t.Fatalf("coarse time %d is ahead of the time %d", n, now)
		}
	}
	if !cc.running() {
		t.Error("not running after reads")
	}
	cc.Close()
	if cc.running() {
		t.Error("running after Close")
	}
	cc.Nanos() // after Close: exact time, no goroutine
	if cc.running() {
		t.Error("restarted after Close")
	}
}

// TestCoarseClockIdle: the goroutine stops after clockIdle ticks without a
// read, and the next read starts it again.
func TestCoarseClockIdle(t *testing.T) {
	cc := newCoarseClock()
	defer cc.Close()
	cc.Nanos()
	for cc.running() { // stops by itself, after about a second
		time.Sleep(clockTick)
	}
	cc.Nanos()
	if !cc.running() {
		t.Error("not restarted by a read")
	}
}

// TestStripesExact: concurrent adds to a striped counter are all counted.
func TestStripesExact(t *testing.T) {
	var s stripes
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10000 {
				s.add()
			}
		}()
	}
	wg.Wait()
	if got := s.load(); got != 80000 {
		t.Errorf("8 goroutines × 10,000 adds: %d", got)
	}
}
