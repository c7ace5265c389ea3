package awssm_test

import (
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	sm "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/google/go-cmp/cmp"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/awssm"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
)

// nativeCaps is what the native layout declares: AWS's own description,
// tags as labels, AWS versions and deletion; environments are
// configuration; no type, no expiry (AWS has no place for them), no
// compare-and-set.
var nativeCaps = backend.Capabilities{Versions: true, Delete: true, Labels: true, FixedEnvironments: true, NoEmptyValues: true}

func nativeURL(p string) string {
	return "awssm://" + p + "?region=us-east-1&layout=native&envs=" + strings.Join(conformance.Environments, ",")
}

func TestConformanceNative(t *testing.T) {
	needServer(t)
	conformance.Run(t, conformance.Harness{
		New:  conformance.ByURL(func() string { return nativeURL(drivertest.Prefix()) }),
		Want: nativeCaps,
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *sm.Client
			if !s.As(&c) || c == nil {
				t.Error("As(**secretsmanager.Client) failed")
			}
		},
		CheckErrorAs: func(t *testing.T, s *secrets.Store, err error) {
			var nf *types.ResourceNotFoundException
			if !s.ErrorAs(err, &nf) {
				t.Errorf("ErrorAs(%v, **types.ResourceNotFoundException) failed", err)
			}
		},
	})
}

// rawSecret is a secret as an operator makes it with the AWS CLI or SDK.
type rawSecret struct {
	name   string // below the test's prefix
	str    *string
	bin    []byte
	desc   string
	tags   map[string]string
	env    string // where the store must see it
	key    string // the key it must have there
	fields map[string]string
	newVal string // the value the test writes through the store
}

func (r rawSecret) value() string {
	if r.bin != nil {
		return string(r.bin)
	}
	return *r.str
}

func tagList(m map[string]string) []types.Tag {
	var out []types.Tag
	for k, v := range m {
		out = append(out, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return out
}

func tagMap(tags []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

// TestExistingSecrets (issue 10): secrets made with the raw SDK exactly as
// an operator would — names of one, two and five segments, with + = @, a
// JSON SecretString, a binary SecretBinary, one under a configured
// environment's directory — are read through a native store (whole, and by
// #field where JSON), listed exactly once (all, by scope, by prefix),
// modified through the store, and read back by the raw client unchanged in
// shape: a JSON string stays a JSON string, binary stays binary, the
// description and the operator's tags stay.
func TestExistingSecrets(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	existing := []rawSecret{
		{name: "legacy", str: aws.String("plain-1"), key: "legacy", newVal: "plain-2"},
		{name: "legacyapp/config", str: aws.String("two segments"), desc: "made by ops", tags: map[string]string{"owner": "ops", "cost-center": "42"},
			key: "legacyapp/config", newVal: "two segments, changed"},
		{name: "a/b/c/d/e", str: aws.String("five"), key: "a/b/c/d/e", newVal: "five again"},
		{name: "svc/pass+x=y@z.com", str: aws.String("punct"), key: "svc/pass+x=y@z.com", newVal: "punct 2"},
		{name: "db/creds", str: aws.String(`{"username":"u","password":"p","port":5432}`), key: "db/creds",
			fields: map[string]string{"username": "u", "password": "p", "port": "5432"}, newVal: `{"username":"u","password":"p2","port":5432}`},
		{name: "certs/der", bin: []byte{0x30, 0x82, 0xff, 0x00, 0x80, 0xfe}, key: "certs/der", newVal: "\x30\x82\xff\x00\x81"},
		{name: "certs/pem", bin: []byte("-----BEGIN CERTIFICATE-----"), key: "certs/pem", newVal: "-----BEGIN CERTIFICATE----- 2"}, // binary, though UTF-8
		{name: "prod/api/token", str: aws.String("tok-prod"), env: "prod", key: "api/token", newVal: "tok-prod-2"},
		{name: "prod", str: aws.String("named like the environment"), key: "prod", newVal: "still global"},
	}
	for _, r := range existing {
		_, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/" + r.name), SecretString: r.str, SecretBinary: r.bin,
			Description: nilIfEmpty(r.desc), Tags: tagList(r.tags)})
		if err != nil {
			t.Fatalf("CreateSecret %s: %v", r.name, err)
		}
	}
	st := open(t, "awssm://"+p+"?layout=native&envs=prod,staging")

	t.Run("Read", func(t *testing.T) {
		for _, r := range existing {
			got, err := st.In(r.env).Get(ctx, r.key)
			if err != nil {
				t.Errorf("Get(%s in %q): %v", r.key, r.env, err)
				continue
			}
			want := &secrets.Secret{Environment: r.env, Key: r.key, Value: r.value(), Description: r.desc, Labels: r.tags, Type: secrets.TypeGeneric}
			if diff := cmp.Diff(want, got, cmpIgnoreDriverFields(), cmpEquateEmpty); diff != "" {
				t.Errorf("Get(%s) (-want +got):\n%s", r.key, diff)
			}
			if !strings.HasSuffix(got.ID, ":secret:"+p+"/"+r.name+"-"+got.ID[len(got.ID)-6:]) {
				t.Errorf("ID of %s = %q, not the ARN of %s", r.key, got.ID, p+"/"+r.name)
			}
			for f, v := range r.fields {
				if got, err := st.Value(ctx, r.key+"#"+f); err != nil || got != v {
					t.Errorf("Value(%s#%s) = %q, %v; want %q", r.key, f, got, err, v)
				}
			}
		}
	})

	t.Run("List", func(t *testing.T) {
		var all []string
		for _, r := range existing {
			all = append(all, r.env+":"+r.key)
		}
		for _, tc := range []struct {
			name string
			st   *secrets.Store
			o    secrets.ListOptions
			want []string
		}{
			{"All", st, secrets.ListOptions{AllEnvironments: true, PageSize: 2}, all},
			{"Global", st, secrets.ListOptions{PageSize: 3},
				[]string{":legacy", ":legacyapp/config", ":a/b/c/d/e", ":svc/pass+x=y@z.com", ":db/creds", ":certs/der", ":certs/pem", ":prod"}},
			{"Prod", st.In("prod"), secrets.ListOptions{}, []string{"prod:api/token"}},
			{"Staging", st.In("staging"), secrets.ListOptions{}, nil},
			{"PrefixDir", st, secrets.ListOptions{Prefix: "a/b/"}, []string{":a/b/c/d/e"}},
			{"PrefixWord", st, secrets.ListOptions{Prefix: "legacy"}, []string{":legacy", ":legacyapp/config"}},
			{"PrefixInEnv", st.In("prod"), secrets.ListOptions{Prefix: "api/"}, []string{"prod:api/token"}},
			{"PrefixEnvName", st, secrets.ListOptions{Prefix: "prod"}, []string{":prod"}},
			{"WithValues", st, secrets.ListOptions{Prefix: "certs/", WithValues: true}, []string{":certs/der", ":certs/pem"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var got []string
				for s, err := range tc.st.List(ctx, tc.o) {
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, s.Environment+":"+s.Key)
					if tc.o.WithValues && s.Key == "certs/der" && s.Value != string(existing[5].bin) {
						t.Errorf("listed value of certs/der = %q", s.Value)
					}
				}
				sort.Strings(got)
				want := append([]string(nil), tc.want...)
				sort.Strings(want)
				if diff := cmp.Diff(want, got, cmpEquateEmpty); diff != "" {
					t.Errorf("listing (-want +got):\n%s", diff)
				}
			})
		}
	})

	t.Run("ModifyKeepsShape", func(t *testing.T) {
		for _, r := range existing {
			v := r.newVal
			if _, err := st.In(r.env).Modify(ctx, r.key, secrets.Update{Value: &v}); err != nil {
				t.Errorf("Modify(%s): %v", r.key, err)
				continue
			}
			out, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(p + "/" + r.name)})
			if err != nil {
				t.Errorf("raw GetSecretValue %s: %v", r.name, err)
				continue
			}
			if r.bin != nil {
				if out.SecretString != nil || string(out.SecretBinary) != v {
					t.Errorf("%s: after Modify string %v, binary %q; want binary %q", r.name, out.SecretString != nil, out.SecretBinary, v)
				}
			} else if aws.ToString(out.SecretString) != v || out.SecretBinary != nil {
				t.Errorf("%s: after Modify SecretString %q (binary %q), want %q", r.name, aws.ToString(out.SecretString), out.SecretBinary, v)
			}
			desc, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(p + "/" + r.name)})
			if err != nil {
				t.Fatal(err)
			}
			if aws.ToString(desc.Description) != r.desc {
				t.Errorf("%s: description %q after Modify, want %q", r.name, aws.ToString(desc.Description), r.desc)
			}
			if diff := cmp.Diff(r.tags, tagMap(desc.Tags), cmpEquateEmpty); diff != "" {
				t.Errorf("%s: tags after Modify (-want +got):\n%s", r.name, diff)
			}
		}
		if got, err := st.Value(ctx, "db/creds#password"); err != nil || got != "p2" {
			t.Errorf("Value(db/creds#password) after Modify = %q, %v", got, err)
		}
	})
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// TestNativeWholeAccount: with no prefix (awssm://?layout=native), the key
// is the whole AWS name: a one-segment name is read as it is, and a listing
// by its prefix finds it exactly once.
func TestNativeWholeAccount(t *testing.T) {
	needServer(t)
	name := strings.ReplaceAll(drivertest.Prefix(), "/", "-") + "-top"
	raw := rawClient(t, nil)
	if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: &name, SecretString: aws.String("top-value")}); err != nil {
		t.Fatal(err)
	}
	st := open(t, "awssm://?layout=native&region=us-east-1")
	if v, err := st.Value(ctx, name); err != nil || v != "top-value" {
		t.Fatalf("Value(%s) = %q, %v", name, v, err)
	}
	var got []string
	for s, err := range st.List(ctx, secrets.ListOptions{Prefix: name, AllEnvironments: true}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, s.Key)
	}
	if diff := cmp.Diff([]string{name}, got); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: name + "/child", Value: "c"}); err != nil {
		t.Fatal(err)
	}
	out, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(name + "/child")})
	if err != nil || aws.ToString(out.SecretString) != "c" {
		t.Fatalf("the store's secret under its own name: %v, %v", out, err)
	}
}

var cmpEquateEmpty = cmp.FilterValues(func(x, y any) bool { return isEmpty(x) && isEmpty(y) }, cmp.Comparer(func(_, _ any) bool { return true }))

func isEmpty(x any) bool {
	switch v := x.(type) {
	case map[string]string:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
}

// TestNativeValues: a value that is valid UTF-8 is SecretString as it is
// (a lone NUL included: no NUL trick in the native layout), anything else
// SecretBinary, byte for byte; an empty value is InvalidArgument before any
// request (Secrets Manager cannot store one), and nothing is written.
func TestNativeValues(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	st := open(t, nativeURL(p))
	for _, tc := range []struct {
		name, value string
		binary      bool
	}{
		{"text", "hunter2", false},
		{"nul", "\x00", false},
		{"json", `{"a":1}`, false},
		{"bin", "\xff\xfe\x00", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := st.Create(ctx, secrets.Secret{Key: "v/" + tc.name, Value: tc.value}); err != nil {
				t.Fatal(err)
			}
			out, err := raw.GetSecretValue(ctx, &sm.GetSecretValueInput{SecretId: aws.String(p + "/v/" + tc.name)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.binary {
				if out.SecretString != nil || string(out.SecretBinary) != tc.value {
					t.Errorf("stored as string %v, binary %q", out.SecretString != nil, out.SecretBinary)
				}
			} else if out.SecretBinary != nil || aws.ToString(out.SecretString) != tc.value {
				t.Errorf("stored as binary %q, string %q", out.SecretBinary, aws.ToString(out.SecretString))
			}
			if v, err := st.Value(ctx, "v/"+tc.name); err != nil || v != tc.value {
				t.Errorf("Value = %q, %v", v, err)
			}
		})
	}
}

// TestNativeBadInput: each refused before any request, nothing written.
func TestNativeBadInput(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	tr := &drivertest.Transport{}
	c := rawClient(t, tr)
	st, err := awssm.New(c, awssm.Options{Prefix: p, Layout: awssm.LayoutNative, Environments: []string{"prod", "staging"}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Create(ctx, secrets.Secret{Key: "plain", Value: "not json"}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "obj", Value: `{"a":"b"}`}); err != nil {
		t.Fatal(err)
	}
	empty := ""
	for _, tc := range []struct {
		name     string
		call     func() error
		want     secrets.Code
		requests bool // the call needs the server to know
	}{
		{"FieldOfNonJSON", func() error { _, err := st.Get(ctx, "plain#a"); return err }, secrets.InvalidArgument, true},
		{"MissingField", func() error { _, err := st.Get(ctx, "obj#nope"); return err }, secrets.NotFound, true},
		{"DotDotGet", func() error { _, err := st.Get(ctx, "a/../plain"); return err }, secrets.InvalidArgument, false},
		{"DotDotCreate", func() error { _, err := st.Create(ctx, secrets.Secret{Key: "../x", Value: "v"}); return err }, secrets.InvalidArgument, false},
		{"EmptyCreate", func() error { _, err := st.Create(ctx, secrets.Secret{Key: "e", Value: ""}); return err }, secrets.InvalidArgument, false},
		{"EmptyPut", func() error { _, err := st.Put(ctx, secrets.Secret{Key: "plain", Value: ""}); return err }, secrets.InvalidArgument, false},
		{"EmptyModify", func() error { _, err := st.Modify(ctx, "plain", secrets.Update{Value: &empty}); return err }, secrets.InvalidArgument, false},
		{"GlobalKeyInEnvDirCreate", func() error { _, err := st.Create(ctx, secrets.Secret{Key: "prod/x", Value: "v"}); return err }, secrets.InvalidArgument, false},
		{"GlobalKeyInEnvDirPut", func() error { _, err := st.Put(ctx, secrets.Secret{Key: "staging/x", Value: "v"}); return err }, secrets.InvalidArgument, false},
		{"GlobalKeyInEnvDirGet", func() error { _, err := st.Get(ctx, "prod/x"); return err }, secrets.NotFound, false},
		{"GlobalKeyInEnvDirDelete", func() error { return st.Delete(ctx, "prod/x") }, secrets.InvalidArgument, false},
		// Get falls back to the global scope (one read of plain/x), as in any layout
		{"UnconfiguredEnvGet", func() error { _, err := st.In("nope").Get(ctx, "plain/x"); return err }, secrets.NotFound, true},
		{"UnconfiguredEnvModify", func() error {
			_, err := st.In("nope").Modify(ctx, "plain", secrets.Update{Description: secrets.Ptr("d")})
			return err
		}, secrets.NotFound, false},
		{"UnconfiguredEnvVersion", func() error { _, err := st.In("nope").Versions(ctx, "plain"); return err }, secrets.NotFound, false},
		{"UnconfiguredEnvCreate", func() error { _, err := st.In("nope").Create(ctx, secrets.Secret{Key: "x", Value: "v"}); return err }, secrets.NotFound, false},
		{"Type", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "t", Value: "v", Type: secrets.TypePassword})
			return err
		}, secrets.Unimplemented, false},
		{"CreateEnvironment", func() error { _, err := st.CreateEnvironment(ctx, secrets.Environment{Name: "qa"}); return err }, secrets.Unimplemented, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := tr.Requests()
			err := tc.call()
			if got := secrets.ErrorCode(err); got != tc.want {
				t.Fatalf("got %v (code %v), want %v", err, got, tc.want)
			}
			if n := tr.Requests() - before; !tc.requests && n != 0 {
				t.Errorf("%d requests sent", n)
			}
			if strings.Contains(err.Error(), "not json") {
				t.Errorf("error text holds a value: %v", err)
			}
		})
	}
	// nothing written
	var keys []string
	for s, err := range st.List(ctx, secrets.ListOptions{AllEnvironments: true}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, s.Environment+":"+s.Key)
	}
	if diff := cmp.Diff([]string{":obj", ":plain"}, keys); diff != "" {
		t.Errorf("secrets after the bad calls (-want +got):\n%s", diff)
	}
	if v, _ := st.Value(ctx, "plain"); v != "not json" {
		t.Errorf("plain changed")
	}
}

// TestNativeURLErrors: bad layout parameters are InvalidArgument at open.
func TestNativeURLErrors(t *testing.T) {
	drivertest.InvalidURLs(t,
		"awssm://app?layout=native&envs=prod,bad.name",
		"awssm://app?layout=native&envs=prod,,qa",
		"awssm://app?layout=native&envs=_global",
		"awssm://app?layout=native&envs=prod,prod",
		"awssm://app?layout=bogus",
		"awssm://app?envs=prod", // envs without the native layout
		"awssm://app/../x?layout=native",
		"awssm://app//x?layout=native",
		"awssm://app/x y?layout=native",
		"awssm://?region=us-east-1", // the default layout needs a prefix
	)
	for _, o := range []awssm.Options{
		{Prefix: "app", Layout: "bogus"},
		{Prefix: "app", Environments: []string{"prod"}},
		{Prefix: "app", Layout: awssm.LayoutNative, Environments: []string{"a/b"}},
	} {
		if _, err := awssm.New(sm.New(sm.Options{Region: "us-east-1"}), o); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("New(%+v) = %v, want InvalidArgument", o, err)
		}
	}
	// accepted: the default layout by name; _global as a native prefix
	for _, u := range []string{"awssm://app?layout=polysecret&region=us-east-1", "awssm://app/_global?layout=native&region=us-east-1",
		"awssm://?layout=native&region=us-east-1"} {
		st, err := secrets.OpenStore(ctx, u)
		if err != nil {
			t.Errorf("OpenStore(%q): %v", u, err)
			continue
		}
		st.Close()
	}
}

// TestNativeEnvironments: ListEnvironments and GetEnvironment answer the
// configured environments (sorted, no creation time, no description); any
// other is NotFound.
func TestNativeEnvironments(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "awssm://"+p+"?layout=native&envs=staging,prod")
	names, envs := drivertest.EnvironmentNames(t, st)
	for _, e := range envs {
		if !e.CreatedAt.IsZero() || e.Description != "" {
			t.Errorf("environment %+v has a creation time or description", e)
		}
	}
	if diff := cmp.Diff([]string{"prod", "staging"}, names); diff != "" {
		t.Errorf("ListEnvironments (-want +got):\n%s", diff)
	}
	if _, err := st.GetEnvironment(ctx, "prod"); err != nil {
		t.Error(err)
	}
	if _, err := st.GetEnvironment(ctx, "qa"); secrets.ErrorCode(err) != secrets.NotFound {
		t.Errorf("GetEnvironment(qa) = %v, want NotFound", err)
	}
	// env= scopes a URL's store to a configured environment: its keys are
	// below <prefix>/<env>/, with the global fallback.
	raw := rawClient(t, nil)
	for name, v := range map[string]string{"prod/db/url": "prod-url", "db/url": "global-url", "db/host": "global-host"} {
		if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/" + name), SecretString: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	prod := open(t, "awssm://"+p+"?layout=native&envs=staging,prod&env=prod")
	for key, want := range map[string]string{"db/url": "prod-url", "db/host": "global-host"} {
		if got, err := prod.Value(ctx, key); err != nil || got != want {
			t.Errorf("env=prod: Value(%s) = %q, %v; want %q", key, got, err, want)
		}
	}
}

// TestNativeLabels: labels are the secret's AWS tags, all of them (the
// operator's included); replacing labels replaces the tags; the
// description is AWS's.
func TestNativeLabels(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/tagged"), SecretString: aws.String("v"),
		Tags: tagList(map[string]string{"owner": "ops", "Name": "legacy thing"})}); err != nil {
		t.Fatal(err)
	}
	st := open(t, nativeURL(p))
	got, err := st.Get(ctx, "tagged")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"owner": "ops", "Name": "legacy thing"}, got.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if _, err := st.Modify(ctx, "tagged", secrets.Update{Labels: map[string]string{"owner": "dev", "tier": "gold"}, Description: secrets.Ptr("now described")}); err != nil {
		t.Fatal(err)
	}
	desc, err := raw.DescribeSecret(ctx, &sm.DescribeSecretInput{SecretId: aws.String(p + "/tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]string{"owner": "dev", "tier": "gold"}, tagMap(desc.Tags)); diff != "" {
		t.Errorf("tags after Modify (-want +got):\n%s", diff)
	}
	if aws.ToString(desc.Description) != "now described" {
		t.Errorf("description %q", aws.ToString(desc.Description))
	}
}

// TestNativeBatchValues: Values reads an environment's keys and falls back
// to the global scope in one pass; a global key under a configured
// environment's directory is NotFound there, without a request for it.
func TestNativeBatchValues(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	for name, v := range map[string]string{"prod/api/token": "tok", "legacy": "leg", "api/token": "global-tok", "staging/only": "st"} {
		if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/" + name), SecretString: aws.String(v)}); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, "awssm://"+p+"?layout=native&envs=prod,staging")
	res, err := st.In("prod").Values(ctx, "api/token", "legacy", "staging/only", "missing")
	if err != nil {
		t.Fatal(err)
	}
	type got struct{ Env, Value, Err string }
	var out []got
	for _, r := range res {
		if r.Err != nil {
			out = append(out, got{Err: secrets.ErrorCode(r.Err).String()})
			continue
		}
		out = append(out, got{Env: r.Secret.Environment, Value: r.Secret.Value})
	}
	want := []got{{"prod", "tok", ""}, {"", "leg", ""}, {Err: "NotFound"}, {Err: "NotFound"}}
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("Values (-want +got):\n%s", diff)
	}
	res, err = st.Values(ctx, "prod/api/token", "api/token")
	if err != nil {
		t.Fatal(err)
	}
	if secrets.ErrorCode(res[0].Err) != secrets.NotFound || res[1].Err != nil || res[1].Secret.Value != "global-tok" {
		t.Errorf("global Values: %v / %+v", res[0].Err, res[1])
	}
}

// TestNativeUnaddressableNames: AWS names below the prefix that are no
// portable key (a doubled /, a trailing /, a "." segment) are not listed,
// and do not disturb the listing of the others.
func TestNativeUnaddressableNames(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	for _, name := range []string{"ok", "odd//name", "trail/", "dir/./x"} {
		if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/" + name), SecretString: aws.String("v")}); err != nil {
			t.Fatalf("CreateSecret %q: %v", name, err)
		}
	}
	st := open(t, "awssm://"+p+"?layout=native")
	var keys []string
	for s, err := range st.List(ctx, secrets.ListOptions{AllEnvironments: true, WithValues: true}) {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, s.Key)
	}
	if diff := cmp.Diff([]string{"ok"}, keys); diff != "" {
		t.Errorf("listing (-want +got):\n%s", diff)
	}
}

// TestNativeURLOpener: a URLOpener's Options choose the native layout and
// its environments for the URLs it opens; the URL's parameters win.
func TestNativeURLOpener(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	raw := rawClient(t, nil)
	if _, err := raw.CreateSecret(ctx, &sm.CreateSecretInput{Name: aws.String(p + "/qa/k"), SecretString: aws.String("qa-k")}); err != nil {
		t.Fatal(err)
	}
	mux := new(secrets.URLMux)
	mux.Register(awssm.Scheme, &awssm.URLOpener{Client: raw, Options: awssm.Options{Layout: awssm.LayoutNative, Environments: []string{"prod"}}})
	for _, tc := range []struct {
		url, env, key string
	}{
		{"awssm://" + p, "", "qa/k"},             // qa is not configured: a global key
		{"awssm://" + p + "?envs=qa", "qa", "k"}, // the URL's envs win
	} {
		st, err := mux.OpenStore(ctx, tc.url)
		if err != nil {
			t.Fatal(err)
		}
		if v, err := st.In(tc.env).Value(ctx, tc.key); err != nil || v != "qa-k" {
			t.Errorf("%s: Value(%s in %q) = %q, %v", tc.url, tc.key, tc.env, v, err)
		}
		st.Close()
	}
}
