package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/polysecret/secrets"
)

// pair is one secret as exec and export hand it on: its name (the key with
// the prefix removed) and its value.
type pair struct {
	key, value string
	global     bool // a global secret the scope lacks
}

// collect returns the secrets of the store's scope, with the global ones
// its scope lacks (Get's fallback), whose key starts with prefix, prefix
// removed, sorted by key. Expired secrets are left out.
func collect(ctx context.Context, s *secrets.Store, prefix string) ([]pair, error) {
	m := map[string]pair{}
	scopes := []*secrets.Store{s}
	if s.Environment() != "" {
		scopes = []*secrets.Store{s.In(""), s} // the scope's secrets win
	}
	now := time.Now()
	for _, sc := range scopes {
		for sec, err := range sc.List(ctx, secrets.ListOptions{Prefix: prefix, WithValues: true}) {
			if err != nil {
				return nil, err
			}
			if sec.Expired(now) {
				continue
			}
			k := strings.TrimPrefix(sec.Key, prefix)
			m[k] = pair{k, sec.Value, sc.Environment() != s.Environment()}
		}
	}
	out := make([]pair, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	return out, nil
}

// envVarName maps a key (prefix removed) to an environment variable name:
// upper-cased, every byte other than A-Z, 0-9 and _ (such as / . - + = @
// and space) replaced by _, and a leading digit preceded by _. So
// "db/password" is DB_PASSWORD and "api.v2-token" is API_V2_TOKEN.
func envVarName(key string) string {
	b := []byte(strings.ToUpper(key))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) > 0 && b[0] >= '0' && b[0] <= '9' {
		b = append([]byte{'_'}, b...)
	}
	return string(b)
}

// envVars maps pairs to environment variables, sorted by name. Where a
// key of the scope and a global key map to one name, the scope's wins (as
// Get's fallback would have it); two keys of one scope that map to one name
// are an error naming both (never a value).
func envVars(ps []pair) ([]pair, error) {
	seen := map[string]int{}
	var out []pair
	for _, p := range ps {
		n := envVarName(p.key)
		i, dup := seen[n]
		switch {
		case !dup:
			seen[n] = len(out)
			out = append(out, pair{n, p.value, p.global})
			continue
		case out[i].global && !p.global:
			out[i] = pair{n, p.value, false}
			continue
		case p.global && !out[i].global:
			continue
		}
		return nil, &codedError{secrets.InvalidArgument,
			fmt.Errorf("two keys map to the variable %s (the key %q is one)", n, p.key)}
	}
	slices.SortFunc(out, func(a, b pair) int { return strings.Compare(a.key, b.key) })
	return out, nil
}
