package file

import (
	"cmp"
	"slices"

	"github.com/polysecret/secrets/internal/memindex"
)

// MaxVersions is how many versions of a secret are kept.
const MaxVersions = memindex.MaxVersions

// state is the decrypted content of a store file, in memory: the model the
// memory driver uses too (internal/memindex).
type state struct{ *memindex.Index }

func newState() *state { return &state{memindex.New()} }

func (st *state) sort() { slices.SortFunc(st.Order, memindex.Key.Compare) }

func (st *state) envNames() []string {
	names := make([]string, 0, len(st.Envs))
	for n := range st.Envs {
		names = append(names, n)
	}
	slices.SortFunc(names, cmp.Compare[string])
	return names
}

func secretID(env, key string) string { return "file:" + env + "/" + key }

var (
	errNotFound = memindex.NotFound
	errNoEnv    = memindex.NoEnvironment
)
