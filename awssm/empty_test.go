package awssm_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
)

// TestEmptyValueFromVersionAlone (8.1): whether a value is empty is decided
// by the version alone (one NUL byte in SecretBinary), never by a tag
// written in another call. With every tag call refused, a Modify of the
// value still succeeds and Get returns exactly what was written.
func TestEmptyValueFromVersionAlone(t *testing.T) {
	needServer(t)
	for _, tc := range []struct{ name, from, to string }{
		{"NewToEmpty", "new", ""},
		{"EmptyToNew", "", "new"},
		{"EmptyToNUL", "", "\x00"},
		{"NULToEmpty", "\x00", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaulty()
			st, _ := faultyStore(t, f, 0)
			if _, err := st.Create(ctx, secrets.Secret{Key: "K", Value: tc.from}); err != nil {
				t.Fatal(err)
			}
			f.then("TagResource", refuse)
			f.then("UntagResource", refuse)
			if _, err := st.Modify(ctx, "K", secrets.Update{Value: aws.String(tc.to)}); err != nil {
				t.Errorf("Modify of the value only, with tag calls refused: %v", err)
			}
			if v, err := st.Value(ctx, "K"); err != nil || v != tc.to {
				t.Errorf("Value = %q, %v; want %q", v, err, tc.to)
			}
			if n := f.count("TagResource") + f.count("UntagResource"); n != 0 {
				t.Errorf("%d tag calls for a value-only Modify, want 0", n)
			}
			// and listed with values
			var got []string
			for s, err := range st.List(ctx, secrets.ListOptions{WithValues: true}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, s.Value)
			}
			if len(got) != 1 || got[0] != tc.to {
				t.Errorf("listed values %q, want [%q]", got, tc.to)
			}
		})
	}
}

// TestOldEmptyTagIgnored (8.1): a secret written by an older driver may
// carry polysecret:empty=true. The tag is ignored: a version holding one NUL
// byte in SecretBinary is empty (what the old driver wrote together with
// the tag); any other version reads as what it holds, tag or not (the old
// driver's tag call failed, or the tag is stale).
func TestOldEmptyTagIgnored(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	emptyTag := []types.Tag{{Key: aws.String("polysecret:empty"), Value: aws.String("true")}}
	for _, in := range []*sm.CreateSecretInput{
		{Name: aws.String(p + "/_global/EMPTY"), SecretBinary: []byte{0}, Tags: emptyTag},
		{Name: aws.String(p + "/_global/STALE"), SecretString: aws.String("new"), Tags: emptyTag},
		{Name: aws.String(p + "/_global/UNTAGGED"), SecretBinary: []byte{0}},
	} {
		if _, err := raw.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, "awssm://"+p)
	for key, want := range map[string]string{"EMPTY": "", "STALE": "new", "UNTAGGED": ""} {
		if v, err := st.Value(ctx, key); err != nil || v != want {
			t.Errorf("Value(%s) = %q, %v; want %q", key, v, err, want)
		}
	}
}
