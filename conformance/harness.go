// Package conformance is the one test suite every polysecret driver passes.
// A driver's tests call [Run] once:
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Harness{New: newHarness, Want: wantCaps, …})
//	}
//
// The suite covers every operation and error code of the portable API
// (DESIGN.md §3–4): scopes and the global fallback, binary and Unicode
// values, the 64 KiB limit, listing of more secrets than a page in several
// environments (each exactly once, under every filter), concurrent Modify
// from two Stores on one secret, delete-then-recreate, environment rules,
// cancellation, As/ErrorAs, read-only stores, and that no error, fmt or slog
// output contains a secret's value. What a driver does not declare in its
// Capabilities is checked to answer Unimplemented instead.
package conformance

import (
	"context"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

// Opener opens a new Store (a new connection, a new driver) onto the
// isolated backend a Harness.New call made. The suite closes what it opens.
type Opener func(t *testing.T) *secrets.Store

// Harness tells the suite how to reach a driver.
type Harness struct {
	// New makes a fresh, isolated backend for one test (a new prefix, a
	// reset server, a new memory store) and returns how to open Stores on
	// it. Every Store an Opener returns sees the same secrets. Stores open in
	// the global scope, read-write.
	New func(t *testing.T) Opener
	// Want is the Capabilities the driver must declare: the suite fails if
	// the driver declares anything else, so a capability cannot silently
	// disappear.
	Want backend.Capabilities
	// CheckAs, if set, checks that s.As reaches the driver's client.
	CheckAs func(t *testing.T, s *secrets.Store)
	// CheckErrorAs, if set, checks that s.ErrorAs reaches the driver's error
	// type inside err, an error of code NotFound that s returned from Get.
	CheckErrorAs func(t *testing.T, s *secrets.Store, err error)
	// FlatKeys: the backend's names have no "/" (ABEJA: A-Z a-z 0-9 _ -),
	// and the driver refuses every key with a "/" segment as
	// InvalidArgument naming its rule, before any request
	// (backend.KeyChecker). HierarchicalKeys then checks that refusal
	// instead of storing such keys.
	FlatKeys bool
	// Concurrency is the number of goroutines per Store in the concurrent
	// Modify test (default 8).
	Concurrency int
}

// ByURL is a Harness.New for a driver opened by URL: each test gets a
// fresh URL from newURL (a new prefix), and every Opener call opens a Store
// on it through the default URLMux.
func ByURL(newURL func() string) func(t *testing.T) Opener {
	return func(t *testing.T) Opener {
		u := newURL()
		return func(t *testing.T) *secrets.Store {
			st, err := secrets.OpenStore(context.Background(), u)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
	}
}
