package backend

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestClientAPIBase: the given base wins over the environment, which wins
// over the default; the base is checked and loses its trailing slash.
func TestClientAPIBase(t *testing.T) {
	t.Setenv("DRV_API_URL", "http://env.example.com/")
	r := APIURLRules{Driver: "drv"}
	type result struct {
		Base string
		Code Code
	}
	for _, tc := range []struct {
		name, given, env, def string
		want                  result
	}{
		{"given", "https://given.example.com/v1/", "DRV_API_URL", "https://def.example.com", result{Base: "https://given.example.com/v1"}},
		{"environment", "", "DRV_API_URL", "https://def.example.com", result{Base: "http://env.example.com"}},
		{"default", "", "", "https://def.example.com", result{Base: "https://def.example.com"}},
		{"none", "", "", "", result{Code: InvalidArgument}},
		{"not http", "ftp://given.example.com", "", "", result{Code: InvalidArgument}},
		{"query", "https://given.example.com?x=1", "", "", result{Code: InvalidArgument}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base, err := ClientAPIBase(tc.given, tc.env, tc.def, "the API URL", r)
			got := result{Base: base, Code: Classify(err, nil)}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("ClientAPIBase (-want +got):\n%s", d)
			}
		})
	}
}
