package backend

import "sync"

// NameIDs remembers the id a backend gave each name, for a driver whose
// API addresses secrets by id only (abeja, datalayer): with the id known,
// a read by name is one request instead of a listing. An entry is a hint,
// never trusted: the answer of a read by id must still name the secret
// asked for, and the driver drops an entry that proved wrong. The zero
// value is ready; it is safe for concurrent use.
type NameIDs struct {
	// Max bounds the entries (0: 10,000): Put into a full map starts it
	// over, and Replace keeps Max of a larger listing.
	Max int
	mu  sync.Mutex
	m   map[string]string
}

func (n *NameIDs) max() int {
	if n.Max > 0 {
		return n.Max
	}
	return 10_000
}

// Get returns the id of name, if known.
func (n *NameIDs) Get(name string) (string, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	id, ok := n.m[name]
	return id, ok
}

// Put remembers the id of name.
func (n *NameIDs) Put(name, id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil || len(n.m) >= n.max() {
		n.m = map[string]string{}
	}
	n.m[name] = id
}

// Forget drops name, if it still maps to id ("": whatever it maps to).
func (n *NameIDs) Forget(name, id string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if got, ok := n.m[name]; ok && (id == "" || got == id) {
		delete(n.m, name)
	}
}

// Replace makes the map what a listing says: ids by name.
func (n *NameIDs) Replace(ids map[string]string) {
	m := make(map[string]string, min(len(ids), n.max()))
	for name, id := range ids {
		if len(m) == n.max() {
			break
		}
		m[name] = id
	}
	n.mu.Lock()
	n.m = m
	n.mu.Unlock()
}

// Clear forgets every name.
func (n *NameIDs) Clear() {
	n.mu.Lock()
	n.m = nil
	n.mu.Unlock()
}
