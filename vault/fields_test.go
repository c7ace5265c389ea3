package vault_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/vault/api"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/internal/drivertest"
	"github.com/polysecret/secrets/vault"
)

// TestFieldWritesNative: Modify(KEY#field) on secrets an operator wrote
// with the raw client, in the native layout: the raw client then sees the
// same shape with one field changed or added, every other field as it was
// (numbers and objects included), custom_metadata untouched, one new
// version; a value that is not a JSON object is InvalidArgument and nothing
// is written.
func TestFieldWritesNative(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	kv := rootClient(t).KVv2("secret")
	st := open(t, "vault://secret/"+p+"?layout=native")
	for _, tc := range []struct {
		name       string
		data       map[string]any
		field, set string
		want       map[string]any // raw data afterwards (nil: unchanged)
		code       secrets.Code
		read       string // Value(key#field) afterwards
	}{
		{name: "multi-field", data: map[string]any{"user": "u", "pass": "p", "port": 5432, "tls": map[string]any{"on": true}},
			field: "pass", set: "p2", read: "p2",
			want: map[string]any{"user": "u", "pass": "p2", "port": number("5432"), "tls": map[string]any{"on": true}}},
		{name: "new field", data: map[string]any{"user": "u", "n": 1e3},
			field: "host", set: "db", read: "db",
			want: map[string]any{"user": "u", "n": number("1000"), "host": "db"}},
		{name: "JSON in a value field", data: map[string]any{"value": `{"b": 1, "a": "x"}`},
			field: "a", set: "y", read: "y",
			want: map[string]any{"value": `{"a":"y","b":1}`}},
		{name: "field named value", data: map[string]any{"value": map[string]any{"x": "1"}},
			field: "value", set: "s", read: "s",
			want: map[string]any{"value": `{"value":"s"}`}},
		{name: "plain string", data: map[string]any{"value": "hello"}, field: "a", set: "b", code: secrets.InvalidArgument},
		{name: "JSON array", data: map[string]any{"value": "[1,2]"}, field: "a", set: "b", code: secrets.InvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := "existing/" + tc.name
			if _, err := kv.Put(ctx, p+"/"+key, tc.data); err != nil {
				t.Fatal(err)
			}
			custom := map[string]any{"owner": "ops"}
			if err := kv.PutMetadata(ctx, p+"/"+key, api.KVMetadataPutInput{CustomMetadata: custom}); err != nil {
				t.Fatal(err)
			}
			before, err := kv.Get(ctx, p+"/"+key)
			if err != nil {
				t.Fatal(err)
			}
			_, err = st.Modify(ctx, key+"#"+tc.field, secrets.Update{Value: secrets.Ptr(tc.set)})
			after, gerr := kv.Get(ctx, p+"/"+key)
			if gerr != nil {
				t.Fatal(gerr)
			}
			if tc.code != 0 {
				if got := secrets.ErrorCode(err); got != tc.code {
					t.Fatalf("got %v (%v), want %v", got, err, tc.code)
				}
				if after.VersionMetadata.Version != before.VersionMetadata.Version {
					t.Errorf("a refused field write made version %d", after.VersionMetadata.Version)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, after.Data); diff != "" {
				t.Errorf("raw data after the field write (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(custom, after.CustomMetadata); diff != "" {
				t.Errorf("custom_metadata (-want +got):\n%s", diff)
			}
			if after.VersionMetadata.Version != before.VersionMetadata.Version+1 {
				t.Errorf("version %d after %d, want one new version", after.VersionMetadata.Version, before.VersionMetadata.Version)
			}
			if got, err := st.Value(ctx, key+"#"+tc.field); err != nil || got != tc.read {
				t.Errorf("Value(#%s) = %q, %v; want %q", tc.field, got, err, tc.read)
			}
		})
	}
}

// TestFieldWritesDefaultLayout: in the default layout the value is one
// string of the version's data: a field write rewrites that string with the
// field set, and keeps the secret's metadata (type, description, labels,
// expiry, creation time) and its data's shape.
func TestFieldWritesDefaultLayout(t *testing.T) {
	needServer(t)
	p := drivertest.Prefix()
	st := open(t, "vault://secret/"+p)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	in := secrets.Secret{Key: "DB", Value: `{"user":"u","port":5432}`, Type: secrets.TypePassword,
		Description: "the database", Labels: map[string]string{"team": "core"}, ExpiresAt: exp}
	created, err := st.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := st.Modify(ctx, "DB#pass", secrets.Update{Value: secrets.Ptr("p<&>")})
	if err != nil {
		t.Fatal(err)
	}
	if out.Value != "p<&>" || out.Version != "2" {
		t.Errorf("Modify returned value %q, version %s; want the field's value, version 2", out.Value, out.Version)
	}
	got, err := st.Get(ctx, "DB")
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.Value = `{"pass":"p<&>","port":5432,"user":"u"}`
	if diff := cmp.Diff(want, *got, cmp.FilterPath(func(p cmp.Path) bool {
		n := p.Last().String()
		return n == ".ID" || n == ".Version" || n == ".UpdatedAt" || n == ".CreatedAt"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("DB after the field write (-want +got):\n%s", diff)
	}
	if !got.CreatedAt.Equal(created.CreatedAt) {
		t.Errorf("CreatedAt %v, want %v", got.CreatedAt, created.CreatedAt)
	}
	raw, err := rootClient(t).KVv2("secret").Get(ctx, p+"/_global/DB")
	if err != nil {
		t.Fatal(err)
	}
	if raw.Data["value"] != want.Value || raw.Data[vault.DataField] == nil || len(raw.Data) != 2 {
		t.Errorf("raw data: %d fields, value %v", len(raw.Data), raw.Data["value"])
	}
}
