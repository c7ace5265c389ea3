package testenv

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is the test server a package's tests run against: Addr ("" when
// none could be had, then SkipReason says why), and Token for Vault.
type Server struct {
	Addr, Token, SkipReason string
	// Ready, if set, is called once s is filled, before the tests run.
	Ready func(*Server)
}

func (s *Server) run(m *testing.M) int {
	if s.Ready != nil {
		s.Ready(s)
	}
	return m.Run()
}

// Require skips t (fails it under CI=true) when s has no server.
func (s *Server) Require(t testing.TB) {
	t.Helper()
	Require(t, s.Addr != "", s.SkipReason)
}

// VaultBin returns the Vault binary the tests start: VAULT_BIN, else the
// one scripts/vault-dev.sh caches; "" when there is none.
func VaultBin() string {
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

// MainWithVault runs m against a Vault server and returns its exit code:
// VAULT_ADDR and VAULT_TOKEN when both are set; else `server -dev` of
// VaultBin on a free loopback port; else the official image where Docker
// answers; else m runs with s.Addr "" (tests calling s.Require skip, or fail
// under CI=true). It sets VAULT_ADDR and VAULT_TOKEN for the tests and fills
// s before m runs. With VAULT_TEST_LOG set, a failing run prints the
// server's output.
func MainWithVault(m *testing.M, s *Server) int {
	if a, tok := os.Getenv("VAULT_ADDR"), os.Getenv("VAULT_TOKEN"); a != "" && tok != "" {
		s.Addr, s.Token = a, tok
		return s.run(m)
	}
	if VaultBin() == "" {
		c, err := StartContainer(context.Background(), "hashicorp/vault:1.21", "8200/tcp", "/v1/sys/health",
			map[string]string{"VAULT_DEV_ROOT_TOKEN_ID": "root", "VAULT_DEV_LISTEN_ADDRESS": "0.0.0.0:8200"}, 90*time.Second)
		if err != nil {
			s.SkipReason = "no Vault server: set VAULT_ADDR and VAULT_TOKEN, or VAULT_BIN, or run `make test` (it builds one from tools/vault); no container either (" + err.Error() + ")"
			return s.run(m)
		}
		defer c.Stop()
		return runVault(m, s, c.Endpoint)
	}
	addr, stop, out, err := startVault()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start vault:", err)
		return 1
	}
	defer stop()
	code := runVault(m, s, addr)
	if code != 0 && os.Getenv("VAULT_TEST_LOG") != "" {
		fmt.Fprintln(os.Stderr, out.String())
	}
	return code
}

func runVault(m *testing.M, s *Server, addr string) int {
	s.Addr, s.Token = addr, "root"
	os.Setenv("VAULT_ADDR", addr)
	os.Setenv("VAULT_TOKEN", "root")
	return s.run(m)
}

// MainWithMoto runs m against moto: AWS_ENDPOINT_URL_SECRETS_MANAGER when
// set; else a moto_server (FindMoto) on a free loopback port, the SDK's
// environment pointed at it (SetAWSEnv); else LocalStack where Docker
// answers; else m runs with s.Addr "".
func MainWithMoto(m *testing.M, s *Server) int {
	if ep := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"); ep != "" {
		s.Addr = ep
		return s.run(m)
	}
	bin := FindMoto()
	if bin == "" {
		c, err := StartContainer(context.Background(), "localstack/localstack:4", "4566/tcp", "/_localstack/health",
			map[string]string{"SERVICES": "secretsmanager"}, 120*time.Second)
		if err != nil {
			s.SkipReason = "no moto_server found (pyenv, PATH or MOTO_SERVER), AWS_ENDPOINT_URL_SECRETS_MANAGER unset, and no container (" + err.Error() + "); run `make test` on a machine with moto"
			return s.run(m)
		}
		defer c.Stop()
		SetAWSEnv(c.Endpoint)
		s.Addr = c.Endpoint
		return s.run(m)
	}
	ep, stop, err := StartMoto(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	SetAWSEnv(ep)
	s.Addr = ep
	return s.run(m)
}

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

// startVault starts a dev server on a free port and returns its address,
// a stop function and its output.
func startVault() (addr string, stop func(), out *syncBuf, err error) {
	home, _ := os.MkdirTemp("", "vault-home-")
	port, err := FreePort()
	if err != nil {
		return "", nil, nil, err
	}
	addr = fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(VaultBin(), "server", "-dev", "-dev-root-token-id=root", "-dev-listen-address="+addr, "-dev-no-store-token")
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
		// Healthy, and ours: the port was free a moment ago, and another
		// test's Vault may hold it now (ours then fails to bind and exits,
		// but that one answers the probe); ours says it started only
		// once its listener is bound.
		if resp, err := hc.Get(url + "/v1/sys/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 && strings.Contains(out.String(), "Vault server started!") {
				return url, stop, out, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return "", nil, out, fmt.Errorf("vault not ready after 60s:\n%s", out.String())
		}
	}
}

// StartVault starts one more dev server (VaultBin) on a free loopback port,
// for a test that stops it; stop kills it.
func StartVault() (addr string, stop func(), err error) {
	addr, stop, _, err = startVault()
	return addr, stop, err
}
