package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
)

// runCmd runs the command (not a terminal) and returns its status and
// output.
func runCmd(t *testing.T, argv ...string) (status int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	status = run(context.Background(), argv, strings.NewReader(""), &out, &errb)
	return status, out.String(), errb.String()
}

func envsOf(t *testing.T, url string) []*secrets.Environment {
	t.Helper()
	ctx := context.Background()
	s, err := secrets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	envs, err := s.ListEnvironments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return envs
}

func modifyEnv(t *testing.T, url, name string, u secrets.EnvironmentUpdate) {
	t.Helper()
	ctx := context.Background()
	s, err := secrets.OpenStore(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ModifyEnvironment(ctx, name, u); err != nil {
		t.Fatal(err)
	}
}

// copy creates environments with their description and external URL,
// updates them where they differ, and diff shows the difference.
func TestCopyEnvironmentMetadata(t *testing.T) {
	src, dst := fileStores(t, 0)
	for _, argv := range [][]string{
		{"env", "create", "prod", "--url", src, "--description", "production", "--external-url", "https://prod.example.com"},
		{"env", "create", "dev", "--url", src},
		{"env", "create", "dev", "--url", dst, "--description", "old dev"},
	} {
		if st, _, e := runCmd(t, argv...); st != 0 {
			t.Fatalf("%v: status %d: %s", argv, st, e)
		}
	}
	steps := []struct {
		name       string
		argv       []string
		status     int
		stdout     string
		before     func()
		wantDstEnv []*secrets.Environment // nil: not checked
	}{
		{name: "diff before", argv: []string{"diff", src, dst}, status: statusDiffer,
			stdout: "~ environment dev (description)\n- environment prod\n"},
		{name: "dry run", argv: []string{"copy", src, dst, "--dry-run"},
			stdout:     "update environment dev (description)\ncreate environment prod\ndry run: nothing written\n",
			wantDstEnv: []*secrets.Environment{{Name: "dev", Description: "old dev"}}},
		{name: "copy", argv: []string{"copy", src, dst},
			stdout: "update environment dev (description)\ncreate environment prod\n",
			wantDstEnv: []*secrets.Environment{{Name: "dev"},
				{Name: "prod", Description: "production", ExternalURL: "https://prod.example.com"}}},
		{name: "diff after", argv: []string{"diff", src, dst}},
		{name: "re-run", argv: []string{"copy", src, dst}},
		{name: "diff after a change", argv: []string{"diff", src, dst}, status: statusDiffer,
			before: func() {
				modifyEnv(t, src, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("live"), ExternalURL: secrets.Ptr("https://live.example.com")})
			},
			stdout: "~ environment prod (description, external URL)\n"},
		{name: "copy the change", argv: []string{"copy", src, dst},
			stdout: "update environment prod (description, external URL)\n",
			wantDstEnv: []*secrets.Environment{{Name: "dev"},
				{Name: "prod", Description: "live", ExternalURL: "https://live.example.com"}}},
		{name: "same again", argv: []string{"diff", src, dst}},
	}
	for _, st := range steps {
		if st.before != nil {
			st.before()
		}
		status, stdout, stderr := runCmd(t, st.argv...)
		if status != st.status {
			t.Errorf("%s: status %d, want %d (stderr %q)", st.name, status, st.status, stderr)
		}
		if diff := cmp.Diff(st.stdout, stdout); diff != "" {
			t.Errorf("%s: stdout (-want +got):\n%s", st.name, diff)
		}
		if st.wantDstEnv != nil {
			got := envsOf(t, dst)
			if diff := cmp.Diff(st.wantDstEnv, got, cmpopts.IgnoreFields(secrets.Environment{}, "ID", "CreatedAt", "UpdatedAt")); diff != "" {
				t.Errorf("%s: destination environments (-want +got):\n%s", st.name, diff)
			}
		}
	}
}
