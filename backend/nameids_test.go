package backend

import (
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNameIDs: Put and Get; Forget only while the name still maps to the
// id ("" any); Put into a full map starts over; Replace keeps at most Max;
// Clear forgets all.
func TestNameIDs(t *testing.T) {
	type op func(n *NameIDs)
	put := func(name, id string) op { return func(n *NameIDs) { n.Put(name, id) } }
	forget := func(name, id string) op { return func(n *NameIDs) { n.Forget(name, id) } }
	for _, tc := range []struct {
		name string
		max  int
		ops  []op
		want map[string]string // what Get finds among a, b, c, d
	}{
		{"put", 0, []op{put("a", "1"), put("b", "2"), put("a", "3")}, map[string]string{"a": "3", "b": "2"}},
		{"forget the same id", 0, []op{put("a", "1"), forget("a", "1")}, map[string]string{}},
		{"forget another id", 0, []op{put("a", "1"), forget("a", "2")}, map[string]string{"a": "1"}},
		{"forget any id", 0, []op{put("a", "1"), forget("a", "")}, map[string]string{}},
		{"full starts over", 2, []op{put("a", "1"), put("b", "2"), put("c", "3")}, map[string]string{"c": "3"}},
		{"replace", 0, []op{put("a", "1"), func(n *NameIDs) { n.Replace(map[string]string{"b": "2", "c": "3"}) }},
			map[string]string{"b": "2", "c": "3"}},
		{"clear", 0, []op{put("a", "1"), func(n *NameIDs) { n.Clear() }}, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &NameIDs{Max: tc.max}
			for _, o := range tc.ops {
				o(n)
			}
			got := map[string]string{}
			for _, name := range []string{"a", "b", "c", "d"} {
				if id, ok := n.Get(name); ok {
					got[name] = id
				}
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
	n := &NameIDs{Max: 3}
	big := map[string]string{}
	for i := range 10 {
		big[strconv.Itoa(i)] = "id"
	}
	n.Replace(big)
	kept := 0
	for name := range big {
		if _, ok := n.Get(name); ok {
			kept++
		}
	}
	if kept != 3 {
		t.Errorf("Replace of 10 with Max 3 kept %d", kept)
	}
}
