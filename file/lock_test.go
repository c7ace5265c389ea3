//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/polysecret/secrets"
)

// TestLockWaitHonoursContext: a write waiting for the file lock, held by
// another process, gives up when its context ends, and writes nothing.
func TestLockWaitHonoursContext(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, _ := newKey(t, dir)
	path := filepath.Join(dir, "l.secrets")
	st, err := secrets.OpenStore(ctx, storeURL(path, keyPath))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v"}); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Another holder of the lock: a separate open file description.
	lf, err := os.OpenFile(path+".lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want secrets.Code
	}{
		{"deadline", func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 50*time.Millisecond) }, secrets.DeadlineExceeded},
		{"cancel", func() (context.Context, context.CancelFunc) {
			c, cancel := context.WithCancel(ctx)
			time.AfterFunc(50*time.Millisecond, cancel)
			return c, cancel
		}, secrets.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, cancel := tt.ctx()
			defer cancel()
			_, err := st.Modify(c, "K", secrets.Update{Value: new("w")})
			if got := secrets.ErrorCode(err); got != tt.want {
				t.Errorf("Modify while another holds the lock: %v (%v), want %v", got, err, tt.want)
			}
		})
	}
	if err := syscall.Flock(int(lf.Fd()), syscall.LOCK_UN); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the file changed")
	}
	if _, err := st.Modify(ctx, "K", secrets.Update{Value: new("w")}); err != nil {
		t.Errorf("Modify once the lock is free: %v", err)
	}
}
