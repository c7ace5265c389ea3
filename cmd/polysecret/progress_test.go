package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"filippo.io/age"
	"github.com/creack/pty"
	"github.com/google/go-cmp/cmp"
)

// fileStores sets up two file:// stores in a temporary directory, sharing
// one identity (POLYSECRET_AGE_IDENTITY), and seeds the first with n
// secrets whose values are "value-<i>".
func fileStores(t *testing.T, n int) (src, dst string) {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("POLYSECRET_AGE_IDENTITY", id.String())
	dir := t.TempDir()
	src, dst = "file://"+filepath.Join(dir, "src.secrets"), "file://"+filepath.Join(dir, "dst.secrets")
	for i := range n {
		var out, errb bytes.Buffer
		if st := run(context.Background(), []string{"set", fmt.Sprintf("K%d", i), "--url", src},
			strings.NewReader(fmt.Sprintf("value-%d", i)), &out, &errb); st != 0 {
			t.Fatalf("set K%d: status %d: %s", i, st, errb.String())
		}
	}
	return src, dst
}

// runCopy runs copy with stderr a terminal or not, as the test says.
func runCopy(t *testing.T, terminal bool, argv ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		isTerminal: func(io.Writer) bool { return terminal }}
	status = runApp(context.Background(), a, append([]string{"copy"}, argv...))
	return status, out.String(), errb.String()
}

// Not a terminal: no bar, stderr empty, stdout exactly the plan — no
// control character anywhere.
func TestCopyNoTerminalNoProgress(t *testing.T) {
	src, dst := fileStores(t, 3)
	status, stdout, stderr := runCopy(t, false, src, dst)
	if status != 0 {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	want := "create K0 in (global)\ncreate K1 in (global)\ncreate K2 in (global)\n"
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if stderr != "" {
		t.Errorf("stderr = %q, want nothing", stderr)
	}
}

// A terminal: a bar on stderr that reaches n/n and ends its line; stdout is
// the plan alone; no value anywhere.
func TestCopyTerminalProgressBar(t *testing.T) {
	const n = 5
	src, dst := fileStores(t, n)
	status, stdout, stderr := runCopy(t, true, src, dst, "--concurrency", "2")
	if status != 0 {
		t.Fatalf("status %d, stderr %q", status, stderr)
	}
	for _, want := range []string{"\r", "copy", "100%", fmt.Sprintf("(%d/%d", n, n), "|"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr %q lacks %q", stderr, want)
		}
	}
	if !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr %q does not end its line", stderr)
	}
	if strings.ContainsAny(stdout, "\r\x1b") {
		t.Errorf("stdout has control characters: %q", stdout)
	}
	if strings.Contains(stdout+stderr, "value-") {
		t.Errorf("a value was printed:\nstdout %q\nstderr %q", stdout, stderr)
	}
	// Nothing to write: no bar.
	status, _, stderr = runCopy(t, true, src, dst)
	if status != 0 || stderr != "" {
		t.Errorf("re-run: status %d, stderr %q; want 0 and nothing", status, stderr)
	}
}

// The bar's writer as a fake terminal: a copy stopped short (an error)
// still ends the bar's line, once; off a terminal nothing is written.
func TestProgressStoppedShort(t *testing.T) {
	for _, tc := range []struct {
		name     string
		terminal bool
		want     func(string) bool
	}{
		{"terminal", true, func(s string) bool {
			return strings.Contains(s, "(1/3") && strings.HasSuffix(s, "\n") && !strings.HasSuffix(s, "\n\n")
		}},
		{"not a terminal", false, func(s string) bool { return s == "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := newProgress(&buf, 3, tc.terminal)
			p.add()
			p.end()
			if !tc.want(buf.String()) {
				t.Errorf("wrote %q", buf.String())
			}
		})
	}
}

// Files and pipes are not terminals.
func TestIsTerminalNotForFiles(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	for _, x := range []io.Writer{f, w, &bytes.Buffer{}} {
		if isTerminal(x) {
			t.Errorf("isTerminal(%T) = true", x)
		}
	}
}

// The real detection: run (as main calls it) with stderr a pseudo-terminal
// draws the bar there; with stderr a pipe, stderr stays empty.
func TestCopyProgressRealTerminal(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) (w, r *os.File)
		want func(string) bool
	}{
		{"pty", func(t *testing.T) (w, r *os.File) {
			ptmx, tty, err := pty.Open()
			if err != nil {
				t.Fatal(err)
			}
			return tty, ptmx
		}, func(s string) bool { return strings.Contains(s, "100%") && strings.Contains(s, "(4/4") }},
		{"pipe", func(t *testing.T) (w, r *os.File) {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			return w, r
		}, func(s string) bool { return s == "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := fileStores(t, 4)
			w, r := tc.open(t)
			defer r.Close()
			got := make(chan string)
			go func() {
				var b bytes.Buffer
				_, _ = io.Copy(&b, r) // a pty's reader ends with EIO once the tty closes
				got <- b.String()
			}()
			var out bytes.Buffer
			st := run(context.Background(), []string{"copy", src, dst}, strings.NewReader(""), &out, w)
			w.Close()
			stderr := <-got
			if st != 0 {
				t.Fatalf("status %d, stderr %q", st, stderr)
			}
			if !tc.want(stderr) {
				t.Errorf("stderr %q", stderr)
			}
			if strings.ContainsAny(out.String(), "\r\x1b") || strings.Contains(out.String()+stderr, "value-") {
				t.Errorf("stdout %q, stderr %q: a control character in stdout or a value", out.String(), stderr)
			}
		})
	}
}
