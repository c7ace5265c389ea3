//go:build linux || openbsd

package file

import (
	"syscall"
	"time"
)

func stampOfStat(st *syscall.Stat_t) stamp {
	return stamp{exists: true, dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size, //nolint:unconvert // int32 on openbsd
		mtime: time.Unix(st.Mtim.Unix()), ctime: time.Unix(st.Ctim.Unix())}
}
