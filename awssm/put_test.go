package awssm_test

import (
	"maps"
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
)

// seenOps is a copy of the per-operation request counts of f.
func seenOps(f *faulty) map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.seen)
}

// opsSince is what f saw after before, operations with no request left out.
func opsSince(f *faulty, before map[string]int) map[string]int {
	d := map[string]int{}
	for op, n := range seenOps(f) {
		if n -= before[op]; n > 0 {
			d[op] = n
		}
	}
	return d
}

// TestPutNative (9.4): Put is the driver's own, in the documented calls:
// DescribeSecret, then CreateSecret for a new secret, or the tag changes
// needed and one UpdateSecret for an existing one; foreign tags stay, the
// polysecret ones are replaced as a whole.
func TestPutNative(t *testing.T) {
	needServer(t)
	f := newFaulty()
	st, p := faultyStore(t, f, 0)
	raw := rawClient(t, nil)
	if _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "prod"}); err != nil {
		t.Fatal(err)
	}
	full := secrets.Secret{Key: "P", Value: "v1", Description: "d", Type: secrets.TypePassword, Labels: map[string]string{"a": "1", "b": "2"}}
	for _, tc := range []struct {
		name     string
		store    *secrets.Store
		put      secrets.Secret
		wantOps  map[string]int
		wantTags map[string]string // of the AWS secret afterwards
		setup    func(t *testing.T)
	}{
		{"create", st, full, map[string]int{"DescribeSecret": 1, "CreateSecret": 1},
			map[string]string{"polysecret:type": "password", "polysecret:label:a": "1", "polysecret:label:b": "2"}, nil},
		{"replace, same metadata", st, secrets.Secret{Key: "P", Value: "v2", Description: "d", Type: secrets.TypePassword, Labels: map[string]string{"a": "1", "b": "2"}},
			map[string]int{"DescribeSecret": 1, "UpdateSecret": 1},
			map[string]string{"polysecret:type": "password", "polysecret:label:a": "1", "polysecret:label:b": "2"}, nil},
		{"replace, other metadata; a foreign tag stays", st, secrets.Secret{Key: "P", Value: "v3", Description: "e", Labels: map[string]string{"a": "9"}},
			map[string]int{"DescribeSecret": 1, "UntagResource": 1, "TagResource": 1, "UpdateSecret": 1},
			map[string]string{"polysecret:label:a": "9", "owner": "ops"}, func(t *testing.T) {
				if _, err := raw.TagResource(ctx, &sm.TagResourceInput{SecretId: aws.String(p + "/_global/P"),
					Tags: []types.Tag{{Key: aws.String("owner"), Value: aws.String("ops")}}}); err != nil {
					t.Fatal(err)
				}
			}},
		{"create in an environment", st.In("prod"), secrets.Secret{Key: "P", Value: "p1"},
			map[string]int{"DescribeSecret": 2, "GetSecretValue": 1, "CreateSecret": 1}, map[string]string{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			before := seenOps(f)
			got, err := tc.store.Put(ctx, tc.put)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantOps, opsSince(f, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			want := tc.put
			want.Environment = tc.store.Environment()
			want.Type = secrets.TypeGeneric
			if tc.put.Type != "" {
				want.Type = tc.put.Type
			}
			if diff := cmp.Diff(&want, got, cmpIgnoreDriverFields()); diff != "" {
				t.Errorf("Put returned (-want +got):\n%s", diff)
			}
			if read, err := tc.store.Get(ctx, "P"); err != nil {
				t.Fatal(err)
			} else if diff := cmp.Diff(&want, read, cmpIgnoreDriverFields()); diff != "" {
				t.Errorf("Get after Put (-want +got):\n%s", diff)
			}
			desc, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(p + "/" + scopeOf(tc.store) + "/P")})
			if err != nil {
				t.Fatal(err)
			}
			tags := map[string]string{}
			for _, tg := range desc.Tags {
				tags[*tg.Key] = *tg.Value
			}
			if diff := cmp.Diff(tc.wantTags, tags); diff != "" {
				t.Errorf("tags (-want +got):\n%s", diff)
			}
		})
	}
	if vs, err := st.Versions(ctx, "P"); err != nil || len(vs) != 3 {
		t.Errorf("after Put ×3: %d versions, %v; want 3", len(vs), err)
	}
}

func scopeOf(st *secrets.Store) string {
	if st.Environment() == "" {
		return "_global"
	}
	return st.Environment()
}

// TestPutRaces (9.4): a secret created by someone else between Put's
// DescribeSecret and its CreateSecret is replaced; one deleted between
// DescribeSecret and UpdateSecret is created again; a lost UpdateSecret
// answer retried by the SDK makes one version.
func TestPutRaces(t *testing.T) {
	needServer(t)
	raw := rawClient(t, nil)
	for _, tc := range []struct {
		name     string
		exists   bool
		op       string
		meddle   func(t *testing.T, name string)
		action   action
		versions int
	}{
		{"created meanwhile", false, "CreateSecret", func(t *testing.T, name string) {
			if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: &name, SecretString: aws.String("theirs"),
				Tags: []types.Tag{{Key: aws.String("polysecret:type"), Value: aws.String("token")}}}); err != nil {
				t.Fatal(err)
			}
		}, 0, 2},
		{"deleted meanwhile", true, "UpdateSecret", func(t *testing.T, name string) {
			if _, err := raw.DeleteSecret(ctx, &sm.DeleteSecretInput{SecretId: &name, ForceDeleteWithoutRecovery: aws.Bool(true)}); err != nil {
				t.Fatal(err)
			}
		}, 0, 1},
		{"UpdateSecret answer lost", true, "UpdateSecret", nil, lose, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFaulty()
			st, p := faultyStore(t, f, 0)
			name := p + "/_global/R"
			if tc.exists {
				if _, err := st.Create(ctx, secrets.Secret{Key: "R", Value: "old", Type: secrets.TypeToken}); err != nil {
					t.Fatal(err)
				}
			}
			if tc.meddle != nil {
				once := false
				f.wrap(tc.op, func(r *http.Request, next http.RoundTripper) (*http.Response, error) {
					if !once {
						once = true
						tc.meddle(t, name)
					}
					return next.RoundTrip(r)
				})
			}
			if tc.action != 0 {
				f.then(tc.op, tc.action)
			}
			if _, err := st.Put(ctx, secrets.Secret{Key: "R", Value: "mine"}); err != nil {
				t.Fatal(err)
			}
			got, err := st.Get(ctx, "R")
			if err != nil {
				t.Fatal(err)
			}
			if got.Value != "mine" || got.Type != secrets.TypeGeneric {
				t.Errorf("after Put: value %q, type %q; want mine, generic", got.Value, got.Type)
			}
			if vs, err := st.Versions(ctx, "R"); err != nil || len(vs) != tc.versions {
				t.Errorf("%d versions, %v; want %d", len(vs), err, tc.versions)
			}
		})
	}
}
