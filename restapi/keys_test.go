package restapi_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/polysecret/secrets/restapi"
)

const hashA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
const hashB = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"

func TestParseKeys(t *testing.T) {
	tests := []struct {
		name, doc, err string
	}{
		{"OK", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["prod","_global"]},
			{"id":"b","sha256":"` + hashB + `","access":"read-write","values":true,"environments":["*"],"rate":5,"burst":10}]}`, ""},
		{"NotJSON", `keys: []`, "syntax error"},
		{"Trailing", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["*"]}]} {}`, "data after"},
		{"NoKeys", `{"keys":[]}`, "no keys"},
		{"DotDotID", `{"keys":[{"id":"..","sha256":"` + hashA + `","access":"read","environments":["*"]}]}`, "id must be"},
		{"UnknownField", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["*"],"secret":"x"}]}`, "unknown field"},
		{"BadID", `{"keys":[{"id":"a b","sha256":"` + hashA + `","access":"read","environments":["*"]}]}`, "id must be"},
		{"ShortHash", `{"keys":[{"id":"a","sha256":"abcd","access":"read","environments":["*"]}]}`, "64 hex digits"},
		{"BadAccess", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"admin","environments":["*"]}]}`, "access must be"},
		{"NoEnvironments", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read"}]}`, "environments is empty"},
		{"BadEnvironment", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["_x"]}]}`, "is not"},
		{"DuplicateID", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["*"]},{"id":"a","sha256":"` + hashB + `","access":"read","environments":["*"]}]}`, "given twice"},
		{"DuplicateHash", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["*"]},{"id":"b","sha256":"` + hashA + `","access":"read","environments":["*"]}]}`, "hash of another"},
		{"NegativeRate", `{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["*"],"rate":-1}]}`, "negative"},
		{"NullKey", `{"keys":[null]}`, "null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			keys, err := restapi.ParseKeys([]byte(tc.doc))
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("ParseKeys: %v", err)
			case tc.err == "" && len(keys) != 2:
				t.Fatalf("got %d keys", len(keys))
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("error %v, want one containing %q", err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), hashA) {
				t.Errorf("the error quotes a hash: %v", err)
			}
		})
	}
}

func TestLoadKeysAndNewKeySecret(t *testing.T) {
	sec, hash, err := restapi.NewKeySecret()
	if err != nil || !strings.HasPrefix(sec, "psk_") || len(sec) != 4+43 || restapi.HashKeySecret(sec) != hash {
		t.Fatalf("NewKeySecret: %q %q %v", sec, hash, err)
	}
	p := filepath.Join(t.TempDir(), "keys.json")
	if err := os.WriteFile(p, []byte(`{"keys":[{"id":"k","sha256":"`+hash+`","access":"read","environments":["*"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	keys, err := restapi.LoadKeys(p)
	if err != nil || len(keys) != 1 || keys[0].ID != "k" {
		t.Fatalf("LoadKeys: %v %v", keys, err)
	}
	if _, err := restapi.LoadKeys(p + ".missing"); err == nil {
		t.Error("LoadKeys of a missing file succeeded")
	}
}

func FuzzParseKeys(f *testing.F) {
	f.Add([]byte(`{"keys":[{"id":"a","sha256":"` + hashA + `","access":"read","environments":["prod","_global"]}]}`))
	f.Add([]byte(`{"keys":[{"id":"b","sha256":"` + hashB + `","access":"read-write","values":true,"environments":["*"],"rate":5}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		keys, err := restapi.ParseKeys(doc)
		if err != nil {
			if keys != nil {
				t.Fatal("keys with an error")
			}
			return
		}
		ids := map[string]bool{}
		for _, k := range keys {
			if k.ID == "" || ids[k.ID] || len(k.SHA256) != 64 || (k.Access != restapi.Read && k.Access != restapi.ReadWrite) || len(k.Environments) == 0 {
				t.Fatalf("accepted an invalid key %+v", k)
			}
			ids[k.ID] = true
		}
	})
}

// TestSetKeys: replacing the keys takes effect at once: a removed key is
// 401, an added one works.
func TestSetKeys(t *testing.T) {
	f := newFixture(t, restapi.Limits{})
	if r := f.do(t, "GET", "/v1/admin/capabilities", "reader", nil); r.status != 200 {
		t.Fatalf("before: %d", r.status)
	}
	sec, hash, _ := restapi.NewKeySecret()
	keys, err := restapi.ParseKeys([]byte(`{"keys":[{"id":"new","sha256":"` + hash + `","access":"read","environments":["*"]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.g.Handler.SetKeys(keys); err != nil {
		t.Fatal(err)
	}
	if r := f.do(t, "GET", "/v1/admin/capabilities", "reader", nil); r.status != 401 {
		t.Errorf("a removed key: %d", r.status)
	}
	f.g.Secrets["new"] = sec
	if r := f.do(t, "GET", "/v1/admin/capabilities", "new", nil); r.status != 200 {
		t.Errorf("an added key: %d %s", r.status, r.body)
	}
	if err := f.g.Handler.SetKeys(nil); err == nil {
		t.Error("SetKeys(nil) succeeded")
	}
}
