package datalayer

import "sync"

// uidCache remembers the uid of each name, as the last listing or write
// said. The API addresses a secret by uid only, so a Get by name would
// otherwise list every secret; with the uid known it is one small GET.
// An entry is a hint, never trusted: the GET's answer must still name the
// secret asked for, and a 404 or another name drops the entry and falls
// back to a listing. Writes (Modify, Delete) use it the same way: they
// act on a uid only after a read by that uid named the secret.
type uidCache struct {
	mu sync.Mutex
	m  map[string]string
}

// maxCachedUIDs bounds the cache; a listing of more replaces it whole.
const maxCachedUIDs = 100_000

func (c *uidCache) get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	uid, ok := c.m[name]
	return uid, ok
}

func (c *uidCache) put(name, uid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxCachedUIDs {
		c.m = map[string]string{}
	}
	c.m[name] = uid
}

// drop forgets name, if it still maps to uid ("" = whatever it maps to).
func (c *uidCache) drop(name, uid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if got, ok := c.m[name]; ok && (uid == "" || got == uid) {
		delete(c.m, name)
	}
}

// replace makes the cache what a listing says.
func (c *uidCache) replace(byName map[string]*wireSecret) {
	m := make(map[string]string, len(byName))
	for n, w := range byName {
		if len(m) == maxCachedUIDs {
			break
		}
		m[n] = w.UID
	}
	c.mu.Lock()
	c.m = m
	c.mu.Unlock()
}

func (c *uidCache) clear() {
	c.mu.Lock()
	c.m = nil
	c.mu.Unlock()
}
