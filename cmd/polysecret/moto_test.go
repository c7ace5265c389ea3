package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/polysecret/secrets/internal/testenv"
)

// Moto (as awssm/main_test.go finds and starts it): the awssm:// store of
// the scripts that copy to and from AWS Secrets Manager.

var motoEndpoint string

// awsEnv is the environment that points the SDK at moto.
var awsEnv = testenv.AWSEnv

// startMoto starts a moto_server on a free loopback port (unless
// AWS_ENDPOINT_URL_SECRETS_MANAGER names one) and points this process's
// SDK at it.
func startMoto() (stop func(), err error) {
	stop = func() {}
	ep := os.Getenv("AWS_ENDPOINT_URL_SECRETS_MANAGER")
	if ep == "" {
		bin := testenv.FindMoto()
		if bin == "" {
			return stop, nil
		}
		if ep, stop, err = testenv.StartMoto(bin); err != nil {
			return func() {}, err
		}
	}
	testenv.SetAWSEnv(ep)
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
