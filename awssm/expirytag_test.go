package awssm_test

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
)

func expiryTag(t *testing.T, c *sm.Client, name string) string {
	t.Helper()
	d, err := c.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: &name})
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range d.Tags {
		if aws.ToString(tg.Key) == awssm.TagExpiresAt {
			return aws.ToString(tg.Value)
		}
	}
	return ""
}

// TestModifyRealignsExpiryTag: DESIGN.md says a polysecret:expires-at
// tag that disagrees with the version id "is ignored until the next write".
// Modify computes the tags it has from the secret it read (whose expiry now
// comes from the version id), not from the tags AWS holds, so a drifted tag
// is never rewritten by Modify, and comes back in force as soon as another
// tool writes a version.
func TestModifyRealignsExpiryTag(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, p, c := faultyStoreClient(t, f)
	name := p + "/_global/X"
	future := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if _, err := st.Create(ctx, secrets.Secret{Key: "X", Value: "x", ExpiresAt: future}); err != nil {
		t.Fatal(err)
	}
	// A Modify of the expiry that fails at its last call (the version):
	// the tag landed, the version did not.
	f.then("PutSecretValue", refuse)
	if _, err := st.Modify(ctx, "X", secrets.Update{ExpiresAt: &past}); err == nil {
		t.Fatal("Modify succeeded despite the refused PutSecretValue")
	}
	if g, err := st.Get(ctx, "X"); err != nil || !g.ExpiresAt.Equal(future) {
		t.Fatalf("after the failed Modify: Get = %v, %v; want expiry %v (the version's)", g, err, future)
	}
	// The next successful write (a description change).
	if _, err := st.Modify(ctx, "X", secrets.Update{Description: secrets.Ptr("d")}); err != nil {
		t.Fatal(err)
	}
	if tag := expiryTag(t, c, name); tag != future.Format(time.RFC3339Nano) {
		t.Errorf("after the next write, tag %s = %q; want %q (the version id's expiry)", awssm.TagExpiresAt, tag, future.Format(time.RFC3339Nano))
	}
	// Consequence: a value written by the console/CLI makes the secret
	// expired, by an expiry no successful polysecret write ever set.
	if _, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: &name, SecretString: aws.String("y")}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, "X"); err != nil {
		t.Errorf("after a console write: Get = %v; want the secret (expiry %v)", err, future)
	}
}

// TestListWithValuesExpiry: List WithValues takes value and version
// from BatchGetSecretValue, but the expiry from the listing's version
// (eventually consistent): a secret whose value's version id says
// "expired" is listed as never expiring, and `polysecret exec/export`
// (collect.go) hand its value out.
func TestListWithValuesExpiry(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, _ := faultyStore(t, f, 0)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if _, err := st.Create(ctx, secrets.Secret{Key: "X", Value: "x", ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	f.wrap("ListSecrets", staleListing) // the listing lags one version
	for s, err := range st.List(ctx, secrets.ListOptions{Prefix: "X", WithValues: true}) {
		if err != nil {
			t.Fatal(err)
		}
		exp, ok := awssm.VersionExpiry(s.Version)
		if !ok {
			t.Fatalf("listed version %q is not the driver's", s.Version)
		}
		if !s.ExpiresAt.Equal(exp) {
			t.Errorf("listed %s: value %q of version %q (expiry %v), ExpiresAt %v; Expired = %v",
				s.Key, s.Value, s.Version, exp, s.ExpiresAt, s.Expired(time.Now()))
		}
	}
}
