package testenv

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// FindMoto returns the path of a moto_server: MOTO_SERVER, else pyenv's
// (PYENV_ROOT or ~/.pyenv), else one on PATH; "" when there is none.
func FindMoto() string {
	if p := os.Getenv("MOTO_SERVER"); p != "" {
		return p
	}
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		root = filepath.Join(os.Getenv("HOME"), ".pyenv")
	}
	if m, _ := filepath.Glob(filepath.Join(root, "versions", "*", "bin", "moto_server")); len(m) > 0 {
		return m[len(m)-1]
	}
	if p, err := exec.LookPath("moto_server"); err == nil {
		return p
	}
	return ""
}

// StartMoto starts the moto_server bin on a free loopback port and waits
// until it answers; stop kills it.
func StartMoto(bin string) (endpoint string, stop func(), err error) {
	port, err := FreePort()
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
	endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(endpoint + "/moto-api/"); err == nil {
			resp.Body.Close()
			return endpoint, stop, nil
		}
	}
	b, _ := os.ReadFile(logf.Name())
	stop()
	return "", nil, fmt.Errorf("moto did not become ready:\n%s", b)
}

// AWSEnv is the environment that points the AWS SDK's default chain
// (Secrets Manager and STS) at a test endpoint with dummy credentials,
// whatever the developer's own AWS configuration is (AWS_PROFILE and
// AWS_SESSION_TOKEN must be unset too).
func AWSEnv(endpoint string) map[string]string {
	return map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": endpoint, "AWS_ENDPOINT_URL_STS": endpoint, "AWS_ACCESS_KEY_ID": "test",
		"AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
		"AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}
}

// SetAWSEnv sets AWSEnv(endpoint) in this process.
func SetAWSEnv(endpoint string) {
	for k, v := range AWSEnv(endpoint) {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_PROFILE")
	os.Unsetenv("AWS_SESSION_TOKEN")
}
