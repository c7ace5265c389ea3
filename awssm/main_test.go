package awssm_test

import (
	"os"
	"testing"

	"github.com/polysecret/secrets/internal/testenv"
)

// The tests run against moto's server (testenv.MainWithMoto):
// AWS_ENDPOINT_URL_SECRETS_MANAGER if set, else a moto_server started on a
// free loopback port. Without either they skip — and under CI=true they fail.

var srv testenv.Server

// endpoint is the server's address, for the tests ("" when there is none).
var endpoint string

func TestMain(m *testing.M) {
	srv.Ready = func(s *testenv.Server) { endpoint = s.Addr }
	os.Exit(testenv.MainWithMoto(m, &srv))
}

// needServer skips (or, under CI=true, fails) when no server is available.
func needServer(t testing.TB) {
	t.Helper()
	srv.Require(t)
}

// findMoto and startMoto are testenv's, for the tests that start a second
// moto.
var (
	findMoto  = testenv.FindMoto
	startMoto = testenv.StartMoto
)
