package main

import (
	"context"
	"crypto/sha256"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/polysecret/secrets"
)

// ref names a secret in plans and diffs: its key and its scope. Never its
// value.
type ref struct{ env, key string }

func (r ref) String() string {
	env := r.env
	if env == "" {
		env = "(global)"
	}
	return r.key + " in " + env
}

// snapshot reads every secret of every scope, with values.
func snapshot(ctx context.Context, s *secrets.Store) (map[ref]*secrets.Secret, []ref, error) {
	m := map[ref]*secrets.Secret{}
	var order []ref
	for sec, err := range s.List(ctx, secrets.ListOptions{AllEnvironments: true, WithValues: true, PageSize: 1000}) {
		if err != nil {
			return nil, nil, err
		}
		r := ref{sec.Environment, sec.Key}
		m[r] = sec
		order = append(order, r)
	}
	slices.SortFunc(order, func(a, b ref) int {
		if c := strings.Compare(a.env, b.env); c != 0 {
			return c
		}
		return strings.Compare(a.key, b.key)
	})
	return m, order, nil
}

// held is what both sides of a copy or diff store beyond value and
// description.
type held struct{ types, labels, expiry bool }

func heldBy(cs ...secrets.Capabilities) held {
	h := held{true, true, true}
	for _, c := range cs {
		h.types = h.types && c.Types
		h.labels = h.labels && c.Labels
		h.expiry = h.expiry && c.Expiry
	}
	return h
}

// notHeld names what h leaves out.
func (h held) notHeld() []string {
	var out []string
	if !h.types {
		out = append(out, "type")
	}
	if !h.labels {
		out = append(out, "labels")
	}
	if !h.expiry {
		out = append(out, "expiry")
	}
	return out
}

// differences names the fields of a and b that differ, among those h
// holds. Values are compared by their SHA-256, never shown.
func differences(a, b *secrets.Secret, h held) []string {
	var out []string
	if sha256.Sum256([]byte(a.Value)) != sha256.Sum256([]byte(b.Value)) {
		out = append(out, "value")
	}
	if a.Description != b.Description {
		out = append(out, "description")
	}
	if h.types && effType(a.Type) != effType(b.Type) {
		out = append(out, "type")
	}
	if h.labels && !maps.Equal(nonNil(a.Labels), nonNil(b.Labels)) {
		out = append(out, "labels")
	}
	if h.expiry && !a.ExpiresAt.Truncate(time.Second).Equal(b.ExpiresAt.Truncate(time.Second)) {
		out = append(out, "expiry")
	}
	return out
}

// envDifferences names what differs between two environments of one name:
// description, external URL.
func envDifferences(a, b *secrets.Environment) []string {
	var out []string
	if a.Description != b.Description {
		out = append(out, "description")
	}
	if a.ExternalURL != b.ExternalURL {
		out = append(out, "external URL")
	}
	return out
}

func effType(t string) string {
	if t == "" {
		return secrets.TypeGeneric
	}
	return t
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// openPair opens the stores of SRC and DST (argv[0] and argv[1]), each in
// its URL's own scope.
func openPair(ctx context.Context, argv []string) (src, dst *secrets.Store, err error) {
	if src, err = openURL(ctx, argv[0], ""); err != nil {
		return nil, nil, err
	}
	if dst, err = openURL(ctx, argv[1], ""); err != nil {
		src.Close()
		return nil, nil, err
	}
	return src, dst, nil
}

// environments lists the environments of src and of dst, and dst's by
// name.
func environments(ctx context.Context, src, dst *secrets.Store) (senvs, denvs []*secrets.Environment, inDst map[string]*secrets.Environment, err error) {
	if senvs, err = src.ListEnvironments(ctx); err != nil {
		return nil, nil, nil, err
	}
	if denvs, err = dst.ListEnvironments(ctx); err != nil {
		return nil, nil, nil, err
	}
	inDst = make(map[string]*secrets.Environment, len(denvs))
	for _, e := range denvs {
		inDst[e.Name] = e
	}
	return senvs, denvs, inDst, nil
}
