package testserver

import "testing"

// TestFind: the first match, or nil.
func TestFind(t *testing.T) {
	type rec struct{ name string }
	recs := []*rec{{"a"}, {"b"}, {"b"}}
	for _, tc := range []struct {
		name string
		want *rec
	}{
		{"a", recs[0]},
		{"b", recs[1]},
		{"c", nil},
	} {
		if got := Find(recs, func(r *rec) bool { return r.name == tc.name }); got != tc.want {
			t.Errorf("Find(%q) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
