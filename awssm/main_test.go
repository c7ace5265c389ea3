package awssm_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/polysecret/secrets/internal/testenv"
)

// The tests run against moto's server: AWS_ENDPOINT_URL_SECRETS_MANAGER if
// set, else a moto_server this TestMain starts on a free loopback port.
// Without either they skip — and under CI=true they fail.

var endpoint string // "" when no server could be had

func findMoto() string {
	if p := os.Getenv("MOTO_SERVER"); p != "" {
		return p
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		root = filepath.Join(os.Getenv("HOME"), ".pyenv")
	}
	if p := filepath.Join(root, "versions", "3.11.7", "bin", "moto_server"); isExec(p) {
		return p
	}
	if m, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "moto_server")); len(m) > 0 {
		return m[len(m)-1]
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p
	}
	return ""
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

var skipReason string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if ep := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER"); ep != "" {
		endpoint = ep
		return m.Run()
	}
	bin := findMoto()
	if bin == "" {
		// Last resort where Docker answers: LocalStack (its Secrets Manager is moto).
		c, err := testenv.StartContainer(context.Background(), "localstack/localstack:4", "4566/tcp", "/_localstack/health",
			map[string]string{"SERVICES": "secretsmanager"}, 120*time.Second)
		if err != nil {
			skipReason = "no moto_server found (pyenv, PATH or MOTO_SERVER), AWS_ENDPOINT_URL_SECRETS_MANAGER unset, and no container (" + err.Error() + "); run `make test` on a machine with moto"
			return m.Run()
		}
		defer c.Stop()
		setAWSEnv(c.Endpoint)
		endpoint = c.Endpoint
		return m.Run()
	}
	ep, stop, err := startMoto(bin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stop()
	endpoint = ep
	setAWSEnv(ep)
	return m.Run()
}

// startMoto starts a moto_server on a free loopback port and waits until
// it answers.
func startMoto(bin string) (ep string, stop func(), err error) {
	port, err := testenv.FreePort()
	if err != nil {
		return "", nil, fmt.Errorf("free port: %w", err)
	}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	logf, _ := os.CreateTemp("", "moto-*.log")
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("start moto: %w", err)
	}
	stop = func() {
		_ = cmd.Process.Kill()
		_, _ = cmd.Process.Wait()
		_ = os.Remove(logf.Name())
	}
	ep = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(ep + "/moto-api/"); err == nil {
			resp.Body.Close()
			return ep, stop, nil
		}
	}
	b, _ := os.ReadFile(logf.Name())
	stop()
	return "", nil, fmt.Errorf("moto did not become ready:\n%s", b)
}

// setAWSEnv points the SDK's default chain (Secrets Manager and STS) at a
// test endpoint with dummy credentials, whatever the developer's own AWS configuration is.
func setAWSEnv(ep string) {
	for k, v := range map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": ep, "AWS_ENDPOINT_URL_STS": ep, "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull} {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_PROFILE")
	os.Unsetenv("AWS_SESSION_TOKEN")
}

// needServer skips (or, under CI=true, fails) when no server is available.
func needServer(t testing.TB) {
	t.Helper()
	testenv.Require(t, endpoint != "", skipReason)
}
