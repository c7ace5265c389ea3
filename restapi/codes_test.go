package restapi_test

import (
	"testing"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/restapi"
)

// TestCodesRoundTrip: every code has its own API code, and ParseCode maps
// it back (1:1).
func TestCodesRoundTrip(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range backend.Codes() {
		name := restapi.CodeName(c)
		if seen[name] {
			t.Errorf("%v: code %q used twice", c, name)
		}
		seen[name] = true
		if got, ok := restapi.ParseCode(name); !ok || got != c {
			t.Errorf("ParseCode(CodeName(%v)) = %v, %v", c, got, ok)
		}
		if s := restapi.HTTPStatus(c); s < 400 {
			t.Errorf("%v: status %d", c, s)
		}
	}
	if _, ok := restapi.ParseCode("teapot"); ok {
		t.Error("ParseCode accepted an unknown code")
	}
}
