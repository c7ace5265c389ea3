package awssm_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/internal/faultmatrix"
	"github.com/polysecret/secrets/internal/faultproxy"
)

// TestFaultMatrix runs the fault matrix of issue 8 (package faultmatrix)
// between the driver, opened by URL with AWS_ENDPOINT_URL_SECRETS_MANAGER on
// the proxy, and the moto server of TestMain.
func TestFaultMatrix(t *testing.T) {
	needServer(t)
	prefix := "fm-" + drivertest.Prefix()
	truth, err := secrets.OpenStore(context.Background(), "awssm://"+prefix+"?region=us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { truth.Close() })

	ops := map[faultmatrix.Op]string{
		faultmatrix.Get:    "GetSecretValue",
		faultmatrix.Create: "CreateSecret",
		faultmatrix.Modify: "PutSecretValue",
		faultmatrix.Delete: "DeleteSecret",
		// List with values: the fetch of the values (ListSecrets passes).
		faultmatrix.List: "BatchGetSecretValue",
	}
	faultmatrix.Run(t, faultmatrix.Target{
		Upstream: endpoint,
		Truth:    truth,
		Open: func(proxyURL string, maxRetries int, timeout time.Duration) (*secrets.Store, error) {
			// The endpoint comes from the SDK's default chain; the runner
			// serializes Open, so pointing it at the proxy here races with
			// nothing.
			old := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")
			os.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", proxyURL)
			defer os.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", old)
			return secrets.OpenStore(context.Background(), "awssm://"+prefix+"?region=us-east-1&max_retries="+
				strconv.Itoa(maxRetries)+"&timeout="+timeout.String())
		},
		Request: func(op faultmatrix.Op, _ string) faultproxy.Match {
			return faultproxy.Match{Header: "X-Amz-Target", Value: "secretsmanager." + ops[op]}
		},
	})
}
