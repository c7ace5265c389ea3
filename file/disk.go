//go:build linux || darwin || freebsd || netbsd || openbsd

package file

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/polysecret/secrets/backend"
)

// stamp identifies one version of the store file on disk: a file replaced
// by a rename has another inode (the driver keeps the file it read open, so
// its inode is not reused), one rewritten in place another size or
// modification or change time.
type stamp struct {
	exists       bool
	dev, ino     uint64
	size         int64
	mtime, ctime time.Time
}

func stampOf(fi fs.FileInfo) stamp {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return stampOfStat(st)
	}
	return stamp{exists: true, size: fi.Size(), mtime: fi.ModTime()}
}

// statPath returns the stamp of the file at path now (not exists when
// absent). It calls stat(2) directly, without os.Stat's allocations: it
// runs before every read.
func statPath(path string) (stamp, error) {
	var st syscall.Stat_t
	for {
		err := syscall.Stat(path, &st)
		switch {
		case err == nil:
			return stampOfStat(&st), nil
		case err == syscall.EINTR:
			continue
		case err == syscall.ENOENT:
			return stamp{}, nil
		}
		return stamp{}, fileErr("stat the store", &fs.PathError{Op: "stat", Path: path, Err: err})
	}
}

// fileErr classifies an I/O error of the store file.
func fileErr(what string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return backend.Errorf(backend.PermissionDenied, "file: %s: %w", what, err)
	case errors.Is(err, fs.ErrNotExist):
		return backend.Errorf(backend.FailedPrecondition, "file: %s: %w", what, err)
	}
	return backend.Errorf(backend.Internal, "file: %s: %w", what, err)
}

// load reads and decrypts the store file. It returns the open file (kept
// open by the caller while it uses the stamp), or nil and an empty state
// when the file does not exist.
func (d *driver) load() (*state, stamp, *os.File, error) {
	f, err := os.Open(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), stamp{}, nil, nil
	}
	if err != nil {
		return nil, stamp{}, nil, fileErr("open the store", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, stamp{}, nil, fileErr("stat the store", err)
	}
	plain, err := open(f, d.identity)
	if err != nil {
		f.Close()
		return nil, stamp{}, nil, err
	}
	st, err := decode(plain)
	clear(plain)
	if err != nil {
		f.Close()
		return nil, stamp{}, nil, err
	}
	return st, stampOf(fi), f, nil
}

// adopt makes st, read from f with stamp s, the driver's current view.
func (d *driver) adopt(st *state, s stamp, f *os.File) {
	if d.held != nil {
		d.held.Close()
	}
	d.st, d.stamp, d.held, d.heldFd = st, s, f, -1
	if f != nil {
		d.heldFd = int(f.Fd())
	}
}

// fresh reports whether the file at the path is still the one d.st was
// read from; d.mu is held. While the driver holds that file open, one
// fstat(2) of it answers (cheaper than a stat of the path): a file another
// writer renamed over it, or that was deleted, has no link left, and one
// rewritten in place has another size or time. Without a file (the store
// did not exist) it stats the path.
func (d *driver) fresh() (bool, error) {
	if d.heldFd < 0 {
		now, err := statPath(d.path)
		return err == nil && now == d.stamp, err
	}
	var st syscall.Stat_t
	for {
		err := syscall.Fstat(d.heldFd, &st)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return false, fileErr("stat the store", err)
		}
		return st.Nlink > 0 && stampOfStat(&st) == d.stamp, nil
	}
}

// refreshLocked re-reads the file if it is not the one the driver read;
// d.mu is held for writing.
func (d *driver) refreshLocked() error {
	now, err := statPath(d.path)
	if err != nil {
		return err
	}
	if d.st != nil && now == d.stamp {
		return nil
	}
	st, s, f, err := d.load()
	if err != nil {
		return err
	}
	d.adopt(st, s, f)
	return nil
}

// lockFile takes the advisory lock of the store (flock on <path>.lock),
// exclusive. The caller holds d.mu for writing, so one driver's goroutines
// never share the lock file's description.
func (d *driver) lockFile(ctx context.Context) (unlock func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if d.lock == nil {
		f, err := os.OpenFile(d.path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, fileErr("open the lock file", err)
		}
		d.lock = f
	}
	fd := int(d.lock.Fd())
	if err := flockCtx(ctx, fd); err != nil {
		return nil, err
	}
	return func() { _ = syscall.Flock(fd, syscall.LOCK_UN) }, nil
}

// flockCtx takes an exclusive flock on fd. With a context that can end, it
// tries without blocking and waits between tries (100µs, doubling up to
// 10ms), so that the wait ends with the context; otherwise it blocks.
func flockCtx(ctx context.Context, fd int) error {
	how := syscall.LOCK_EX
	if ctx.Done() != nil {
		how |= syscall.LOCK_NB
	}
	wait := 100 * time.Microsecond
	for {
		err := syscall.Flock(fd, how)
		switch err {
		case nil:
			return nil
		case syscall.EINTR:
			continue
		case syscall.EWOULDBLOCK:
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
			wait = min(2*wait, 10*time.Millisecond)
			continue
		}
		return fileErr("lock the store", err)
	}
}

// writeLocked writes st as the new store file, atomically: a temporary file
// in the same directory, fsync, rename over the store, fsync of the
// directory. The caller holds d.mu and the file lock.
func (d *driver) writeLocked(st *state) (err error) {
	plain, err := encode(st)
	if err != nil {
		return backend.Errorf(backend.Internal, "file: encode the store: %w", err)
	}
	ct, err := seal(plain, d.recipients)
	clear(plain)
	if err != nil {
		return err
	}
	dir := filepath.Dir(d.path)
	tmp, err := os.CreateTemp(dir, d.tempPattern())
	if err != nil {
		return fileErr("create a temporary file", err)
	}
	committed := false
	defer func() {
		if !committed {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(ct); err != nil {
		return fileErr("write the store", err)
	}
	if err := tmp.Sync(); err != nil {
		return fileErr("fsync the store", err)
	}
	if err := os.Rename(tmp.Name(), d.path); err != nil {
		return fileErr("rename the store into place", err)
	}
	committed = true
	if err := syncDir(dir); err != nil {
		// The rename happened: the new content is in place, its durability
		// is unknown. Forget the cached view so the next call re-reads.
		tmp.Close()
		d.adopt(nil, stamp{}, nil)
		return err
	}
	// The temporary file's descriptor is now the store's: it keeps the
	// inode alive. Its stamp is taken after the rename, which changes the
	// inode's ctime on some file systems.
	fi, err := tmp.Stat()
	if err != nil {
		tmp.Close()
		d.adopt(nil, stamp{}, nil)
		return fileErr("stat the store", err)
	}
	d.adopt(st, stampOf(fi), tmp)
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fileErr("open the store's directory", err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fileErr("fsync the store's directory", err)
	}
	return nil
}

// tempPattern names the temporary files of writes: .<name>.tmp-<random>.
func (d *driver) tempPattern() string { return "." + filepath.Base(d.path) + ".tmp-*" }

// sweepLocked removes the temporary files a writer killed in the middle of
// a write left behind. The caller holds the file lock, so no write is under
// way: every such file is stale.
func (d *driver) sweepLocked() {
	stale, _ := filepath.Glob(filepath.Join(filepath.Dir(d.path), d.tempPattern()))
	for _, f := range stale {
		_ = os.Remove(f)
	}
}
