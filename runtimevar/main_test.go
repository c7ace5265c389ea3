package psvar_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/polysecret/secrets/internal/testenv"
)

// The tests run against a real Vault server: VAULT_ADDR and VAULT_TOKEN if
// set; else `server -dev` of the binary in VAULT_BIN, or of the one
// scripts/vault-dev.sh caches (make test builds it). Without either they
// skip naming `make test` — and under CI=true they fail.

var (
	vaultAddr, vaultToken string
	skipReason            string
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func vaultBin() string {
	if b := os.Getenv("VAULT_BIN"); b != "" {
		return b
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		cache = filepath.Join(os.Getenv("HOME"), ".cache")
	}
	p := filepath.Join(cache, "polysecret", "vault-v1.21.1")
	if st, err := os.Stat(p); err == nil && st.Mode()&0o111 != 0 {
		return p
	}
	return ""
}

// startVault starts a dev server and returns its address, a stop function
// and its output.
func startVault() (addr string, stop func(), out *syncBuf, err error) {
	bin := vaultBin()
	home, _ := os.MkdirTemp("", "vault-home-")
	port, err := testenv.FreePort()
	if err != nil {
		return "", nil, nil, err
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(bin, "server", "-dev", "-dev-root-token-id=root", "-dev-listen-address="+addr, "-dev-no-store-token")
	cmd.Env = append(os.Environ(), "HOME="+home, "VAULT_ADDR=", "VAULT_TOKEN=")
	out = new(syncBuf)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, out, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop = func() {
		_ = cmd.Process.Kill()
		<-exited
		_ = os.RemoveAll(home)
	}
	url := "http://" + addr
	hc := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(25 * time.Millisecond) {
		select {
		case <-exited:
			return "", nil, out, fmt.Errorf("vault exited early:\n%s", out.String())
		default:
		}
		if resp, err := hc.Get(url + "/v1/sys/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return url, stop, out, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, out, fmt.Errorf("vault not ready after 60s:\n%s", out.String())
		}
	}
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if a, tok := os.Getenv("VAULT_ADDR"), os.Getenv("VAULT_TOKEN"); a != "" && tok != "" {
		vaultAddr, vaultToken = a, tok
		return m.Run()
	}
	if vaultBin() == "" {
		// Last resort where Docker answers: the official image.
		c, err := testenv.StartContainer(context.Background(), "hashicorp/vault:1.21", "8200/tcp", "/v1/sys/health",
			map[string]string{"VAULT_DEV_ROOT_TOKEN_ID": "root", "VAULT_DEV_LISTEN_ADDRESS": "0.0.0.0:8200"}, 90*time.Second)
		if err != nil {
			skipReason = "no Vault server: set VAULT_ADDR and VAULT_TOKEN, or VAULT_BIN, or run `make test` (it builds one from tools/vault); no container either (" + err.Error() + ")"
			return m.Run()
		}
		defer c.Stop()
		vaultAddr, vaultToken = c.Endpoint, "root"
		os.Setenv("VAULT_ADDR", c.Endpoint)
		os.Setenv("VAULT_TOKEN", "root")
		return m.Run()
	}
	addr, stop, out, err := startVault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start vault:", err)
		return 1
	}
	defer stop()
	vaultAddr, vaultToken = addr, "root"
	os.Setenv("VAULT_ADDR", addr)
	os.Setenv("VAULT_TOKEN", "root")
	code := m.Run()
	if code != 0 && os.Getenv("VAULT_TEST_LOG") != "" {
		fmt.Fprintln(os.Stderr, out.String())
	}
	return code
}

func needServer(t testing.TB) {
	t.Helper()
	testenv.Require(t, vaultAddr != "", skipReason)
}
