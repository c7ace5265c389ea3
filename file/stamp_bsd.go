//go:build darwin || freebsd || netbsd

package file

import (
	"syscall"
	"time"
)

func stampOfStat(st *syscall.Stat_t) stamp {
	return stamp{exists: true, dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtime: time.Unix(st.Mtimespec.Unix()), ctime: time.Unix(st.Ctimespec.Unix())}
}
