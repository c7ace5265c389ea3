package awssm_test

import (
	"testing"

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
	truth := drivertest.Open(t, "awssm://"+prefix+"?region=us-east-1")
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
		Open:     drivertest.OpenAtAddrEnv("AWS_ENDPOINT_URL_SECRETS_MANAGER", "awssm://"+prefix+"?region=us-east-1"),
		Request: func(op faultmatrix.Op, _ string) faultproxy.Match {
			return faultproxy.Match{Header: "X-Amz-Target", Value: "secretsmanager." + ops[op]}
		},
	})
}
