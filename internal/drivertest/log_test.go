package drivertest

import (
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLog: concurrent Adds all land (run under -race), Take returns them
// once, and a Take with nothing added since returns nil.
func TestLog(t *testing.T) {
	var l Log[int]
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				l.Add(g)
			}
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, v := range l.Take() {
		count[v]++
	}
	if diff := cmp.Diff(map[int]int{0: 25, 1: 25, 2: 25, 3: 25}, count); diff != "" {
		t.Errorf("taken (-want +got):\n%s", diff)
	}
	if got := l.Take(); got != nil {
		t.Errorf("second Take = %v, want nil", got)
	}
	l.Add(7)
	if diff := cmp.Diff([]int{7}, l.Take()); diff != "" {
		t.Errorf("Take after Add (-want +got):\n%s", diff)
	}
}
