package file

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/polysecret/secrets/backend"
)

// MaxVersions is how many versions of a secret are kept.
const MaxVersions = 100

// state is the decrypted content of a store file, in memory.
type state struct {
	secrets map[skey]*entry
	order   []skey // sorted by (env, key): the listing order
	envs    map[string]*backend.Environment
}

type skey struct{ env, key string }

func (a skey) compare(b skey) int {
	if c := strings.Compare(a.env, b.env); c != 0 {
		return c
	}
	return strings.Compare(a.key, b.key)
}

type entry struct {
	versions []*backend.Secret // oldest first; the last is current
	next     int               // next version number
}

func (e *entry) current() *backend.Secret { return e.versions[len(e.versions)-1] }

func (e *entry) push(s *backend.Secret) {
	s.Version = strconv.Itoa(e.next)
	e.next++
	e.versions = append(e.versions, s)
	if len(e.versions) > MaxVersions {
		e.versions = slices.Delete(e.versions, 0, len(e.versions)-MaxVersions)
	}
}

func newState() *state {
	return &state{secrets: map[skey]*entry{}, envs: map[string]*backend.Environment{}}
}

func (st *state) sort() { slices.SortFunc(st.order, skey.compare) }

func (st *state) envNames() []string {
	names := make([]string, 0, len(st.envs))
	for n := range st.envs {
		names = append(names, n)
	}
	slices.SortFunc(names, cmp.Compare[string])
	return names
}

func (st *state) insert(k skey, e *entry) {
	st.secrets[k] = e
	i, _ := slices.BinarySearchFunc(st.order, k, skey.compare)
	st.order = slices.Insert(st.order, i, k)
}

func (st *state) remove(k skey) {
	delete(st.secrets, k)
	if i, ok := slices.BinarySearchFunc(st.order, k, skey.compare); ok {
		st.order = slices.Delete(st.order, i, i+1)
	}
}

func secretID(env, key string) string { return "file:" + env + "/" + key }

func errNotFound(env, key string) error {
	if env == "" {
		return backend.Errorf(backend.NotFound, "no global secret %q", key)
	}
	return backend.Errorf(backend.NotFound, "no secret %q in environment %q", key, env)
}

func errNoEnv(env string) error {
	return backend.Errorf(backend.NotFound, "environment %q does not exist", env)
}
