//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/file"
)

// sealJSON writes doc, encrypted to id, as the store at path.
func sealJSON(t testing.TB, path string, id *age.X25519Identity, doc string) {
	t.Helper()
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, id.Recipient())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(doc)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDamagedFile: a wrong identity, a truncated or tampered file, a file
// of a newer format, content that is not the JSON document: each is
// refused with its code, at open and by a store opened before the damage,
// and the file is never overwritten.
func TestDamagedFile(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		damage func(t *testing.T, path string, id *age.X25519Identity, good []byte)
		// other: open with another identity instead of damaging the file.
		other bool
		want  secrets.Code
	}{
		{name: "wrong identity", other: true, want: secrets.PermissionDenied},
		{name: "truncated", want: secrets.Internal, damage: func(t *testing.T, path string, _ *age.X25519Identity, good []byte) {
			if err := os.WriteFile(path, good[:len(good)-40], 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "truncated header", want: secrets.Internal, damage: func(t *testing.T, path string, _ *age.X25519Identity, good []byte) {
			if err := os.WriteFile(path, good[:30], 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "tampered ciphertext", want: secrets.Internal, damage: func(t *testing.T, path string, _ *age.X25519Identity, good []byte) {
			b := bytes.Clone(good)
			b[len(b)-20] ^= 0x01
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "not an age file", want: secrets.Internal, damage: func(t *testing.T, path string, _ *age.X25519Identity, _ []byte) {
			if err := os.WriteFile(path, []byte(`{"format": 1}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "future format", want: secrets.FailedPrecondition, damage: func(t *testing.T, path string, id *age.X25519Identity, _ []byte) {
			sealJSON(t, path, id, `{"format": 2, "environments": [], "secrets": [], "new": true}`)
		}},
		{name: "no format", want: secrets.Internal, damage: func(t *testing.T, path string, id *age.X25519Identity, _ []byte) {
			sealJSON(t, path, id, `{"environments": [], "secrets": []}`)
		}},
		{name: "not JSON", want: secrets.Internal, damage: func(t *testing.T, path string, id *age.X25519Identity, _ []byte) {
			sealJSON(t, path, id, `format = 1`)
		}},
		{name: "secret in an unknown environment", want: secrets.Internal, damage: func(t *testing.T, path string, id *age.X25519Identity, _ []byte) {
			sealJSON(t, path, id, `{"format": 1, "environments": [], "secrets": [{"environment": "x", "key": "K", "next_version": 2, "versions": [{"version": "1", "value": "v"}]}]}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			keyPath, id := newKey(t, dir)
			path := filepath.Join(dir, "store.secrets")
			url := storeURL(path, keyPath)
			st, err := secrets.OpenStore(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "PSV-secret-value"}); err != nil {
				t.Fatal(err)
			}
			if tt.other {
				otherKey, _ := newKey(t, dir)
				url = storeURL(path, otherKey)
			} else {
				good, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				tt.damage(t, path, id, good)
			}
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			check := func(what string, err error) {
				t.Helper()
				if got := secrets.ErrorCode(err); got != tt.want {
					t.Errorf("%s: code %v (%v), want %v", what, got, err, tt.want)
				}
				if err != nil && strings.Contains(err.Error(), "PSV-secret-value") {
					t.Errorf("%s: the error shows the value: %v", what, err)
				}
			}
			_, err = secrets.OpenStore(ctx, url)
			check("open", err)
			if !tt.other {
				// The store opened before the damage finds it on its next
				// read and write.
				_, err = st.Get(ctx, "K")
				check("Get", err)
				_, err = st.Create(ctx, secrets.Secret{Key: "K2", Value: "v"})
				check("Create", err)
				_, err = st.Modify(ctx, "K", secrets.Update{Value: new("w")})
				check("Modify", err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Error("the file was overwritten")
			}
		})
	}
}

// TestURLRefusesKey: an age secret key in any URL parameter is refused,
// and the error does not show it.
func TestURLRefusesKey(t *testing.T) {
	dir := t.TempDir()
	_, id := newKey(t, dir)
	path := filepath.Join(dir, "s.secrets")
	tests := []struct{ name, query string }{
		{"identity", "identity=" + id.String()},
		{"other parameter", "recipient=" + id.String()},
		{"lower case", "identity=" + strings.ToLower(id.String())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := secrets.OpenStore(context.Background(), "file://"+path+"?"+tt.query)
			if secrets.ErrorCode(err) != secrets.InvalidArgument {
				t.Errorf("code %v (%v), want InvalidArgument", secrets.ErrorCode(err), err)
			}
			if err != nil && strings.Contains(strings.ToUpper(err.Error()), strings.ToUpper(id.String())[16:]) {
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}

// TestURLs: the identity comes from the URL's file or the environment; the
// path must be absolute; unknown parameters are refused.
func TestURLs(t *testing.T) {
	dir := t.TempDir()
	keyPath, id := newKey(t, dir)
	_, other := newKey(t, dir)
	path := filepath.Join(dir, "s.secrets")
	tests := []struct {
		name, url, env string
		want           secrets.Code
	}{
		{name: "identity file", url: storeURL(path, keyPath), want: noError},
		{name: "identity from the environment", url: "file://" + path, env: id.String(), want: noError},
		{name: "no identity", url: "file://" + path, want: secrets.InvalidArgument},
		{name: "bad environment identity", url: "file://" + path, env: "nonsense", want: secrets.InvalidArgument},
		{name: "missing identity file", url: storeURL(path, filepath.Join(dir, "nope.txt")), want: secrets.InvalidArgument},
		{name: "recipient", url: storeURL(path, keyPath) + "&recipient=" + other.Recipient().String(), want: noError},
		{name: "bad recipient", url: storeURL(path, keyPath) + "&recipient=age1nope", want: secrets.InvalidArgument},
		{name: "unknown parameter", url: storeURL(path, keyPath) + "&colour=red", want: secrets.InvalidArgument},
		{name: "host", url: "file://example.com" + path + "?identity=" + keyPath, want: secrets.InvalidArgument},
		{name: "directory", url: "file://" + dir + "/?identity=" + keyPath, want: secrets.InvalidArgument},
		{name: "missing directory", url: storeURL(filepath.Join(dir, "no", "s.secrets"), keyPath), want: secrets.FailedPrecondition},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(file.IdentityEnv, tt.env)
			st, err := secrets.OpenStore(context.Background(), tt.url)
			got := noError
			if err != nil {
				got = secrets.ErrorCode(err)
			}
			if got != tt.want {
				t.Fatalf("code %v (%v), want %v", got, err, tt.want)
			}
			if err == nil {
				st.Close()
			}
		})
	}
}

// noError stands for success among the codes a table expects.
const noError secrets.Code = -1
