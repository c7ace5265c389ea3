package lockertest_test

import (
	"context"
	"testing"

	secrets "github.com/polysecret/secrets"
	_ "github.com/polysecret/secrets/locker" // registers locker://
	"github.com/polysecret/secrets/locker/lockertest"
)

// TestDriverOverTLS: against the HTTPS server, the locker driver refuses the
// self-signed certificate by default, and with insecure_tls=true every
// request — reads and writes alike — goes through (the official Go SDK
// applies its Unsafe flag to GETs only).
func TestDriverOverTLS(t *testing.T) {
	ctx := context.Background()
	srv := lockertest.NewTLSServer()
	defer srv.Close()
	k, err := srv.CreateProject("tls").CreateAccessKey(lockertest.KeyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOCKER_ACCESS_KEY_ID", k.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", k.Secret)
	base := "locker://" + srv.Host() + "/locker_secrets?max_retries=0"
	if st, err := secrets.OpenStore(ctx, base); err == nil {
		st.Close()
		t.Fatal("opened over a self-signed certificate without insecure_tls")
	} else {
		t.Logf("without insecure_tls: %s: %v", secrets.ErrorCode(err), err)
	}
	st, err := secrets.OpenStore(ctx, base+"&insecure_tls=true")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: "v1"}); err != nil {
		t.Fatal(err)
	}
	v2 := "v2"
	if _, err := st.Modify(ctx, "K", secrets.Update{Value: &v2}); err != nil {
		t.Fatal(err)
	}
	if v, err := st.In("prod").Value(ctx, "K"); err != nil || v != "v2" {
		t.Fatalf("Value = %q, %v", v, err)
	}
}
