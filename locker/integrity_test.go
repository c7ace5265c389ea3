package locker_test

import (
	"strings"
	"testing"

	"github.com/polysecret/secrets"
)

// TestSwappedCiphertexts (8.25): a server that serves one secret's (or
// environment's) ciphertexts under another's id and hash is caught on Get,
// Modify results and listings: Internal, with no plaintext in the error.
func TestSwappedCiphertexts(t *testing.T) {
	setup := func(t *testing.T) *swapFixture {
		e := newEnv(t)
		st := e.mustOpen(t, e.key)
		f := &swapFixture{e: e, st: st, id: map[string]string{}}
		for _, n := range []string{"prod", "qa"} {
			en, err := st.CreateEnvironment(ctx, secrets.Environment{Name: n, Description: "desc-" + n})
			if err != nil {
				t.Fatal(err)
			}
			f.id[n+":"] = en.ID
		}
		for _, s := range []secrets.Secret{{Key: "A", Value: "value-of-A"}, {Key: "B", Value: "value-of-B"},
			{Environment: "prod", Key: "K", Value: "value-of-prod-K"}, {Environment: "qa", Key: "K", Value: "value-of-qa-K"}} {
			got, err := st.In(s.Environment).Create(ctx, s)
			if err != nil {
				t.Fatal(err)
			}
			f.id[s.Environment+"/"+s.Key] = got.ID
		}
		return f
	}
	for _, tc := range []struct {
		name string
		swap func(f *swapFixture) error
		op   func(f *swapFixture) error
	}{
		{"Get, keys swapped", swapS("/A", "/B"), func(f *swapFixture) error { _, err := f.st.In("").Get(ctx, "A"); return err }},
		{"Get, environments swapped", swapS("prod/K", "qa/K"), func(f *swapFixture) error { _, err := f.st.In("prod").Get(ctx, "K"); return err }},
		{"Modify result", swapS("/A", "/B"), func(f *swapFixture) error {
			_, err := f.st.In("").Modify(ctx, "A", secrets.Update{Description: secrets.Ptr("d")})
			return err
		}},
		{"list global", swapS("/A", "/B"), func(f *swapFixture) error {
			_, _, err := f.st.In("").ListPage(ctx, secrets.ListOptions{WithValues: true}, "")
			return err
		}},
		{"list all environments, environments swapped", swapS("prod/K", "qa/K"), func(f *swapFixture) error {
			_, _, err := f.st.ListPage(ctx, secrets.ListOptions{AllEnvironments: true}, "")
			return err
		}},
		{"list one environment, environments swapped", swapS("prod/K", "qa/K"), func(f *swapFixture) error {
			_, _, err := f.st.In("qa").ListPage(ctx, secrets.ListOptions{}, "")
			return err
		}},
		{"GetEnvironment", swapE("prod", "qa"), func(f *swapFixture) error { _, err := f.st.GetEnvironment(ctx, "prod"); return err }},
		{"ListEnvironments", swapE("prod", "qa"), func(f *swapFixture) error { _, err := f.st.ListEnvironments(ctx); return err }},
		{"ModifyEnvironment result", swapE("prod", "qa"), func(f *swapFixture) error {
			_, err := f.st.ModifyEnvironment(ctx, "prod", secrets.EnvironmentUpdate{Description: secrets.Ptr("x")})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			if err := tc.swap(f); err != nil {
				t.Fatal(err)
			}
			err := tc.op(f)
			if secrets.ErrorCode(err) != secrets.Internal {
				t.Fatalf("after the swap: %v, want Internal", err)
			}
			for _, p := range []string{"value-of", "desc-"} {
				if strings.Contains(err.Error(), p) {
					t.Errorf("error shows plaintext: %v", err)
				}
			}
		})
	}
}

type swapFixture struct {
	e  *env
	st *secrets.Store
	id map[string]string // "env/key" of a secret, "name:" of an environment -> id
}

func swapS(a, b string) func(*swapFixture) error {
	return func(f *swapFixture) error { return f.e.proj.SwapSecrets(f.id[a], f.id[b]) }
}

func swapE(a, b string) func(*swapFixture) error {
	return func(f *swapFixture) error { return f.e.proj.SwapEnvironments(f.id[a+":"], f.id[b+":"]) }
}
