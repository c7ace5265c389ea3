//go:build unix

package main

import (
	"os"
	"syscall"
)

// keepOwner gives f the owner and group of fi where the process may (root
// may give a file away; others keep their own).
func keepOwner(f *os.File, fi os.FileInfo) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		_ = f.Chown(int(st.Uid), int(st.Gid))
	}
}
