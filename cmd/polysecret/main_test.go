package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets/internal/testenv"
	"github.com/polysecret/secrets/locker/lockertest"
)

// The scripts in testdata/script run the real command (this test binary,
// re-executed as "polysecret") against servers that live as long as the
// test process: lockertest (a fresh project and access key per script) and,
// for copy and diff between backends, a Vault dev server (VAULT_ADDR and
// VAULT_TOKEN if set, else `server -dev` of VAULT_BIN or the binary
// scripts/vault-dev.sh caches), and moto for awssm:// (moto_test.go).
// Without them the scripts that need them skip ([!vault] skip, [!moto]
// skip) — and under CI=true the run fails.

var (
	vaultAddr, vaultToken string
	ageDir                string // holds the official age command (buildAge)
	scriptSeq             atomic.Int64
)

// lockerKey is the script's lockertest server in testscript.Env.Values.
type lockerKey struct{}

type servers struct{ m *testing.M }

func (s servers) Run() int {
	dir, err := buildAge()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ageDir = dir
	if a, tok := os.Getenv("VAULT_ADDR"), os.Getenv("VAULT_TOKEN"); a != "" && tok != "" {
		vaultAddr, vaultToken = a, tok
	} else if testenv.VaultBin() != "" {
		addr, stop, err := testenv.StartVault()
		if err != nil {
			fmt.Fprintln(os.Stderr, "start vault:", err)
			return 1
		}
		defer stop()
		vaultAddr, vaultToken = addr, "root"
	} else if testenv.CI() {
		fmt.Fprintln(os.Stderr, "CI=true but no Vault server: set VAULT_BIN (make test does)")
		return 1
	}
	stopMoto, err := startMoto()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer stopMoto()
	if motoEndpoint == "" && testenv.CI() {
		fmt.Fprintln(os.Stderr, "CI=true but no moto_server: set MOTO_SERVER or AWS_ENDPOINT_URL_SECRETS_MANAGER")
		return 1
	}
	return s.m.Run()
}

func TestMain(m *testing.M) {
	testscript.Main(servers{m}, map[string]func(){"polysecret": main})
}

func TestScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			n := scriptSeq.Add(1)
			locker := lockertest.NewServer() // its own, for its own faults
			e.Defer(locker.Close)
			e.Values[lockerKey{}] = locker
			e.Values[holdKey{}] = &hold{}
			key, err := locker.CreateProject("script" + strconv.FormatInt(n, 10)).CreateAccessKey(lockertest.KeyOptions{})
			if err != nil {
				return err
			}
			id, err := age.GenerateX25519Identity()
			if err != nil {
				return err
			}
			e.Setenv("POLYSECRET_AGE_IDENTITY", id.String())
			e.Setenv("PATH", ageDir+string(filepath.ListSeparator)+e.Getenv("PATH"))
			e.Setenv("FILE_URL", "file://"+filepath.Join(e.WorkDir, "store.secrets"))
			e.Setenv("LOCKER_URL", "locker://"+hostOf(locker.URL())+lockertest.BasePath+"?scheme=http")
			e.Setenv("LOCKER_API", locker.URL())
			e.Setenv("LOCKER_ACCESS_KEY_ID", key.ID)
			e.Setenv("LOCKER_SECRET_ACCESS_KEY", key.Secret)
			if vaultAddr != "" {
				e.Setenv("VAULT_ADDR", vaultAddr)
				e.Setenv("VAULT_TOKEN", vaultToken)
				e.Setenv("VAULT_PATH", fmt.Sprintf("script%d-%d", n, time.Now().UnixNano()))
				e.Setenv("VAULT_URL", "vault://secret/"+e.Getenv("VAULT_PATH"))
			}
			if motoEndpoint != "" {
				for k, v := range awsEnv(motoEndpoint) {
					e.Setenv(k, v)
				}
				e.Setenv("AWSSM_PREFIX", fmt.Sprintf("script%d-%d", n, time.Now().UnixNano()))
				e.Setenv("AWSSM_URL", "awssm://"+e.Getenv("AWSSM_PREFIX")+"?region=us-east-1")
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			switch cond {
			case "vault":
				return vaultAddr != "", nil
			case "moto":
				return motoEndpoint != "", nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"libget":     cmdLibget,
			"vaultraw":   cmdVaultraw,
			"lockerfail": cmdLockerfail,
			"awsraw":     cmdAwsraw,
			"lockerraw":  cmdLockerraw,
			"lockerhold": cmdLockerhold,
		},
	})
}

// buildAge builds the official age command (filippo.io/age/cmd/age, a
// tool of this module: go.mod's tool directive pins its version) into a
// temporary directory that the scripts have first on their PATH, so that
// they can check a file:// store with `age -d`.
func buildAge() (dir string, err error) {
	dir, err = os.MkdirTemp("", "polysecret-age-")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("go", "build", "-o", filepath.Join(dir, "age"), "filippo.io/age/cmd/age").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("build the age command: %v\n%s", err, out)
	}
	return dir, nil
}

func hostOf(u string) string {
	u = u[len("http://"):]
	for i := range len(u) {
		if u[i] == '/' {
			return u[:i]
		}
	}
	return u
}
