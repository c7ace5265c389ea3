package file

import (
	"syscall"
	"time"
)

func stampOfStat(st *syscall.Stat_t) stamp {
	return stamp{exists: true, dev: st.Dev, ino: st.Ino, size: st.Size,
		mtime: time.Unix(st.Mtim.Unix()), ctime: time.Unix(st.Ctim.Unix())}
}
