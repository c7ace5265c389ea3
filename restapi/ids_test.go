package restapi_test

import (
	"testing"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/restapi"
)

func TestIDs(t *testing.T) {
	for _, tc := range []struct{ env, key string }{
		{"", "K"}, {"prod", "DB_URL"}, {"prod", "team/app/db"}, {"a-b_c", "x=y@w +."},
	} {
		id := restapi.EncodeID(tc.env, tc.key)
		env, key, err := restapi.DecodeID(id)
		if err != nil || env != tc.env || key != tc.key {
			t.Errorf("DecodeID(EncodeID(%q, %q)) = %q, %q, %v", tc.env, tc.key, env, key, err)
		}
	}
	for _, bad := range []string{"", "!!", "cHJvZA" /* prod, no ":" */, restapi.EncodeID("_x", "K"), restapi.EncodeID("prod", "a//b")} {
		if env, key, err := restapi.DecodeID(bad); err == nil {
			t.Errorf("DecodeID(%q) = %q, %q, nil; want InvalidArgument", bad, env, key)
		} else if err != nil && backend.Classify(err, nil) != backend.InvalidArgument {
			t.Errorf("DecodeID(%q): code %v", bad, backend.Classify(err, nil))
		}
	}
}

func TestCursors(t *testing.T) {
	for _, tok := range []string{"", "x", "AQID-_", "\x00\xff"} {
		got, err := restapi.DecodeCursor(restapi.EncodeCursor(tok))
		if err != nil || got != tok {
			t.Errorf("DecodeCursor(EncodeCursor(%q)) = %q, %v", tok, got, err)
		}
	}
	for _, bad := range []string{"!", "YzE", "eHl6"} {
		if _, err := restapi.DecodeCursor(bad); backend.Classify(err, nil) != backend.InvalidArgument {
			t.Errorf("DecodeCursor(%q): %v, want InvalidArgument", bad, err)
		}
	}
}

func FuzzDecodeID(f *testing.F) {
	f.Add(restapi.EncodeID("prod", "DB"))
	f.Add(restapi.EncodeID("", "a/b"))
	f.Add("Og")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, id string) {
		env, key, err := restapi.DecodeID(id)
		if err != nil {
			if backend.Classify(err, nil) != backend.InvalidArgument {
				t.Fatalf("code %v", backend.Classify(err, nil))
			}
			return
		}
		if backend.ValidateScope(env) != nil || backend.ValidateKey(key) != nil {
			t.Fatalf("DecodeID(%q) accepted an invalid scope or key", id)
		}
		e2, k2, err := restapi.DecodeID(restapi.EncodeID(env, key))
		if err != nil || e2 != env || k2 != key {
			t.Fatalf("round trip of %q, %q: %q, %q, %v", env, key, e2, k2, err)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(restapi.EncodeCursor("token"))
	f.Add("YzE")
	f.Add("")
	f.Fuzz(func(t *testing.T, c string) {
		tok, err := restapi.DecodeCursor(c)
		if err != nil {
			if backend.Classify(err, nil) != backend.InvalidArgument {
				t.Fatalf("code %v", backend.Classify(err, nil))
			}
			return
		}
		if c != "" && tok == "" {
			t.Fatalf("DecodeCursor(%q) gave an empty token", c)
		}
		if got, err := restapi.DecodeCursor(restapi.EncodeCursor(tok)); err != nil || got != tok {
			t.Fatalf("round trip of %q: %q, %v", tok, got, err)
		}
	})
}
