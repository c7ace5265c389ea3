package conformance

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/polysecret/secrets"
	"github.com/polysecret/secrets/backend"
)

func (s *suite) testCapabilities(t *testing.T) {
	st, _ := s.open(t)
	if diff := cmp.Diff(s.h.Want, st.Capabilities()); diff != "" {
		t.Fatalf("Capabilities differ from the harness's Want (-want +got):\n%s", diff)
	}
}

func (s *suite) testCreate(t *testing.T) {
	t.Run("RoundTrip", func(t *testing.T) {
		st, _ := s.open(t)
		want := s.full("DB_PASSWORD")
		created := m(st.Create(ctx, want)).get(t)
		got := m(st.Get(ctx, "DB_PASSWORD")).get(t)
		if !s.caps.Types {
			want.Type = got.Type // generic or "" is all such a driver knows
		}
		if diff := cmp.Diff(&want, got, cmpSecret); diff != "" {
			t.Errorf("Get after Create (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(got, created, cmpSecret, cmpopts.IgnoreFields(secrets.Secret{}, "Value")); diff != "" {
			t.Errorf("Create's result differs from Get (-get +create):\n%s", diff)
		}
		if got.ID == "" {
			t.Error("Get returned an empty ID")
		}
		if s.caps.Types && got.Type != secrets.TypePassword {
			t.Errorf("Type = %q", got.Type)
		}
	})
	t.Run("DefaultType", func(t *testing.T) {
		st, _ := s.open(t)
		m(st.Create(ctx, secrets.Secret{Key: "plain", Value: val("p")})).get(t)
		got := m(st.Get(ctx, "plain")).get(t)
		if got.Type != "" && got.Type != secrets.TypeGeneric {
			t.Errorf("Type = %q, want generic", got.Type)
		}
	})
	t.Run("AlreadyExists", func(t *testing.T) {
		st, _ := s.open(t)
		first := val("first")
		m(st.Create(ctx, secrets.Secret{Key: "K", Value: first})).get(t)
		_, err := st.Create(ctx, secrets.Secret{Key: "K", Value: val("second")})
		wantCode(t, err, secrets.AlreadyExists)
		if v := m(st.Value(ctx, "K")).get(t); v != first {
			t.Error("a failed Create changed the value")
		}
	})
	t.Run("MissingEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		_, err := st.Create(ctx, secrets.Secret{Environment: "nosuchenv", Key: "K", Value: val("v")})
		if s.caps.GlobalOnly {
			wantCode(t, err, secrets.Unimplemented)
			return
		}
		wantCode(t, err, secrets.NotFound)
	})
	t.Run("SameKeyInEachScope", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "dev")
		s.mkEnv(t, st, "prod")
		for _, env := range []string{"", "dev", "prod"} {
			m(st.In(env).Create(ctx, secrets.Secret{Key: "API", Value: marker + "api-" + env})).get(t)
		}
		for _, env := range []string{"", "dev", "prod"} {
			got := m(st.In(env).Get(ctx, "API")).get(t)
			if got.Value != marker+"api-"+env || got.Environment != env {
				t.Errorf("In(%q).Get: env %q, wrong value", env, got.Environment)
			}
		}
	})
	t.Run("ExplicitEnvironment", func(t *testing.T) {
		st, _ := s.open(t)
		if !s.hasEnvironments(t, st) {
			return
		}
		s.mkEnv(t, st, "prod")
		got := m(st.Create(ctx, secrets.Secret{Environment: "prod", Key: "X", Value: val("x")})).get(t)
		if got.Environment != "prod" {
			t.Fatalf("created in %q", got.Environment)
		}
		_, err := st.In("").Get(ctx, "X")
		wantCode(t, err, secrets.NotFound)
	})
}

func (s *suite) testValues(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	big := bytes.Repeat([]byte{0xff, 0x00, 'a', 0x80}, backend.MaxValueLen/4)
	for _, tc := range []struct {
		name, value string
	}{
		{"Empty", ""},
		{"ASCII", "hunter2"},
		{"NUL", "a\x00b\x00"},
		{"InvalidUTF8", "\xff\xfe\xfd"},
		{"AllBytes", string(all)},
		{"Unicode", "pässwörd 🔑 日本語"},
		{"JSON", `{"user":"a","pass":"b"}`},
		{"Newlines", "line1\nline2\r\n"},
		{"Max64KiB", string(big)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, _ := s.open(t)
			if tc.value == "" && s.caps.NoEmptyValues {
				s.testEmptyValueInvalid(t, st)
				return
			}
			if s.caps.TextOnly && !utf8.ValidString(tc.value) {
				_, err := st.Create(ctx, secrets.Secret{Key: "V", Value: tc.value})
				wantCode(t, err, secrets.InvalidArgument)
				_, err = st.Get(ctx, "V")
				wantCode(t, err, secrets.NotFound)
				return
			}
			m(st.Create(ctx, secrets.Secret{Key: "V", Value: tc.value})).get(t)
			got := m(st.Value(ctx, "V")).get(t)
			if got != tc.value {
				t.Fatalf("value did not round-trip: got %d bytes %q…, want %d bytes", len(got), trunc(got), len(tc.value))
			}
			// and through Modify
			mod := tc.value + "2"
			if len(tc.value) == backend.MaxValueLen {
				mod = "2" + tc.value[1:]
			}
			m(st.Modify(ctx, "V", secrets.Update{Value: &mod})).get(t)
			if got := m(st.Value(ctx, "V")).get(t); got != mod {
				t.Fatalf("value did not round-trip through Modify")
			}
		})
	}
}

func (s *suite) testValidation(t *testing.T) {
	st, _ := s.open(t)
	long := strings.Repeat("x", backend.MaxKeyLen+1)
	for _, tc := range []struct {
		name string
		sec  secrets.Secret
	}{
		{"EmptyKey", secrets.Secret{Key: ""}},
		{"LongKey", secrets.Secret{Key: long}},
		{"EmptySegment", secrets.Secret{Key: "a//b"}},
		{"LeadingSlash", secrets.Secret{Key: "/a"}},
		{"TrailingSlash", secrets.Secret{Key: "a/"}},
		{"DotDotKey", secrets.Secret{Key: ".."}},
		{"DotDotSegment", secrets.Secret{Key: "a/../b"}},
		{"DotSegment", secrets.Secret{Key: "a/./b"}},
		{"FieldSeparator", secrets.Secret{Key: "a#b"}},
		{"TabKey", secrets.Secret{Key: "a\tb"}},
		{"SegmentEndsWithSpace", secrets.Secret{Key: "a /b"}},
		{"UnicodeKey", secrets.Secret{Key: "ключ"}},
		{"ValueTooLarge", secrets.Secret{Key: "big", Value: strings.Repeat(marker, backend.MaxValueLen/len(marker)+1)}},
		{"DescriptionTooLong", secrets.Secret{Key: "d", Description: strings.Repeat("d", 513)}},
		{"BadType", secrets.Secret{Key: "t", Type: "certificate"}},
		{"BadEnvironment", secrets.Secret{Key: "e", Environment: "_global"}},
		{"TooManyLabels", secrets.Secret{Key: "l", Labels: manyLabels(33)}},
		{"BadLabelValue", secrets.Secret{Key: "l", Labels: map[string]string{"a": "semi;colon"}}},
		{"EmptyLabelValue", secrets.Secret{Key: "l", Labels: map[string]string{"a": ""}}},
		{"BadLabelKey", secrets.Secret{Key: "l", Labels: map[string]string{"a/b": "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := st.Create(ctx, tc.sec)
			wantCode(t, err, secrets.InvalidArgument)
		})
	}
	t.Run("ExactlyMax", func(t *testing.T) {
		key := strings.Repeat("k", backend.MaxKeyLen)
		m(st.Create(ctx, secrets.Secret{Key: key, Value: val("m"), Description: strings.Repeat("d", 512)})).get(t)
		m(st.Get(ctx, key)).get(t)
	})
	t.Run("GetInvalidKey", func(t *testing.T) {
		_, err := st.Get(ctx, "no//slash")
		wantCode(t, err, secrets.InvalidArgument)
	})
	t.Run("ModifyTooLarge", func(t *testing.T) {
		m(st.Create(ctx, secrets.Secret{Key: "mtl", Value: val("m")})).get(t)
		_, err := st.Modify(ctx, "mtl", secrets.Update{Value: secrets.Ptr(strings.Repeat("x", backend.MaxValueLen+1))})
		wantCode(t, err, secrets.InvalidArgument)
	})
	t.Run("InvalidScope", func(t *testing.T) {
		_, err := st.In("-bad").Get(ctx, "k")
		wantCode(t, err, secrets.InvalidArgument)
	})
}

// testEmptyValueInvalid: a driver whose backend cannot store an empty value
// (Capabilities.NoEmptyValues) refuses it with InvalidArgument in Create,
// Put and Modify, and writes nothing.
func (s *suite) testEmptyValueInvalid(t *testing.T, st *secrets.Store) {
	_, err := st.Create(ctx, secrets.Secret{Key: "V", Value: ""})
	wantCode(t, err, secrets.InvalidArgument)
	_, err = st.Put(ctx, secrets.Secret{Key: "V", Value: ""})
	wantCode(t, err, secrets.InvalidArgument)
	_, err = st.Get(ctx, "V")
	wantCode(t, err, secrets.NotFound)
	v := val("v")
	m(st.Create(ctx, secrets.Secret{Key: "V", Value: v})).get(t)
	empty := ""
	_, err = st.Modify(ctx, "V", secrets.Update{Value: &empty})
	wantCode(t, err, secrets.InvalidArgument)
	if m(st.Value(ctx, "V")).get(t) != v {
		t.Fatal("a refused Modify to an empty value changed the secret")
	}
}
