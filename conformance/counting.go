package conformance

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/polysecret/secrets/backend"
)

// counter is a middleware written against backend.Interceptor as an
// application would write one: it counts every driver call by operation and
// outcome. The suite wraps every Store it opens with it, so the whole suite
// also checks that a middleware keeps the driver's capabilities and
// optional interfaces (Ping, Put, Values) intact.
type counter struct {
	mu    sync.Mutex
	calls map[string]int // "Op" and "Op:Code"
}

func (c *counter) intercept(ctx context.Context, call *backend.Call, next func(context.Context) error) error {
	err := next(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.calls == nil {
		c.calls = map[string]int{}
	}
	c.calls[call.Op]++
	if err != nil {
		c.calls[call.Op+":"+call.Code(err).String()]++
	}
	return err
}

// check fails t unless every core operation went through the middleware.
func (c *counter) check(t *testing.T, caps backend.Capabilities) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ops []string
	for op, n := range c.calls {
		if n > 0 {
			ops = append(ops, op)
		}
	}
	sort.Strings(ops)
	want := []string{"Get", "Create", "Modify", "ListPage", "Get:NotFound", "Create:AlreadyExists"}
	if !caps.GlobalOnly { // otherwise the portable layer answers them itself
		want = append(want, "ListEnvironments", "GetEnvironment")
	}
	if !caps.FixedEnvironments && !caps.GlobalOnly {
		want = append(want, "CreateEnvironment", "ModifyEnvironment")
	}
	for _, op := range want {
		if c.calls[op] == 0 {
			t.Errorf("the counting middleware saw no %s call (saw %v)", op, ops)
		}
	}
}

// total is the number of driver calls seen so far.
func (c *counter) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for op, k := range c.calls {
		if !strings.Contains(op, ":") {
			n += k
		}
	}
	return n
}
