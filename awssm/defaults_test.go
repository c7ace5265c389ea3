package awssm_test

import (
	"errors"
	"testing"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestURLOpenerDefaults: a URLOpener's Options.Environment is the scope of
// the stores it opens when the URL has no env, and its Options.ReadOnly
// makes them read-only whatever the URL says — as every driver's opener
// (secrets.StoreDefaulter). Without it, an application that registered a
// read-only opener got writable stores from URLs.
func TestURLOpenerDefaults(t *testing.T) {
	needServer(t)
	c := rawClient(t, nil)
	p := drivertest.Prefix()
	admin, err := awssm.New(c, awssm.Options{Prefix: p})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	if _, err := admin.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		opts     awssm.Options
		url      string
		wantEnv  string
		readOnly bool
	}{
		{"env from Options", awssm.Options{Environment: "prod"}, "awssm://" + p, "prod", false},
		{"URL env wins", awssm.Options{Environment: "prod"}, "awssm://" + p + "?env=", "", false},
		{"read-only from Options", awssm.Options{ReadOnly: true}, "awssm://" + p, "", true},
		{"a URL cannot undo it", awssm.Options{ReadOnly: true}, "awssm://" + p + "?readonly=false", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mux := new(secrets.URLMux)
			mux.Register(awssm.Scheme, &awssm.URLOpener{Client: c, Options: tc.opts})
			st, err := mux.OpenStore(ctx, tc.url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if st.Environment() != tc.wantEnv {
				t.Errorf("Environment() = %q, want %q", st.Environment(), tc.wantEnv)
			}
			_, err = st.Create(ctx, secrets.Secret{Key: "W", Value: "v"})
			if tc.readOnly != errors.Is(err, secrets.ErrReadOnly) {
				t.Errorf("Create: %v, read-only %v", err, tc.readOnly)
			}
			if err == nil {
				_ = st.Delete(ctx, "W")
			}
		})
	}
}
