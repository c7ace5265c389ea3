package restapi_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/restapi"
)

// TestCapabilitiesRoundTrip: every field of secrets.Capabilities, alone,
// survives the capabilities endpoint's JSON — so that a capability added
// to the library and not to the wire fails here.
func TestCapabilitiesRoundTrip(t *testing.T) {
	n := reflect.TypeFor[secrets.Capabilities]().NumField()
	for i := range n {
		var c secrets.Capabilities
		f := reflect.ValueOf(&c).Elem().Field(i)
		if f.Kind() != reflect.Bool {
			t.Fatalf("Capabilities.%s is not a bool: extend the wire", reflect.TypeFor[secrets.Capabilities]().Field(i).Name)
		}
		f.SetBool(true)
		b, err := json.Marshal(restapi.CapabilitiesToJSON(c))
		if err != nil {
			t.Fatal(err)
		}
		var j restapi.CapabilitiesJSON
		if err := json.Unmarshal(b, &j); err != nil {
			t.Fatal(err)
		}
		if got := restapi.CapabilitiesFromJSON(j); got != c {
			t.Errorf("Capabilities.%s lost on the wire: %+v", reflect.TypeFor[secrets.Capabilities]().Field(i).Name, got)
		}
	}
}
