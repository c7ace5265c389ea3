package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets/internal/testenv"
)

// Moto (as awssm/main_test.go finds and starts it): the awssm:// store of
// the scripts that copy to and from AWS Secrets Manager.

var motoEndpoint string

// awsEnv is the environment that points the SDK's default chain at moto
// with dummy credentials.
func awsEnv(ep string) map[string]string {
	return map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": ep, "AWS_ENDPOINT_URL_STS": ep,
		"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1",
		"AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.DevNull, "AWS_SHARED_CREDENTIALS_FILE": os.DevNull}
}

func findMoto() string {
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

// startMoto starts a moto_server on a free loopback port (unless
// AWS_ENDPOINT_URL_SECRETS_MANAGER names one) and points this process's
// SDK at it.
func startMoto() (stop func(), err error) {
	stop = func() {}
	ep := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")
	if ep == "" {
		bin := findMoto()
		if bin == "" {
			return stop, nil
		}
		port, err := testenv.FreePort()
		if err != nil {
			return stop, err
		}
		cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		if err := cmd.Start(); err != nil {
			return stop, fmt.Errorf("start moto: %w", err)
		}
		stop = func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }
		ep = fmt.Sprintf("http://127.0.0.1:%d", port)
		ready := false
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get(ep + "/moto-api/"); err == nil {
				resp.Body.Close()
				ready = true
				break
			}
		}
		if !ready {
			stop()
			return func() {}, fmt.Errorf("moto did not become ready at %s", ep)
		}
	}
	for k, v := range awsEnv(ep) {
		os.Setenv(k, v)
	}
	os.Unsetenv("AWS_PROFILE")
	motoEndpoint = ep
	return stop, nil
}

// cmdAwsraw reads a secret with the AWS SDK's own client: awsraw NAME
// prints value=<SecretString>.
func cmdAwsraw(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: awsraw NAME")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	ts.Check(err)
	out, err := sm.NewFromConfig(cfg).GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: &args[0]})
	if neg {
		if err == nil {
			ts.Fatalf("awsraw: %s exists", args[0])
		}
		return
	}
	ts.Check(err)
	if out.SecretString == nil {
		ts.Fatalf("awsraw: %s has no SecretString", args[0])
	}
	fmt.Fprintf(ts.Stdout(), "value=%s\n", *out.SecretString)
}
