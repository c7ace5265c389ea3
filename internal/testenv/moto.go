package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
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

// StartMoto starts the moto_server bin on a loopback port the kernel
// picks and waits until it serves; stop kills it.
func StartMoto(bin string) (endpoint string, stop func(), err error) {
	m, err := RunMoto(bin, 0)
	if err != nil {
		return "", nil, err
	}
	return m.Endpoint(), m.Stop, nil
}

// Moto is a running moto_server.
type Moto struct {
	Port   int
	cmd    *exec.Cmd
	exited chan struct{}
	out    *syncBuf
}

// motoRunning is the line moto (werkzeug) prints once its socket is bound.
var motoRunning = regexp.MustCompile(`Running on http://127\.0\.0\.1:(\d+)`)

// RunMoto starts bin on 127.0.0.1:port (0: a port the kernel picks) and
// waits until moto itself says it serves there. Moto's own "Running on"
// line, not an answer on the port, is the sign: a port picked free a
// moment ago may meanwhile be another server's (another test's moto or
// Vault, whose answers a readiness probe would take for moto's; moto then
// fails to bind and exits), and a restart on a fixed port must not be
// mistaken for success either.
func RunMoto(bin string, port int) (*Moto, error) {
	m := &Moto{cmd: exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port)), exited: make(chan struct{}), out: new(syncBuf)}
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	m.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start moto: %w", err)
	}
	go func() { _ = m.cmd.Wait(); close(m.exited) }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if g := motoRunning.FindStringSubmatch(m.out.String()); g != nil {
			m.Port, _ = strconv.Atoi(g[1])
			if port != 0 && m.Port != port {
				m.Stop()
				return nil, fmt.Errorf("moto serves on port %d, not %d", m.Port, port)
			}
			return m, nil
		}
		select {
		case <-m.exited:
			return nil, fmt.Errorf("moto exited before serving:\n%s", m.out.String())
		default:
		}
		if time.Now().After(deadline) {
			m.Stop()
			return nil, fmt.Errorf("moto did not start serving in 30s:\n%s", m.out.String())
		}
	}
}

// Endpoint is moto's URL, http://127.0.0.1:port.
func (m *Moto) Endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", m.Port) }

// Stop kills moto and waits for it to exit.
func (m *Moto) Stop() {
	_ = m.cmd.Process.Kill()
	<-m.exited
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
