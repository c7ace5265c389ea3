package main

import "testing"

// --label k=v: a label parsed is the flag split at its first "=", with a
// key; anything else is a usage error that does not echo the value.
func FuzzParseLabels(f *testing.F) {
	for _, s := range []string{"team=web", "a=b=c", "=v", "novalue", "k=", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		m, err := parseLabels([]string{in})
		if err != nil {
			if _, ok := err.(usageError); !ok {
				t.Errorf("error %T, want a usage error", err)
			}
			return
		}
		if len(m) != 1 {
			t.Fatalf("%q: %d labels", in, len(m))
		}
		for k, v := range m {
			if k == "" || k+"="+v != in {
				t.Errorf("%q parsed as %q=%q", in, k, v)
			}
		}
	})
}
