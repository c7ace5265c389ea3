package main

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/datalayer/datalayertest"
)

// copy to a store without environments (Datalayer: GlobalOnly) copies the
// global secrets, says which environments it cannot create, skips their
// secrets, and ends with Unimplemented's status.
func TestCopyToGlobalOnly(t *testing.T) {
	src, _ := fileStores(t, 0)
	for _, argv := range [][]string{
		{"env", "create", "prod", "--url", src},
	} {
		if st, _, e := runCmd(t, argv...); st != 0 {
			t.Fatalf("%v: status %d: %s", argv, st, e)
		}
	}
	ctx := context.Background()
	s, err := secrets.OpenStore(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	for _, sec := range []secrets.Secret{{Key: "API_KEY", Value: "g"}, {Environment: "prod", Key: "DB", Value: "p"}} {
		if _, err := s.Create(ctx, sec); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	srv := datalayertest.NewServer()
	t.Cleanup(srv.Close)
	t.Setenv("DATALAYER_API_KEY", srv.NewAPIKey())
	dst := "datalayer://" + srv.Host() + "?scheme=http"

	st, out, errOut := runCmd(t, "copy", src, dst)
	if st != 12 { // Unimplemented
		t.Errorf("status %d, want 12 (Unimplemented); stderr %q", st, errOut)
	}
	want := "note: the destination does not store labels, expiry: those are not copied\n" +
		"cannot create environment prod: the destination has no environments (it holds global secrets only); its secrets are skipped\n" +
		"create API_KEY in (global)\n"
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("stdout (-want +got):\n%s", diff)
	}
	if !strings.Contains(errOut, "1 secrets could not be copied") {
		t.Errorf("stderr %q", errOut)
	}
	d, err := secrets.OpenStore(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if v, err := d.Value(ctx, "API_KEY"); err != nil || v != "g" {
		t.Errorf("API_KEY in the destination: %q, %v", v, err)
	}
	if _, err := d.Get(ctx, "DB"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("DB of prod reached the destination's global scope: %v", err)
	}
}
