//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/polysecret/secrets"
)

// TestSeesChanges: a store that has read the file sees, on its next read,
// every way the file can change under it: another store's write (a
// rename), an older copy renamed over it, an older copy written in place,
// and its deletion.
func TestSeesChanges(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// change changes the file; old is a copy of it when K was "old".
		change func(t *testing.T, path, url string, old []byte)
		want   string // K's value afterwards; "" for NotFound
	}{
		{name: "another store writes", want: "new", change: func(t *testing.T, _, url string, _ []byte) {
			st, err := secrets.OpenStore(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Modify(ctx, "K", secrets.Update{Value: new("new")}); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "renamed over", want: "old", change: func(t *testing.T, path, _ string, old []byte) {
			tmp := path + ".restore"
			if err := os.WriteFile(tmp, old, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(tmp, path); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "rewritten in place", want: "old", change: func(t *testing.T, path, _ string, old []byte) {
			if err := os.WriteFile(path, old, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "deleted", want: "", change: func(t *testing.T, path, _ string, _ []byte) {
			if err := os.Remove(path); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, _ := newKey(t, dir)
			path := filepath.Join(dir, "s.secrets")
			url := storeURL(path, keyPath)
			st, err := secrets.OpenStore(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "old"}); err != nil {
				t.Fatal(err)
			}
			old, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := st.Modify(ctx, "K", secrets.Update{Value: new("mid")}); err != nil {
				t.Fatal(err)
			}
			if v, err := st.Value(ctx, "K"); err != nil || v != "mid" {
				t.Fatalf("before: %q, %v", v, err)
			}
			tt.change(t, path, url, old)
			v, err := st.Value(ctx, "K")
			switch {
			case tt.want == "" && secrets.ErrorCode(err) != secrets.NotFound:
				t.Errorf("after: %q, %v; want NotFound", v, err)
			case tt.want != "" && (err != nil || v != tt.want):
				t.Errorf("after: %q, %v; want %q", v, err, tt.want)
			}
		})
	}
}
