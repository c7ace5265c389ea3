package backend

import (
	"fmt"
	"log/slog"
	"maps"
	"strconv"
	"time"
)

// Secret types.
const (
	TypeGeneric  = "generic"
	TypePassword = "password"
	TypeKey      = "key"
	TypeToken    = "token"
)

// Secret is one secret, identified by (Environment, Key). Package secrets
// re-exports it as secrets.Secret.
//
// The value is reachable only through the Value field: fmt (%v, %+v, %#v, %s,
// …), log/slog and encoding/json never show it.
type Secret struct {
	// Environment is "" for the global secret (valid in every environment),
	// or the name of an environment.
	Environment string
	// Key is 1–256 bytes of A-Z a-z 0-9 _ . - / + = @ and space; / separates
	// segments (see ValidateKey).
	Key string
	// Value is binary-safe, at most 65,536 bytes. It is never printed,
	// logged or JSON-encoded by this package's types.
	Value string `json:"-"`
	// Description is at most 512 bytes.
	Description string `json:",omitempty"`
	// Type is generic (the default when empty), password, key or token.
	Type string `json:",omitempty"`
	// Labels: at most 32; keys 1–64 bytes of the key alphabet, values 1–256
	// bytes of Unicode letters, decimal digits, the ASCII space and _ . : / = + - @
	Labels map[string]string `json:",omitempty"`
	// ExpiresAt is zero for a secret that never expires.
	ExpiresAt time.Time `json:",omitzero"`

	// Set by the driver; ignored on Create.

	// ID is the backend's own identifier (Vault path, ARN, Locker id).
	ID string `json:",omitempty"`
	// Version is opaque; "" where the backend has no versions.
	Version   string    `json:",omitempty"`
	CreatedAt time.Time `json:",omitzero"`
	UpdatedAt time.Time `json:",omitzero"`
}

// Clone returns a deep copy of s (nil for nil).
func (s *Secret) Clone() *Secret {
	if s == nil {
		return nil
	}
	c := *s
	if s.Labels != nil {
		c.Labels = maps.Clone(s.Labels)
	}
	return &c
}

// Expired reports whether s has an expiry that has passed at now.
func (s *Secret) Expired(now time.Time) bool {
	return !s.ExpiresAt.IsZero() && !now.Before(s.ExpiresAt)
}

// redacted is what printing shows instead of a value.
const redacted = "REDACTED"

// Format prints s without its value, whatever the verb.
func (s Secret) Format(f fmt.State, verb rune) {
	type shown struct {
		Environment, Key, Value, Description, Type string
		Labels                                     map[string]string
		ExpiresAt                                  time.Time
		ID, Version                                string
		CreatedAt, UpdatedAt                       time.Time
	}
	v := shown{s.Environment, s.Key, redacted + " (" + strconv.Itoa(len(s.Value)) + " bytes)", s.Description, s.Type,
		s.Labels, s.ExpiresAt, s.ID, s.Version, s.CreatedAt, s.UpdatedAt}
	switch {
	case verb == 'v' && f.Flag('#'):
		fmt.Fprintf(f, "backend.Secret%+v", v)
	case verb == 'v' && f.Flag('+'):
		fmt.Fprintf(f, "%+v", v)
	default:
		fmt.Fprintf(f, "{%s/%s %s}", orGlobal(s.Environment), s.Key, v.Value)
	}
}

// LogValue shows s in log/slog without its value.
func (s Secret) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("env", s.Environment), slog.String("key", s.Key), slog.Int("value_bytes", len(s.Value))}
	if s.Type != "" {
		attrs = append(attrs, slog.String("type", s.Type))
	}
	if s.Version != "" {
		attrs = append(attrs, slog.String("version", s.Version))
	}
	return slog.GroupValue(attrs...)
}

func orGlobal(env string) string {
	if env == "" {
		return "(global)"
	}
	return env
}

// Update is a partial update of a secret: a nil field is left unchanged.
type Update struct {
	Value       *string `json:"-"`
	Description *string
	Type        *string
	// Labels, when not nil, replaces all labels (an empty map removes them).
	Labels map[string]string
	// ExpiresAt, when not nil, sets the expiry (a zero time removes it).
	ExpiresAt *time.Time
	// Environment, when not nil, moves the secret to that scope ("" = global).
	Environment *string
}

// Format prints u without its value.
func (u Update) Format(f fmt.State, verb rune) {
	val := "<unchanged>"
	if u.Value != nil {
		val = redacted
	}
	fmt.Fprintf(f, "{Value:%s Description:%v Type:%v Labels:%v ExpiresAt:%v Environment:%v}",
		val, deref(u.Description), deref(u.Type), u.Labels, derefT(u.ExpiresAt), deref(u.Environment))
}

// LogValue shows u in log/slog without its value.
func (u Update) LogValue() slog.Value {
	return slog.StringValue(fmt.Sprint(u))
}

func deref(p *string) string {
	if p == nil {
		return "<unchanged>"
	}
	return strconv.Quote(*p)
}

func derefT(p *time.Time) string {
	if p == nil {
		return "<unchanged>"
	}
	return p.String()
}

// Apply applies u to s in place (the environment move included). It does not
// validate.
func (u *Update) Apply(s *Secret) {
	if u.Value != nil {
		s.Value = *u.Value
	}
	if u.Description != nil {
		s.Description = *u.Description
	}
	if u.Type != nil {
		s.Type = *u.Type
	}
	if u.Labels != nil {
		if len(u.Labels) == 0 {
			s.Labels = nil
		} else {
			s.Labels = maps.Clone(u.Labels)
		}
	}
	if u.ExpiresAt != nil {
		s.ExpiresAt = *u.ExpiresAt
	}
	if u.Environment != nil {
		s.Environment = *u.Environment
	}
}

// Environment is a named scope for secrets.
type Environment struct {
	// Name is 1–64 bytes of A-Z a-z 0-9 _ -, starting with a letter or digit.
	Name string
	// ExternalURL is empty or an absolute http(s) URL of at most 2,048 bytes.
	ExternalURL string `json:",omitempty"`
	// Description is at most 512 bytes.
	Description string    `json:",omitempty"`
	ID          string    `json:",omitempty"`
	CreatedAt   time.Time `json:",omitzero"`
	UpdatedAt   time.Time `json:",omitzero"`
}

// Clone returns a copy of e.
func (e *Environment) Clone() *Environment {
	if e == nil {
		return nil
	}
	c := *e
	return &c
}

// EnvironmentUpdate is a partial update of an environment: nil is unchanged.
// The name never changes.
type EnvironmentUpdate struct {
	Description *string
	ExternalURL *string
}

// Apply applies u to e in place.
func (u *EnvironmentUpdate) Apply(e *Environment) {
	if u.Description != nil {
		e.Description = *u.Description
	}
	if u.ExternalURL != nil {
		e.ExternalURL = *u.ExternalURL
	}
}
