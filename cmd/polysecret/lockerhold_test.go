package main

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets/locker/lockertest"
)

// holdKey is the script's hold in testscript.Env.Values.
type holdKey struct{}

// hold lets a script stop the writes to its lockertest server at an exact
// point, so that it can kill the copy that is writing there.
type hold struct {
	mu      sync.Mutex
	held    chan struct{} // closed when the first write is held
	release chan struct{} // closed by "lockerhold off"
}

// holdWait bounds every wait of lockerhold: a script never hangs.
const holdWait = 60 * time.Second

// cmdLockerhold: "lockerhold N" lets the next N writes (requests other than
// GET) through and holds every later one until "lockerhold off" (or its
// client goes away, or holdWait passes); "lockerhold wait" returns once a
// write is held.
func cmdLockerhold(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: lockerhold N|wait|off")
	}
	srv := ts.Value(lockerKey{}).(*lockertest.Server)
	h := ts.Value(holdKey{}).(*hold)
	h.mu.Lock()
	defer h.mu.Unlock()
	switch args[0] {
	case "wait":
		if h.held == nil {
			ts.Fatalf("lockerhold wait: no hold set")
		}
		select {
		case <-h.held:
		case <-time.After(holdWait):
			ts.Fatalf("lockerhold wait: no write held after %v", holdWait)
		}
		return
	case "off":
		srv.OnRequest(nil)
		if h.release != nil {
			close(h.release)
		}
		h.held, h.release = nil, nil
		return
	}
	n, err := strconv.Atoi(args[0])
	ts.Check(err)
	held, release := make(chan struct{}), make(chan struct{})
	h.held, h.release = held, release
	var writes atomic.Int64
	var once sync.Once
	srv.OnRequest(func(r *http.Request) {
		if r.Method == http.MethodGet || writes.Add(1) <= int64(n) {
			return
		}
		once.Do(func() { close(held) })
		select {
		case <-release:
		case <-r.Context().Done():
		case <-time.After(holdWait):
		}
	})
}
