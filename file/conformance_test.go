//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"

	"filippo.io/age"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	_ "github.com/polysecret/secrets/file"
)

var fileCaps = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
	Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true}

// newKey writes a new identity file in dir and returns its path and the
// identity.
func newKey(t testing.TB, dir string) (string, *age.X25519Identity) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "key-"+strconv.Itoa(int(keySeq.Add(1)))+".txt")
	if err := os.WriteFile(p, []byte("# created: test\n# public key: "+id.Recipient().String()+"\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, id
}

var keySeq atomic.Int64

func storeURL(path, keyPath string) string {
	return (&url.URL{Scheme: "file", Path: path, RawQuery: url.Values{"identity": {keyPath}}.Encode()}).String()
}

func TestConformance(t *testing.T) {
	dir := t.TempDir()
	key, _ := newKey(t, dir)
	var n atomic.Int64
	conformance.Run(t, conformance.Harness{
		New: conformance.ByURL(func() string {
			return storeURL(filepath.Join(dir, "s"+strconv.Itoa(int(n.Add(1)))+".secrets"), key)
		}),
		Want:        fileCaps,
		Concurrency: 8,
	})
}
