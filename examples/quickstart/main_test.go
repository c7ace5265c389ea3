package main

import (
	"context"
	"testing"
)

// TestQuickstart runs the quickstart twice on one store: the second run
// must not meet the first one's secrets, and each cleans up after itself.
func TestQuickstart(t *testing.T) {
	for range 2 {
		if err := run(context.Background(), "mem://quickstart-test"); err != nil {
			t.Fatal(err)
		}
	}
}
