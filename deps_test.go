package secrets_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreImportsOnlyStandardLibrary: secrets, backend and memory import
// nothing outside the standard library and this module (issue 9.1), so a
// program on mem:// pulls in no gRPC, protobuf or OpenTelemetry.
func TestCoreImportsOnlyStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".", "./backend", "./memory").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, p := range strings.Fields(string(out)) {
		if !strings.HasPrefix(p, "github.com/polysecret/secrets") || strings.Contains(p, "/vendor/") {
			t.Errorf("the core depends on %s", p)
		}
	}
}
