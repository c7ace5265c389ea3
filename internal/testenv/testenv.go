// Package testenv holds what the drivers' tests share about the real
// servers they run against.
package testenv

import (
	"net"
	"os"
	"testing"
)

// CI reports whether the tests run under CI=true, where a missing server is
// a failure, never a skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Require stops t when a test server is not available: t.Skip with reason
// normally, t.Fatal under CI=true.
func Require(t testing.TB, available bool, reason string) {
	t.Helper()
	if available {
		return
	}
	if CI() {
		t.Fatalf("CI=true but the test server is missing: %s", reason)
	}
	t.Skip(reason)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
