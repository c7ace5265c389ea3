//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// benchFile writes a store of n global secrets (one version each, 32-byte
// values, a label) at dir/bench.secrets and returns its URL.
func benchFile(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	keyPath, id := newKey(b, dir)
	type version struct {
		Version string            `json:"version"`
		Value   string            `json:"value"`
		Type    string            `json:"type"`
		Labels  map[string]string `json:"labels"`
	}
	type entry struct {
		Environment string    `json:"environment"`
		Key         string    `json:"key"`
		NextVersion int       `json:"next_version"`
		Versions    []version `json:"versions"`
	}
	doc := struct {
		Format       int      `json:"format"`
		Environments []string `json:"environments"`
		Secrets      []entry  `json:"secrets"`
	}{Format: 1, Environments: []string{}}
	for i := range n {
		doc.Secrets = append(doc.Secrets, entry{Key: fmt.Sprintf("KEY_%05d", i), NextVersion: 2,
			Versions: []version{{Version: "1", Value: "value-of-some-length-0123456789", Type: "generic", Labels: map[string]string{"team": "core"}}}})
	}
	js, err := json.Marshal(doc)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "bench.secrets")
	sealJSON(b, path, id, string(js))
	return storeURL(path, keyPath)
}

// openBench opens a store of n secrets (benchFile), closed when b ends.
func openBench(b *testing.B, n int) *secrets.Store {
	b.Helper()
	st, err := secrets.OpenStore(context.Background(), benchFile(b, n))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}

// BenchmarkGet is Store.Get from an open store of 1,000 secrets: from
// memory, after one stat of the file.
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	st := openBench(b, 1000)
	b.ReportAllocs()
	drivertest.Loop(b, func() error { _, err := st.Get(ctx, "KEY_00500"); return err })
}

// BenchmarkValue is Store.Value, the hot path, on the same store.
func BenchmarkValue(b *testing.B) {
	ctx := context.Background()
	st := openBench(b, 1000)
	b.ReportAllocs()
	drivertest.Loop(b, func() error { _, err := st.Value(ctx, "KEY_00500"); return err })
}

// BenchmarkCreate is Create of one secret in a store of 1,000: the whole
// file encrypted and written, fsync of the file and of its directory.
func BenchmarkCreate(b *testing.B) {
	ctx := context.Background()
	st := openBench(b, 1000)
	i := 0
	for b.Loop() {
		i++
		if _, err := st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("NEW_%06d", i), Value: "v"}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpen10000 is OpenStore of a file of 10,000 secrets: read,
// decrypt, parse.
func BenchmarkOpen10000(b *testing.B) {
	ctx := context.Background()
	url := benchFile(b, 10000)
	for b.Loop() {
		st, err := secrets.OpenStore(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}
