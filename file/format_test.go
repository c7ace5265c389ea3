//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// TestAgeDecrypts: the file is an age file that age's own decryption (the
// code of `age -d`) opens, with the identity and with an extra recipient's
// identity, and its content is the documented JSON document.
func TestAgeDecrypts(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, id := newKey(t, dir)
	_, extra := newKey(t, dir)
	path := filepath.Join(dir, "store.secrets")
	st, err := secrets.OpenStore(ctx, storeURL(path, keyPath)+"&recipient="+extra.Recipient().String())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod", Description: "production"}); err != nil {
		t.Fatal(err)
	}
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	if _, err := st.In("prod").Create(ctx, secrets.Secret{Key: "DB", Value: "one", Type: "password",
		Labels: map[string]string{"team": "core"}, Description: "the db", ExpiresAt: exp}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.In("prod").Modify(ctx, "DB", secrets.Update{Value: new("two")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "BIN", Value: "\xff\x00"}); err != nil {
		t.Fatal(err)
	}
	type version struct {
		Version     string            `json:"version"`
		Value       *string           `json:"value"`
		ValueBase64 string            `json:"value_base64"`
		Description string            `json:"description"`
		Type        string            `json:"type"`
		Labels      map[string]string `json:"labels"`
		ExpiresAt   string            `json:"expires_at"`
	}
	type doc struct {
		Format       int `json:"format"`
		Environments []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"environments"`
		Secrets []struct {
			Environment string    `json:"environment"`
			Key         string    `json:"key"`
			NextVersion int       `json:"next_version"`
			Versions    []version `json:"versions"`
		} `json:"secrets"`
	}
	for _, ident := range []*age.X25519Identity{id, extra} {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		r, err := age.Decrypt(f, ident)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		var got doc
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatal(err)
		}
		var want doc
		if err := json.Unmarshal([]byte(`{"format": 1,
			"environments": [{"name": "prod", "description": "production"}],
			"secrets": [
				{"environment": "", "key": "BIN", "next_version": 2, "versions": [
					{"version": "1", "value_base64": "`+base64.StdEncoding.EncodeToString([]byte("\xff\x00"))+`", "type": "generic"}]},
				{"environment": "prod", "key": "DB", "next_version": 3, "versions": [
					{"version": "1", "value": "one", "description": "the db", "type": "password", "labels": {"team": "core"}, "expires_at": "2030-01-02T03:04:05Z"},
					{"version": "2", "value": "two", "description": "the db", "type": "password", "labels": {"team": "core"}, "expires_at": "2030-01-02T03:04:05Z"}]}
			]}`), &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decrypted document (-want +got):\n%s", diff)
		}
	}
	// A new store on the file reads back what was written.
	st2, err := secrets.OpenStore(ctx, storeURL(path, keyPath))
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	for _, c := range []struct{ env, key, want string }{{"", "BIN", "\xff\x00"}, {"prod", "DB", "two"}} {
		s, err := st2.In(c.env).Get(ctx, c.key)
		if err != nil {
			t.Fatal(err)
		}
		if s.Value != c.want || (c.key == "DB" && (!s.ExpiresAt.Equal(exp) || s.Labels["team"] != "core")) {
			t.Errorf("%s/%s read back as %q %v %v", c.env, c.key, s.Value, s.ExpiresAt, s.Labels)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("the store's mode is %v, want 0600", fi.Mode().Perm())
	}
}
