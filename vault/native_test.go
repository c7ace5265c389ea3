package vault_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/conformance"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// Tests of the native layout (layout=native): the key is Vault's own path
// below the URL's prefix.

var nativeCaps = backend.Capabilities{Versions: true, Delete: true, Labels: true, FixedEnvironments: true, TextOnly: true, FieldWrites: true}

// TestConformanceNative: the suite on the native layout. The values that are
// not valid UTF-8 fail (InvalidArgument by design); see the package doc.
func TestConformanceNative(t *testing.T) {
	needServer(t)
	conformance.Run(t, conformance.Harness{
		New: conformance.ByURL(func() string {
			return "vault://secret/" + drivertest.Prefix() + "?layout=native&envs=" + strings.Join(conformance.Environments, ",")
		}),
		Want:        nativeCaps,
		Concurrency: 16,
		CheckAs: func(t *testing.T, s *secrets.Store) {
			var c *api.Client
			if !s.As(&c) || c == nil {
				t.Error("As(**api.Client) failed")
			}
		},
		CheckErrorAs: func(t *testing.T, s *secrets.Store, err error) {
			if !errors.Is(err, api.ErrSecretNotFound) {
				t.Errorf("%v does not wrap api.ErrSecretNotFound", err)
			}
		},
	})
}

// number is how the raw client reads a JSON number.
func number(s string) json.Number { return json.Number(s) }

// listKeys lists every secret of st (all scopes, pages of 2) as "env:key".
func listKeys(t *testing.T, st *secrets.Store, o secrets.ListOptions) []string {
	t.Helper()
	o.PageSize = 2
	var out []string
	for s, err := range st.List(ctx, o) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s.Environment+":"+s.Key)
	}
	return out
}

// TestExistingSecrets: secrets an operator wrote with the raw client, at
// paths of one, two and five segments, with + = @ and a space, and with
// several fields, are read (whole and by #field), listed exactly once,
// modified through the store and still have their shape for the raw client.
func TestExistingSecrets(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	existing := map[string]map[string]any{
		"token":                  {"value": "t0"},
		"legacyapp/config":       {"user": "u", "pass": "p"},
		"a/b/c/d/e":              {"value": "deep"},
		"svc/pass+x=y@z":         {"value": "odd"},
		"svc/key with spaces":    {"value": "sp"},
		"legacyapp/db":           {"host": "db", "port": 5432, "tls": map[string]any{"on": true}},
		"legacyapp/config/extra": {"value": "below a secret"},
	}
	for k, data := range existing {
		if _, err := kv.Put(ctx, p+"/"+k, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := kv.PutMetadata(ctx, p+"/token", api.KVMetadataPutInput{CustomMetadata: map[string]any{"owner": "ops", "description": "the API token"}}); err != nil {
		t.Fatal(err)
	}
	st := open(t, "vault://secret/"+p+"?layout=native")

	for _, tc := range []struct{ sel, want string }{
		{"token", "t0"},
		{"legacyapp/config", `{"pass":"p","user":"u"}`},
		{"legacyapp/config#user", "u"},
		{"legacyapp/config/extra", "below a secret"},
		{"a/b/c/d/e", "deep"},
		{"svc/pass+x=y@z", "odd"},
		{"svc/key with spaces", "sp"},
		{"legacyapp/db", `{"host":"db","port":5432,"tls":{"on":true}}`},
		{"legacyapp/db#port", "5432"},
		{"legacyapp/db#tls", `{"on":true}`},
	} {
		got, err := st.Value(ctx, tc.sel)
		if err != nil || got != tc.want {
			t.Errorf("Value(%q) = %q, %v; want %q", tc.sel, got, err, tc.want)
		}
	}
	tok, err := st.Get(ctx, "token")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Description != "the API token" || !cmp.Equal(tok.Labels, map[string]string{"owner": "ops"}) || tok.ID != "secret/data/"+p+"/token" {
		t.Errorf("token: description %q, labels %v, ID %q", tok.Description, tok.Labels, tok.ID)
	}

	var all []string
	for k := range existing {
		all = append(all, ":"+k)
	}
	slices.Sort(all)
	for _, tc := range []struct {
		name string
		o    secrets.ListOptions
		want []string
	}{
		{"All", secrets.ListOptions{AllEnvironments: true}, all},
		{"Global", secrets.ListOptions{}, all},
		{"Prefix", secrets.ListOptions{Prefix: "legacyapp/"}, []string{":legacyapp/config", ":legacyapp/config/extra", ":legacyapp/db"}},
		{"PrefixPartialSegment", secrets.ListOptions{Prefix: "legacyapp/c"}, []string{":legacyapp/config", ":legacyapp/config/extra"}},
		{"Deep", secrets.ListOptions{AllEnvironments: true, Prefix: "a/b/c/"}, []string{":a/b/c/d/e"}},
	} {
		t.Run("List"+tc.name, func(t *testing.T) {
			got := listKeys(t, st, tc.o)
			if diff := cmp.Diff(tc.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}

	// Modify through the store; the raw client sees the same shapes.
	mods := map[string]string{
		"token":            "t1",
		"legacyapp/config": `{"pass":"p2","user":"u"}`,
		"a/b/c/d/e":        "deeper",
		"legacyapp/db":     `{"host":"db2","port":5432,"tls":{"on":false}}`,
	}
	for k, v := range mods {
		if _, err := st.Modify(ctx, k, secrets.Update{Value: secrets.Ptr(v)}); err != nil {
			t.Fatalf("Modify(%s): %v", k, err)
		}
	}
	if _, err := st.Modify(ctx, "svc/pass+x=y@z", secrets.Update{Labels: map[string]string{"team": "core"}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]any{
		"token":            {"value": "t1"},
		"legacyapp/config": {"user": "u", "pass": "p2"},
		"a/b/c/d/e":        {"value": "deeper"},
		"legacyapp/db":     {"host": "db2", "port": number("5432"), "tls": map[string]any{"on": false}},
		"svc/pass+x=y@z":   {"value": "odd"},
	}
	for k, w := range want {
		s, err := kv.Get(ctx, p+"/"+k)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(w, s.Data); diff != "" {
			t.Errorf("raw data of %s after Modify (-want +got):\n%s", k, diff)
		}
	}
	md, err := kv.GetMetadata(ctx, p+"/token")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"owner": "ops", "description": "the API token"}, md.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata of token after a value Modify (-want +got):\n%s", diff)
	}
	md, err = kv.GetMetadata(ctx, p+"/svc/pass+x=y@z")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"team": "core"}, md.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata after a labels Modify (-want +got):\n%s", diff)
	}
	if md.CurrentVersion != 2 {
		t.Errorf("a labels-only Modify: current version %d, want 2 (every Modify makes one version)", md.CurrentVersion)
	}
	if vs, err := st.Versions(ctx, "legacyapp/config"); err != nil || len(vs) != 2 {
		t.Errorf("Versions(legacyapp/config) = %v, %v; want 2", vs, err)
	}
	old, err := st.Get(ctx, "legacyapp/config", secrets.AtVersion("1"))
	if err != nil || old.Value != `{"pass":"p","user":"u"}` {
		t.Errorf("version 1 = %v, %v", old, err)
	}
}

// TestNativeValues: how a value is written (the raw client's view) and that
// it reads back byte for byte.
func TestNativeValues(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p+"?layout=native")
	kv := rootClient(t).KVv2("secret")
	for i, tc := range []struct {
		value string
		data  map[string]any
	}{
		{"plain", map[string]any{"value": "plain"}},
		{"", map[string]any{"value": ""}},
		{`{"pass":"p","user":"u"}`, map[string]any{"pass": "p", "user": "u"}},
		{`{"a":1.5,"b":null,"c":[1,"x"],"d":{"e":true}}`, map[string]any{"a": number("1.5"), "b": nil, "c": []any{number("1"), "x"}, "d": map[string]any{"e": true}}},
		// Vault keeps numbers as float64: 1.50 would read back as 1.5, and
		// 2^53+1 as another number.
		{`{"a":1.50}`, map[string]any{"value": `{"a":1.50}`}},
		{`{"a":9007199254740993}`, map[string]any{"value": `{"a":9007199254740993}`}},
		{`{"a":"<&>"}`, map[string]any{"a": "<&>"}},
		// Not the canonical form (sorted keys, compact): fields would not
		// read back byte for byte, so the value is kept whole.
		{`{"user":"u","pass":"p"}`, map[string]any{"value": `{"user":"u","pass":"p"}`}},
		{`{"a": 1}`, map[string]any{"value": `{"a": 1}`}},
		// Fields that read back as another value.
		{`{"value":"x"}`, map[string]any{"value": `{"value":"x"}`}},
		{`{}`, map[string]any{"value": `{}`}},
		{`[1,2]`, map[string]any{"value": `[1,2]`}},
		{`{"value":1}`, map[string]any{"value": number("1")}},
		{"a\x00b", map[string]any{"value": "a\x00b"}},
	} {
		key := fmt.Sprintf("v%d", i)
		if _, err := st.Create(ctx, secrets.Secret{Key: key, Value: tc.value}); err != nil {
			t.Fatalf("Create %q: %v", tc.value, err)
		}
		s, err := kv.Get(ctx, p+"/"+key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tc.data, s.Data); diff != "" {
			t.Errorf("data of %q (-want +got):\n%s", tc.value, diff)
		}
		if got, err := st.Value(ctx, key); err != nil || got != tc.value {
			t.Errorf("Value of %q = %q, %v", tc.value, got, err)
		}
	}
}

// TestNativeMetadata: description and labels live in custom_metadata;
// types and expiry have no place in Vault and are Unimplemented.
func TestNativeMetadata(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p+"?layout=native")
	kv := rootClient(t).KVv2("secret")
	if _, err := st.Create(ctx, secrets.Secret{Key: "db/pass", Value: "pw", Description: "primary ✓",
		Labels: map[string]string{"team": "core", "tier": "gold 1"}}); err != nil {
		t.Fatal(err)
	}
	s, err := kv.Get(ctx, p+"/db/pass")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"value": "pw"}, s.Data); diff != "" {
		t.Errorf("data (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"description": "primary ✓", "team": "core", "tier": "gold 1"}, s.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata (-want +got):\n%s", diff)
	}
	if _, err := st.Modify(ctx, "db/pass", secrets.Update{Description: secrets.Ptr(""), Labels: map[string]string{"team": "edge"}}); err != nil {
		t.Fatal(err)
	}
	md, err := kv.GetMetadata(ctx, p+"/db/pass")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]any{"team": "edge"}, md.CustomMetadata); diff != "" {
		t.Errorf("custom_metadata after Modify (-want +got):\n%s", diff)
	}
	got, err := st.Get(ctx, "db/pass")
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "" && got.Type != secrets.TypeGeneric || !got.ExpiresAt.IsZero() {
		t.Errorf("type %q, expiry %v", got.Type, got.ExpiresAt)
	}
}

// TestNativeBadInput: each refused with its code before any request where
// none is needed, and nothing written.
func TestNativeBadInput(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	if _, err := kv.Put(ctx, p+"/plain", map[string]any{"value": "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, p+"/multi", map[string]any{"a": "1"}); err != nil {
		t.Fatal(err)
	}
	c, rc := ownClient(t)
	mux := new(secrets.URLMux)
	mux.Register(vault.Scheme, &vault.URLOpener{Client: c})
	st, err := mux.OpenStore(ctx, "vault://secret/"+p+"?layout=native&envs=prod,staging")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, tc := range []struct {
		name      string
		do        func() error
		code      secrets.Code
		noRequest bool
	}{
		{"FieldOfPlain", func() error { _, err := st.Value(ctx, "plain#user"); return err }, secrets.InvalidArgument, false},
		{"MissingField", func() error { _, err := st.Value(ctx, "multi#nope"); return err }, secrets.NotFound, false},
		{"DotDot", func() error { _, err := st.Value(ctx, "a/../plain"); return err }, secrets.InvalidArgument, true},
		{"DotDotCreate", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "../escape", Value: "x"})
			return err
		}, secrets.InvalidArgument, true},
		{"GlobalKeyInEnvironmentDir", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "prod/db", Value: "x"})
			return err
		}, secrets.InvalidArgument, true},
		{"GlobalGetInEnvironmentDir", func() error { _, err := st.Get(ctx, "staging/db"); return err }, secrets.InvalidArgument, true},
		{"NotUTF8", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "bin", Value: "\xff\x00"})
			return err
		}, secrets.InvalidArgument, true},
		{"DescriptionNotPrintable", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "d", Value: "x", Description: "two\nlines"})
			return err
		}, secrets.InvalidArgument, true},
		{"LabelNamedDescription", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "l", Value: "x", Labels: map[string]string{"description": "x"}})
			return err
		}, secrets.InvalidArgument, true},
		{"Type", func() error {
			_, err := st.Create(ctx, secrets.Secret{Key: "t", Value: "x", Type: secrets.TypePassword})
			return err
		}, secrets.Unimplemented, true},
		{"ModifyNotUTF8", func() error {
			_, err := st.Modify(ctx, "plain", secrets.Update{Value: secrets.Ptr("\xff")})
			return err
		}, secrets.InvalidArgument, true},
		{"EnvironmentNotConfigured", func() error {
			_, err := st.In("qa").Create(ctx, secrets.Secret{Key: "k", Value: "x"})
			return err
		}, secrets.NotFound, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := rc.Requests()
			err := tc.do()
			if got := secrets.ErrorCode(err); got != tc.code {
				t.Fatalf("got %v (%v), want %v", got, err, tc.code)
			}
			if n := rc.Requests() - before; tc.noRequest && n != 0 {
				t.Errorf("%d requests, want none", n)
			}
		})
	}
	// Nothing was written.
	keys, err := kv.GetMetadata(ctx, p+"/plain")
	if err != nil || keys.CurrentVersion != 1 {
		t.Errorf("plain was rewritten: %v %v", keys, err)
	}
	for _, k := range []string{"escape", "prod/db", "bin", "d", "l", "t", "qa/k"} {
		if _, err := kv.GetMetadata(ctx, p+"/"+k); err == nil {
			t.Errorf("%s was written", k)
		}
	}
}

func TestNativeURLErrors(t *testing.T) {
	drivertest.InvalidURLs(t,
		"vault://secret/app?layout=bogus",
		"vault://secret/app?layout=native&envs=prod,-bad",
		"vault://secret/app?layout=native&envs=prod,,qa",
		"vault://secret/app?layout=native&envs=prod,prod",
		"vault://secret/app?envs=prod", // environments are data in the default layout
		"vault://secret/a/../b?layout=native",
		"vault://?layout=native",
	)
	for _, o := range []vault.Options{
		{Mount: "secret", Layout: "bogus"},
		{Mount: "secret", Layout: vault.LayoutNative, Environments: []string{"_x"}},
		{Mount: "secret", Prefix: "app", Environments: []string{"prod"}},
		{Mount: "secret", Layout: vault.LayoutNative, Environment: "qa", Environments: []string{"prod"}},
	} {
		if _, err := vault.New(rootClient(t), o); secrets.ErrorCode(err) != secrets.InvalidArgument {
			t.Errorf("New(%+v) = %v, want InvalidArgument", o, err)
		}
	}
}

// TestNativeEnvironments: each configured environment is the directory
// <prefix>/<env>/; the global scope is the rest; every secret is listed
// exactly once.
func TestNativeEnvironments(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	for _, k := range []string{"db", "prod/db", "prod/api/key", "staging/db", "qa/db", "production/x"} {
		if _, err := kv.Put(ctx, p+"/"+k, map[string]any{"value": k}); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, "vault://secret/"+p+"?layout=native&envs=staging,prod")
	names, _ := drivertest.EnvironmentNames(t, st)
	if diff := cmp.Diff([]string{"prod", "staging"}, names); diff != "" {
		t.Errorf("ListEnvironments (-want +got):\n%s", diff)
	}
	want := []string{":db", ":production/x", ":qa/db", "prod:api/key", "prod:db", "staging:db"}
	if diff := cmp.Diff(want, listKeys(t, st, secrets.ListOptions{AllEnvironments: true})); diff != "" {
		t.Errorf("List all (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{":db", ":production/x", ":qa/db"}, listKeys(t, st, secrets.ListOptions{})); diff != "" {
		t.Errorf("List global (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"prod:api/key"}, listKeys(t, st.In("prod"), secrets.ListOptions{Prefix: "api/"})); diff != "" {
		t.Errorf("List prod api/ (-want +got):\n%s", diff)
	}
	prod := st.In("prod")
	if v, err := prod.Value(ctx, "db"); err != nil || v != "prod/db" {
		t.Errorf("prod db = %q, %v", v, err)
	}
	if v, err := prod.Value(ctx, "qa/db"); err != nil || v != "qa/db" { // falls back to the global scope
		t.Errorf("prod qa/db = %q, %v", v, err)
	}
	if _, err := prod.Create(ctx, secrets.Secret{Key: "new", Value: "n"}); err != nil {
		t.Fatal(err)
	}
	if s, err := kv.Get(ctx, p+"/prod/new"); err != nil || s.Data["value"] != "n" {
		t.Errorf("raw prod/new: %v %v", s, err)
	}
	if err := prod.Delete(ctx, "db"); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.GetMetadata(ctx, p+"/prod/db"); err == nil {
		t.Error("prod/db is still there")
	}
	if v, err := st.Value(ctx, "db"); err != nil || v != "db" {
		t.Errorf("global db = %q, %v", v, err)
	}
}

// TestNativeWholeMount: vault://<mount>?layout=native is the whole mount.
func TestNativeWholeMount(t *testing.T) {
	needServer(t)
	root := rootClient(t)
	mount := "kv" + strings.ReplaceAll(drivertest.Prefix(), "-", "")
	if err := root.Sys().MountWithContext(ctx, mount, &api.MountInput{Type: "kv", Options: map[string]string{"version": "2"}}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = root.Sys().Unmount(mount) })
	kv := root.KVv2(mount)
	for _, k := range []string{"one", "two/x", "a/b/c/d/e"} {
		if _, err := kv.Put(ctx, k, map[string]any{"value": k}); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, "vault://"+mount+"?layout=native")
	if diff := cmp.Diff([]string{":a/b/c/d/e", ":one", ":two/x"}, listKeys(t, st, secrets.ListOptions{AllEnvironments: true})); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if _, err := st.Create(ctx, secrets.Secret{Key: "three", Value: "3"}); err != nil {
		t.Fatal(err)
	}
	if s, err := kv.Get(ctx, "three"); err != nil || s.Data["value"] != "3" {
		t.Errorf("raw three: %v %v", s, err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// TestNativeUnportablePaths: a path Vault holds but that is not a portable
// key (a character outside the key alphabet, a segment ending with a
// space) is left out of listings — it could not be read as a key either —
// and does not break them.
func TestNativeUnportablePaths(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	for _, k := range []string{"ok/one", "weird:name", "ключ", "trail /x"} {
		if _, err := kv.Put(ctx, p+"/"+k, map[string]any{"value": "v"}); err != nil {
			t.Fatal(err)
		}
	}
	st := open(t, "vault://secret/"+p+"?layout=native")
	if diff := cmp.Diff([]string{":ok/one"}, listKeys(t, st, secrets.ListOptions{AllEnvironments: true})); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if _, err := st.Get(ctx, "weird:name"); secrets.ErrorCode(err) != secrets.InvalidArgument {
		t.Errorf("Get(weird:name) = %v, want InvalidArgument", err)
	}
}
