package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress counts the writes of a copy: a bar on a terminal, nothing
// anywhere else (no control characters in a log or a pipe). It shows
// counts only — never a key or a value.
type progress interface {
	add() // one write done
	end() // the writes are over (all done, or stopped by an error)
}

// newProgress returns a bar of n steps on w when terminal is true and
// there is something to write, else a progress that prints nothing.
func newProgress(w io.Writer, n int, terminal bool) progress {
	if !terminal || n == 0 {
		return noProgress{}
	}
	return &bar{b: progressbar.NewOptions(n,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("copy"),
		progressbar.OptionShowCount(),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond), // the last step always shows
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(w) }),
	)}
}

type noProgress struct{}

func (noProgress) add() {}
func (noProgress) end() {}

// bar is a progressbar.ProgressBar (safe for concurrent use) on a
// terminal.
type bar struct{ b *progressbar.ProgressBar }

func (p *bar) add() { _ = p.b.Add(1) }

// end leaves a finished bar as it is (its completion ended the line); a bar
// stopped short gets its line ended, so that the error starts on its own.
func (p *bar) end() {
	if !p.b.IsFinished() {
		_ = p.b.Exit() // its completion ends the line
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
