// Package memindex is the in-memory model of secrets that the memory and
// file drivers share: each secret's versions, the (environment, key) order
// listings walk, the environments, and the exactly-once paging over them.
// The callers hold their own locks.
package memindex

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polysecret/secrets/backend"
)

// MaxVersions is how many versions of a secret are kept.
const MaxVersions = 100

// Key identifies a secret: its environment ("" = global) and key.
type Key struct{ Env, Key string }

// Compare orders keys by environment, then key: the listing order.
func (a Key) Compare(b Key) int {
	if c := strings.Compare(a.Env, b.Env); c != 0 {
		return c
	}
	return strings.Compare(a.Key, b.Key)
}

// Entry is one secret's history.
type Entry struct {
	Versions []*backend.Secret // oldest first; the last is current
	Next     int               // next version number
}

// Current is the version Get returns.
func (e *Entry) Current() *backend.Secret { return e.Versions[len(e.Versions)-1] }

// Push appends s as the next version (setting s.Version), keeping at most
// MaxVersions.
func (e *Entry) Push(s *backend.Secret) {
	s.Version = strconv.Itoa(e.Next)
	e.Next++
	e.Versions = append(e.Versions, s)
	if len(e.Versions) > MaxVersions {
		e.Versions = slices.Delete(e.Versions, 0, len(e.Versions)-MaxVersions)
	}
}

// Index holds the secrets, their order and the environments.
type Index struct {
	Secrets map[Key]*Entry
	Order   []Key // sorted by Key.Compare
	Envs    map[string]*backend.Environment
}

// New returns an empty index.
func New() *Index {
	return &Index{Secrets: map[Key]*Entry{}, Envs: map[string]*backend.Environment{}}
}

// Insert adds the secret k.
func (ix *Index) Insert(k Key, e *Entry) {
	ix.Secrets[k] = e
	i, _ := slices.BinarySearchFunc(ix.Order, k, Key.Compare)
	ix.Order = slices.Insert(ix.Order, i, k)
}

// Remove deletes the secret k.
func (ix *Index) Remove(k Key) {
	delete(ix.Secrets, k)
	if i, ok := slices.BinarySearchFunc(ix.Order, k, Key.Compare); ok {
		ix.Order = slices.Delete(ix.Order, i, i+1)
	}
}

// Page is one page of the listing o: the token is the last (environment,
// key) examined, so a secret that exists throughout a listing is seen
// exactly once whatever else changes.
func (ix *Index) Page(o *backend.ListOptions, token string) ([]*backend.Secret, string, error) {
	start := 0
	if token != "" {
		env, key, ok := strings.Cut(token, "\x00")
		if !ok {
			return nil, "", backend.Errorf(backend.InvalidArgument, "malformed page token")
		}
		i, found := slices.BinarySearchFunc(ix.Order, Key{env, key}, Key.Compare)
		if found {
			i++
		}
		start = i
	} else if !o.AllEnvironments {
		start, _ = slices.BinarySearchFunc(ix.Order, Key{o.Environment, o.Prefix}, Key.Compare)
	}
	var page []*backend.Secret
	last := -1
	for i := start; i < len(ix.Order); i++ {
		k := ix.Order[i]
		if !o.AllEnvironments && k.Env != o.Environment {
			if k.Env > o.Environment {
				break
			}
			continue
		}
		if len(page) == o.PageSize {
			break
		}
		last = i
		s := ix.Secrets[k].Current()
		if !o.Match(s) {
			continue
		}
		c := s.Clone()
		if !o.WithValues {
			c.Value = ""
		}
		page = append(page, c)
	}
	next := ""
	if last >= 0 && len(page) == o.PageSize && ix.more(o, last+1) {
		k := ix.Order[last]
		next = k.Env + "\x00" + k.Key
	}
	return page, next, nil
}

// more reports whether a secret of the listing o comes at or after i.
func (ix *Index) more(o *backend.ListOptions, i int) bool {
	for ; i < len(ix.Order); i++ {
		k := ix.Order[i]
		if o.AllEnvironments || k.Env == o.Environment {
			return true
		}
		if k.Env > o.Environment {
			return false
		}
	}
	return false
}

// DeleteEnvironment removes the environment name: NotFound if it does not
// exist, FailedPrecondition while it holds secrets.
func (ix *Index) DeleteEnvironment(name string) error {
	if ix.Envs[name] == nil {
		return NoEnvironment(name)
	}
	i, _ := slices.BinarySearchFunc(ix.Order, Key{name, ""}, Key.Compare)
	if i < len(ix.Order) && ix.Order[i].Env == name {
		return backend.Errorf(backend.FailedPrecondition, "environment %q still holds secrets", name)
	}
	delete(ix.Envs, name)
	return nil
}

// NotFound is the error of a missing secret.
func NotFound(env, key string) error {
	if env == "" {
		return backend.Errorf(backend.NotFound, "no global secret %q", key)
	}
	return backend.Errorf(backend.NotFound, "no secret %q in environment %q", key, env)
}

// NoEnvironment is the error of a missing environment.
func NoEnvironment(env string) error {
	return backend.Errorf(backend.NotFound, "environment %q does not exist", env)
}

// Capabilities are what a driver on this model supports: everything but
// what a server enforces (NativeExpiry).
var Capabilities = backend.Capabilities{Versions: true, Delete: true, DeleteEnvironment: true, Types: true,
	Labels: true, Expiry: true, AtomicModify: true, AtomicMove: true, FieldWrites: true}

// SelfClassified is embedded by a driver on this model: it classifies all
// of its errors itself (backend.Errorf), so anything else is Unknown, and
// it has no client or error type of its own to reach with As or ErrorAs.
type SelfClassified struct{}

// ErrorCode answers Unknown.
func (SelfClassified) ErrorCode(error) backend.Code { return backend.Unknown }

// As answers false.
func (SelfClassified) As(any) bool { return false }

// ErrorAs answers false.
func (SelfClassified) ErrorAs(error, any) bool { return false }

// Put creates (env, key) of s, or adds a version to it, as backend.Putter
// does, and returns a copy of what it stored; id is the secret's ID.
func (ix *Index) Put(s *backend.Secret, id string) (*backend.Secret, error) {
	if s.Environment != "" && ix.Envs[s.Environment] == nil {
		return nil, NoEnvironment(s.Environment)
	}
	k := Key{Env: s.Environment, Key: s.Key}
	now := time.Now().UTC()
	c := s.Clone()
	c.Type = backend.EffectiveType(c.Type)
	c.ID = id
	c.CreatedAt, c.UpdatedAt = now, now
	e := ix.Secrets[k]
	if e == nil {
		e = &Entry{Next: 1}
		ix.Insert(k, e)
	} else {
		c.CreatedAt = e.Current().CreatedAt
	}
	e.Push(c)
	return c.Clone(), nil
}

// Values answers keys in exactly env, as backend.BatchGetter does.
func (ix *Index) Values(env string, keys []string) []backend.ValueResult {
	res := make([]backend.ValueResult, len(keys))
	for i, k := range keys {
		if e := ix.Secrets[Key{Env: env, Key: k}]; e != nil {
			res[i].Secret = e.Current().Clone()
		} else {
			res[i].Err = NotFound(env, k)
		}
	}
	return res
}

// Driver is what a driver on this model implements: the contract and every
// optional interface (compile-time check: var _ memindex.Driver = …).
type Driver interface {
	backend.Driver
	backend.Putter
	backend.BatchGetter
	backend.Pinger
	backend.ValueGetter
	backend.FieldSetter
}
