package main

import (
	"context"
	"testing"

	"github.com/polysecret/secrets/abeja/abejatest"
	"github.com/polysecret/secrets/datalayer/datalayertest"
	"github.com/polysecret/secrets/locker/lockertest"
)

// TestQuickstart runs the quickstart twice on one store: the second run
// must not meet the first one's secrets, and each cleans up after itself.
func TestQuickstart(t *testing.T) {
	for range 2 {
		if err := run(context.Background(), "mem://quickstart-test"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestQuickstartLocker runs it on a Locker-compatible server, where
// secrets and environments cannot be deleted and types, labels and
// expiry are Unimplemented: the quickstart adapts instead of stopping, and
// a second run does not meet the first one's secrets.
func TestQuickstartLocker(t *testing.T) {
	srv := lockertest.NewServer()
	defer srv.Close()
	k, err := srv.CreateProject("qs").CreateAccessKey(lockertest.KeyOptions{Permission: lockertest.ReadWrite})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("LOCKER_ACCESS_KEY_ID", k.ID)
	t.Setenv("LOCKER_SECRET_ACCESS_KEY", k.Secret)
	for range 2 {
		if err := run(context.Background(), "locker://"+srv.Host()+"/locker_secrets?scheme=http"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestQuickstartGlobalOnly runs it twice on the backends without
// environments (ABEJA, Datalayer): everything is global, and the second run
// does not meet the first one's secrets.
func TestQuickstartGlobalOnly(t *testing.T) {
	t.Run("datalayer", func(t *testing.T) {
		srv := datalayertest.NewServer()
		defer srv.Close()
		t.Setenv("DATALAYER_API_KEY", srv.NewAPIKey())
		for range 2 {
			if err := run(context.Background(), "datalayer://"+srv.Host()+"?scheme=http"); err != nil {
				t.Fatal(err)
			}
		}
	})
	t.Run("abeja", func(t *testing.T) {
		srv := abejatest.NewServer()
		defer srv.Close()
		org := srv.NewOrganization()
		user, pat := srv.NewUser(org)
		t.Setenv("ABEJA_PLATFORM_USER_ID", user)
		t.Setenv("ABEJA_PLATFORM_PERSONAL_ACCESS_TOKEN", pat)
		for range 2 {
			if err := run(context.Background(), "abeja://"+srv.Host()+"/"+org+"?scheme=http"); err != nil {
				t.Fatal(err)
			}
		}
	})
}
