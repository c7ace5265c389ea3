//go:build linux || darwin || freebsd || netbsd || openbsd

package file_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/polysecret/secrets"
)

// Child processes: the test binary runs itself with FILE_TEST_CHILD set.
const (
	childEnv = "FILE_TEST_CHILD" // "modify" or "write"
	urlEnv   = "FILE_TEST_URL"
	idEnv    = "FILE_TEST_ID"
)

func TestMain(m *testing.M) {
	switch os.Getenv(childEnv) {
	case "":
		os.Exit(m.Run())
	case "modify":
		childModify()
	case "write":
		childWrite()
	}
	os.Exit(0)
}

func childFail(err error) {
	fmt.Fprintln(os.Stderr, "child:", err)
	os.Exit(2)
}

const perChild = 12

// childModify writes perChild fields of the secret SHARED and creates
// perChild secrets of its own, one write at a time.
func childModify() {
	ctx := context.Background()
	st, err := secrets.OpenStore(ctx, os.Getenv(urlEnv))
	if err != nil {
		childFail(err)
	}
	id := os.Getenv(idEnv)
	for j := range perChild {
		if _, err := st.Modify(ctx, fmt.Sprintf("SHARED#c%s_%d", id, j), secrets.Update{Value: new(strconv.Itoa(j))}); err != nil {
			childFail(err)
		}
		if _, err := st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("C%s_%d", id, j), Value: "v"}); err != nil {
			childFail(err)
		}
	}
	if err := st.Close(); err != nil {
		childFail(err)
	}
}

// childWrite puts COUNTER = 1, 2, 3, … until it is killed; the store holds
// 200 other secrets of 1 KiB, so that each write takes a while.
func childWrite() {
	ctx := context.Background()
	st, err := secrets.OpenStore(ctx, os.Getenv(urlEnv))
	if err != nil {
		childFail(err)
	}
	s, err := st.Get(ctx, "COUNTER")
	if err != nil {
		childFail(err)
	}
	n, err := strconv.Atoi(s.Value)
	if err != nil {
		childFail(err)
	}
	for {
		n++
		if _, err := st.Put(ctx, secrets.Secret{Key: "COUNTER", Value: strconv.Itoa(n)}); err != nil {
			childFail(err)
		}
	}
}

func child(t *testing.T, mode, url string, id int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode, urlEnv+"="+url, idEnv+"="+strconv.Itoa(id))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

// TestProcessesShareFile: N processes write different fields of one secret
// and create secrets of their own, all at once, on one file: no write is
// lost, and the secret has one version per field write.
func TestProcessesShareFile(t *testing.T) {
	const n = 4
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, _ := newKey(t, dir)
	url := storeURL(filepath.Join(dir, "shared.secrets"), keyPath)
	st, err := secrets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "SHARED", Value: "{}"}); err != nil {
		t.Fatal(err)
	}
	var cmds []*exec.Cmd
	for i := range n {
		cmds = append(cmds, child(t, "modify", url, i))
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}
	s, err := st.Get(ctx, "SHARED")
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]string
	if err := json.Unmarshal([]byte(s.Value), &fields); err != nil {
		t.Fatal(err)
	}
	var missing []string
	for i := range n {
		for j := range perChild {
			if f := fmt.Sprintf("c%d_%d", i, j); fields[f] != strconv.Itoa(j) {
				missing = append(missing, f)
			}
			k := fmt.Sprintf("C%d_%d", i, j)
			if _, err := st.Get(ctx, k); err != nil {
				missing = append(missing, k+": "+err.Error())
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("lost writes: %v", missing)
	}
	vs, err := st.Versions(ctx, "SHARED")
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1+n*perChild {
		t.Errorf("SHARED has %d versions, want %d", len(vs), 1+n*perChild)
	}
}

// TestCrashWhileWriting: a process writing in a loop is killed (SIGKILL)
// at a random moment, again and again; after each kill the file opens and
// holds the old or the new content: COUNTER never goes back and the other
// secrets are intact.
func TestCrashWhileWriting(t *testing.T) {
	const kills = 10
	ctx := context.Background()
	dir := t.TempDir()
	keyPath, _ := newKey(t, dir)
	path := filepath.Join(dir, "crash.secrets")
	url := storeURL(path, keyPath)
	st, err := secrets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	filler := string(make([]byte, 1024))
	for i := range 200 {
		if _, err := st.Create(ctx, secrets.Secret{Key: fmt.Sprintf("F%03d", i), Value: filler}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "COUNTER", Value: "0"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	last, midWrite := 0, 0
	for k := range kills {
		cmd := child(t, "write", url, k)
		// Let it write a little (at least one write past last), then kill it
		// at a moment that varies from round to round.
		for {
			n := readCounter(t, url)
			if n > last {
				break
			}
			time.Sleep(time.Millisecond)
		}
		time.Sleep(time.Duration(k%5) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if tmp, _ := filepath.Glob(filepath.Join(dir, ".crash.secrets.tmp-*")); len(tmp) > 0 {
			midWrite++ // killed between creating its temporary file and the rename
		}
		n := readCounter(t, url)
		if n < last {
			t.Fatalf("round %d: COUNTER went back from %d to %d", k, last, n)
		}
		last = n
	}
	st, err = secrets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 200 {
		if s, err := st.Get(ctx, fmt.Sprintf("F%03d", i)); err != nil || s.Value != filler {
			t.Fatalf("F%03d after the kills: %v", i, err)
		}
	}
	// The first write removes what the killed writers left behind.
	if _, err := st.Put(ctx, secrets.Secret{Key: "COUNTER", Value: strconv.Itoa(last + 1)}); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".crash.secrets.tmp-*")); len(left) > 0 {
		t.Errorf("temporary files left after a write: %v", left)
	}
	t.Logf("%d kills, %d of them in the middle of a write; COUNTER reached %d", kills, midWrite, last)
}

// readCounter opens the store anew (as a process starting after the crash
// would) and returns COUNTER.
func readCounter(t *testing.T, url string) int {
	t.Helper()
	st, err := secrets.OpenStore(context.Background(), url)
	if err != nil {
		t.Fatalf("the store does not open: %v", err)
	}
	defer st.Close()
	s, err := st.Get(context.Background(), "COUNTER")
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(s.Value)
	if err != nil {
		t.Fatalf("COUNTER is %q", s.Value)
	}
	return n
}
