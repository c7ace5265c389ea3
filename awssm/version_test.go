package awssm_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
)

// TestVersionExpiry: a token carries its version's expiry, to the
// nanosecond, over the whole range the portable layer accepts (years
// 1-9999), in 38-62 characters (AWS: 32-64); ids of any other form carry
// none.
func TestVersionExpiry(t *testing.T) {
	for _, exp := range []time.Time{
		{},
		time.Date(2026, 11, 25, 13, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 25, 13, 30, 0, 1, time.UTC),
		time.Date(2026, 11, 25, 13, 30, 0, 999999999, time.UTC),
		time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)), // stored in UTC
	} {
		tok := awssm.Token(exp)
		if len(tok) < 38 || len(tok) > 62 {
			t.Errorf("token %q: %d characters", tok, len(tok))
		}
		got, ok := awssm.VersionExpiry(tok)
		if !ok || !got.Equal(exp) {
			t.Errorf("VersionExpiry(%q) = %v, %v; want %v", tok, got, ok, exp)
		}
		if again := awssm.Token(exp); again[:36] == tok[:36] {
			t.Errorf("two tokens share their UUID: %q, %q", tok, again)
		}
	}
	u := awssm.Token(time.Time{})[:36]
	for _, id := range []string{
		"", u, u + "-", u + "-x", u + "-nn", u + "-e", u + "-e2026112513300", u + "-e20261125133000-",
		u + "-e20261125133000-12345678", u + "-e20261125133000-000000000", u + "-e20261125133000-1234567890",
		u + "-e2026112513300a", u + "-e20261325133000", u + "-e20261125133000x",
		u + "-e00010101000000", u + "-e00000101000000", u + "-e00001231235959-999999999", // never is -n; year 0
		strings.ToUpper(u) + "-n", "00000000-0000-0000-0000-00000000000g-n", "00000000_0000-0000-0000-000000000000-n",
		"EXAMPLE1-90ab-cdef-fedc-ba987EXAMPLE", // AWS's documented example version id
	} {
		if got, ok := awssm.VersionExpiry(id); ok {
			t.Errorf("VersionExpiry(%q) = %v, ok; want not ok", id, got)
		}
	}
}

// FuzzVersionExpiry: whatever the id, VersionExpiry does not panic, and an
// id it accepts is exactly the token of the expiry it read (one form per
// expiry: no two ids read as the same expiry but for their UUID).
func FuzzVersionExpiry(f *testing.F) {
	for _, s := range []string{awssm.Token(time.Time{}), awssm.Token(time.Now()), awssm.Token(time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)), "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		exp, ok := awssm.VersionExpiry(id)
		if !ok {
			return
		}
		if exp.Location() != time.UTC {
			t.Fatalf("VersionExpiry(%q) = %v, not UTC", id, exp)
		}
		want := awssm.Token(exp)
		if id[36:] != want[36:] {
			t.Fatalf("VersionExpiry(%q) = %v, whose token ends %q", id, exp, want[36:])
		}
	})
}

// TestExpiryInVersionID: the current version's id is the expiry of the
// secret in Get, List and Values alike — a tag changed by hand does not
// make them disagree; a version written by another tool (plain UUID)
// leaves the tag in charge.
func TestExpiryInVersionID(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, p, c := faultyStoreClient(t, f)
	past := time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	if _, err := st.Create(ctx, secrets.Secret{Key: "X", Value: "x", ExpiresAt: past}); err != nil {
		t.Fatal(err)
	}
	name := p + "/_global/X"
	untag := func() {
		t.Helper()
		if _, err := c.UntagResource(ctx, &sm.UntagResourceInput{SecretId: &name, TagKeys: []string{awssm.TagExpiresAt}}); err != nil {
			t.Fatal(err)
		}
	}
	expiries := func() []time.Time {
		t.Helper()
		g, err := st.Get(ctx, "X", secrets.IncludeExpired())
		if err != nil {
			t.Fatal(err)
		}
		page, _, err := st.ListPage(ctx, secrets.ListOptions{Prefix: "X"}, "")
		if err != nil || len(page) != 1 {
			t.Fatalf("ListPage: %v, %v", page, err)
		}
		out := []time.Time{g.ExpiresAt, page[0].ExpiresAt}
		res, err := st.Values(ctx, "X")
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case res[0].Err == nil:
			out = append(out, res[0].Secret.ExpiresAt)
		case secrets.ErrorCode(res[0].Err) == secrets.FailedPrecondition:
			out = append(out, past) // ErrExpired: Values hides the secret
		default:
			t.Fatal(res[0].Err)
		}
		return out
	}
	untag()
	if diff := cmp.Diff([]time.Time{past, past, past}, expiries()); diff != "" {
		t.Errorf("driver's version, tag removed by hand: expiry of Get, List, Values (-want +got):\n%s", diff)
	}
	// A new version written by another tool (the SDK fills in a plain
	// UUID token): its id carries nothing, so the tag (absent now) says it
	// never expires, in all three.
	if _, err := c.PutSecretValue(ctx, &sm.PutSecretValueInput{SecretId: &name, SecretString: aws.String("y")}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Time{{}, {}, {}}, expiries()); diff != "" {
		t.Errorf("version written by another tool, no tag (-want +got):\n%s", diff)
	}
	if _, err := c.TagResource(ctx, &sm.TagResourceInput{SecretId: &name, Tags: []types.Tag{{Key: aws.String(awssm.TagExpiresAt), Value: aws.String(past.Format(time.RFC3339))}}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]time.Time{past, past, past}, expiries()); diff != "" {
		t.Errorf("version written by another tool, expiry tag (-want +got):\n%s", diff)
	}
}
