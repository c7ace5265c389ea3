//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/file"
)

// TestNew: New opens a store on a path with an identity from Options; it
// needs the identity; ReadOnly and Environment apply; a store on a missing
// file reads as empty and creates nothing until its first write.
func TestNew(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, id := newKey(t, dir)
	path := filepath.Join(dir, "new.secrets")

	if _, err := file.New(path, file.Options{}); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("New without an identity: %v, want InvalidArgument", err)
	}
	ro, err := file.New(path, file.Options{Identity: id, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Get(ctx, "K"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("Get on a missing file: %v, want NotFound", err)
	}
	if _, err := ro.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); !errors.Is(err, secrets.ErrReadOnly) {
		t.Errorf("Create on a read-only store: %v, want ErrReadOnly", err)
	}
	for _, p := range []string{path, path + ".lock"} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s exists before any write (%v)", p, err)
		}
	}
	rw, err := file.New(path, file.Options{Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if _, err := rw.CreateEnvironment(ctx, secrets.Environment{Name: "dev"}); err != nil {
		t.Fatal(err)
	}
	if _, err := rw.In("dev").Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	dev, err := file.New(path, file.Options{Identity: id, Environment: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer dev.Close()
	if v, err := dev.Value(ctx, "K"); err != nil || v != "v" {
		t.Errorf("Value in dev: %q, %v", v, err)
	}
	if v, err := ro.In("dev").Value(ctx, "K"); err != nil || v != "v" {
		t.Errorf("the read-only store does not see the write: %q, %v", v, err)
	}
}

// TestURLOpenerOptions: a URLOpener's Options.Identity serves URLs without
// an identity, and its ReadOnly makes the stores read-only.
func TestURLOpenerOptions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, id := newKey(t, dir)
	t.Setenv(file.IdentityEnv, "")
	mux := new(secrets.URLMux)
	mux.Register(file.Scheme, &file.URLOpener{Options: file.Options{Identity: id, ReadOnly: true}})
	st, err := mux.OpenStore(ctx, "file://"+filepath.Join(dir, "o.secrets"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.ReadOnly() {
		t.Error("the store is not read-only")
	}
}
