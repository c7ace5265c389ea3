package backend

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// FlatMeta names the entries in which a driver keeps a secret's metadata in
// a flat string map of its backend (AWS tags, Vault custom_metadata): the
// type, the expiry (RFC 3339, UTC), each label under LabelPrefix, and the
// description when Description is not "".
type FlatMeta struct {
	Description, Type, ExpiresAt, LabelPrefix string
}

// Encode calls set for each metadata entry of s, in a fixed order (type,
// expiry, description, labels by key). A generic type, a zero expiry and an
// empty description make no entry.
func (f FlatMeta) Encode(s *Secret, set func(key, value string)) {
	if s.Type != "" && s.Type != TypeGeneric {
		set(f.Type, s.Type)
	}
	if !s.ExpiresAt.IsZero() {
		set(f.ExpiresAt, s.ExpiresAt.UTC().Format(time.RFC3339Nano))
	}
	if f.Description != "" && s.Description != "" {
		set(f.Description, s.Description)
	}
	for _, k := range slices.Sorted(maps.Keys(s.Labels)) {
		set(f.LabelPrefix+k, s.Labels[k])
	}
}

// Apply sets on s the metadata entry (key, value), and reports whether key
// is one of f's; other keys (someone else's) are left alone. Call it on a
// secret whose Type is already generic.
func (f FlatMeta) Apply(s *Secret, key, value string) bool {
	switch {
	case key == f.Type:
		s.Type = value
	case key == f.ExpiresAt:
		if t, err := time.Parse(time.RFC3339Nano, value); err == nil {
			s.ExpiresAt = t
		}
	case f.Description != "" && key == f.Description:
		s.Description = value
	case strings.HasPrefix(key, f.LabelPrefix):
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		s.Labels[strings.TrimPrefix(key, f.LabelPrefix)] = value
	default:
		return false
	}
	return true
}
