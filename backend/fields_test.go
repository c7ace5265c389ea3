package backend_test

import (
	"strings"
	"testing"

	"github.com/polysecret/secrets/backend"
)

func TestSetJSONField(t *testing.T) {
	for _, tc := range []struct {
		name, obj, field, value string
		want                    string
		code                    backend.Code
	}{
		{name: "set", obj: `{"b":1,"a":"x"}`, field: "a", value: "y", want: `{"a":"y","b":1}`},
		{name: "add", obj: `{"a":"x"}`, field: "n", value: "v", want: `{"a":"x","n":"v"}`},
		{name: "empty object", obj: `{}`, field: "a", value: "", want: `{"a":""}`},
		{name: "others keep their text", obj: `{"n": 1e3, "o": {"z": [1, 2]}}`, field: "a", value: "v", want: `{"a":"v","n":1e3,"o":{"z":[1,2]}}`},
		{name: "no HTML escaping", obj: `{}`, field: "h", value: "<&>", want: `{"h":"<&>"}`},
		{name: "quotes", obj: `{}`, field: "q", value: `"\`, want: `{"q":"\"\\"}`},
		{name: "not JSON", obj: `LEAK`, field: "a", value: "LEAK", code: backend.InvalidArgument},
		{name: "array", obj: `[1]`, field: "a", value: "LEAK", code: backend.InvalidArgument},
		{name: "null", obj: `null`, field: "a", value: "LEAK", code: backend.InvalidArgument},
		{name: "string", obj: `"s"`, field: "a", value: "LEAK", code: backend.InvalidArgument},
		{name: "bad UTF-8", obj: `{}`, field: "a", value: "LEAK\xff", code: backend.InvalidArgument},
		{name: "too big", obj: `{"a":"` + strings.Repeat("LEAK", (backend.MaxValueLen-10)/4) + `"}`, field: "b", value: "LEAK", code: backend.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := backend.SetJSONField(tc.obj, tc.field, tc.value)
			if tc.code != 0 {
				if backend.Classify(err, nil) != tc.code {
					t.Fatalf("got %q, %v; want code %v", got, err, tc.code)
				}
				if strings.Contains(err.Error(), "LEAK") {
					t.Errorf("error quotes the value: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}
