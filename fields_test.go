package secrets

import (
	"strings"
	"testing"

	"github.com/polysecret/secrets/backend"
)

// FuzzSelectField: any value and field either select something or fail
// with InvalidArgument or NotFound, and no error quotes the value.
func FuzzSelectField(f *testing.F) {
	for _, seed := range [][2]string{{`{"a":"b"}`, "a"}, {`{"a":1}`, "b"}, {`[1,2]`, "0"}, {`"str"`, "x"}, {`{"a":{"b":null}}`, "a"}, {"\xff", "a"}, {`{"":"e"}`, ""}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, value, field string) {
		if validateField(field) != nil {
			return
		}
		sec := &Secret{Key: "K", Value: value}
		out, err := selectField(sec, field)
		if err != nil {
			if c := backend.Classify(err, nil); c != InvalidArgument && c != NotFound {
				t.Fatalf("code %v", c)
			}
			if len(value) > 3 && strings.Contains(err.Error(), value) {
				t.Fatalf("error quotes the value: %v", err)
			}
			return
		}
		if out.Key != "K" || sec.Value != value {
			t.Fatal("selectField changed its input or the key")
		}
	})
}
