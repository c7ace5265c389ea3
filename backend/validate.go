package backend

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Limits of the portable data model (DESIGN.md §2): the intersection of what
// every backend stores natively.
const (
	MaxKeyLen            = 256
	MaxValueLen          = 65536
	MaxDescriptionLen    = 512
	MaxLabels            = 32
	MaxLabelKeyLen       = 64
	MaxLabelValueLen     = 256
	MaxEnvironmentLen    = 64
	MaxExternalURLLen    = 2048
	MaxPageSize          = 1000
	DefaultPageSize      = 100
	MaxQueryLen          = 256
	DefaultMaxRetries    = 5
	DefaultListFetchConc = 8
)

// invalid returns an InvalidArgument error.
func invalid(format string, args ...any) error { return Errorf(InvalidArgument, format, args...) }

func keyByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-'
}

// secretKeyByte: the key alphabet. Every backend holds A-Z a-z 0-9 and
// _ . - / + = @ (AWS Secrets Manager names allow exactly these); the ASCII
// space is accepted here too, since Locker and Vault hold it, and a driver
// whose backend cannot refuses it with its own rule.
func secretKeyByte(c byte) bool { return secretKeyBytes[c] }

// secretKeyBytes is secretKeyByte's table (ValidateKey runs on every read).
var secretKeyBytes = func() (t [256]bool) {
	for c := range 256 {
		b := byte(c)
		t[c] = keyByte(b) || b == '/' || b == '+' || b == '=' || b == '@' || b == ' '
	}
	return t
}()

// ValidateKey checks a secret key: 1–256 bytes of A-Z a-z 0-9 _ . - / + = @
// and space; / separates segments, as directories do: no empty segment (so
// no leading, trailing or doubled /), no "." or ".." segment, and no segment
// that starts or ends with a space. A driver whose backend cannot hold a key
// (AWS: a space) says so with InvalidArgument naming the backend's rule.
func ValidateKey(key string) error {
	if len(key) == 0 || len(key) > MaxKeyLen {
		return invalid("key must be 1-%d bytes, got %d", MaxKeyLen, len(key))
	}
	// One pass (this runs on every read): the alphabet, and each segment
	// checked when its / or the end is reached.
	start := 0
	for i := 0; i <= len(key); i++ {
		if i < len(key) && key[i] != '/' {
			if !secretKeyByte(key[i]) {
				return invalid("key %s: byte %d is not one of A-Z a-z 0-9 _ . - / + = @ or space", quoteSafe(key), i)
			}
			continue
		}
		seg := key[start:i]
		switch {
		case seg == "":
			return invalid("key %s: empty segment (/ separates segments: none may be empty, so no leading, trailing or doubled /)", quoteSafe(key))
		case seg == "." || seg == "..":
			return invalid("key %s: segment %q is reserved", quoteSafe(key), seg)
		case seg[0] == ' ' || seg[len(seg)-1] == ' ':
			return invalid("key %s: a segment may not start or end with a space", quoteSafe(key))
		}
		start = i + 1
	}
	return nil
}

// PortableKey reports whether every backend can hold key: a valid key
// without spaces.
func PortableKey(key string) bool {
	return ValidateKey(key) == nil && !strings.Contains(key, " ")
}

// ValidateEnvironmentName checks an environment name: 1–64 bytes of
// A-Z a-z 0-9 _ -, starting with a letter or digit.
func ValidateEnvironmentName(name string) error {
	if len(name) == 0 || len(name) > MaxEnvironmentLen {
		return invalid("environment name must be 1-%d bytes, got %d", MaxEnvironmentLen, len(name))
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '.' || !keyByte(c) || i == 0 && (c == '_' || c == '-') {
			return invalid("environment name %s: byte %d not allowed (A-Z a-z 0-9 _ -, starting with a letter or digit)", quoteSafe(name), i)
		}
	}
	return nil
}

// ValidateScope checks an environment scope: "" (global) or a valid name.
func ValidateScope(env string) error {
	if env == "" {
		return nil
	}
	return ValidateEnvironmentName(env)
}

// quoteSafe quotes an identifier for an error message, shortened so that a
// huge argument does not flood the message.
func quoteSafe(s string) string {
	if len(s) > 140 {
		s = s[:140] + "…"
	}
	return strconv.Quote(s)
}

// ValidateValue checks a value's size.
func ValidateValue(v string) error {
	if len(v) > MaxValueLen {
		return invalid("value is %d bytes; the limit is %d", len(v), MaxValueLen)
	}
	return nil
}

// ValidateDescription checks a description.
func ValidateDescription(d string) error {
	if len(d) > MaxDescriptionLen {
		return invalid("description is %d bytes; the limit is %d", len(d), MaxDescriptionLen)
	}
	if !utf8.ValidString(d) {
		return invalid("description is not valid UTF-8")
	}
	return nil
}

// ValidateType checks a secret type ("" means generic).
func ValidateType(t string) error {
	switch t {
	case "", TypeGeneric, TypePassword, TypeKey, TypeToken:
		return nil
	}
	return invalid("type %s: must be generic, password, key or token", quoteSafe(t))
}

// ValidateLabels checks a label set.
func ValidateLabels(labels map[string]string) error {
	if len(labels) > MaxLabels {
		return invalid("%d labels; the limit is %d", len(labels), MaxLabels)
	}
	for k, v := range labels {
		if len(k) == 0 || len(k) > MaxLabelKeyLen {
			return invalid("label key must be 1-%d bytes, got %d", MaxLabelKeyLen, len(k))
		}
		for i := 0; i < len(k); i++ {
			if !keyByte(k[i]) {
				return invalid("label key %s: byte %d is not one of A-Z a-z 0-9 _ . -", quoteSafe(k), i)
			}
		}
		if err := ValidateLabelValue(v); err != nil {
			return Errorf(InvalidArgument, "label %s: %w", quoteSafe(k), err)
		}
	}
	return nil
}

// ValidateLabelValue checks one label value: 1–256 bytes of Unicode letters
// and decimal digits, the ASCII space and _ . : / = + - @ — what an AWS tag
// value and a Vault custom_metadata value both accept. Other spaces (U+00A0,
// U+3000) are refused: Vault refuses what is not printable.
func ValidateLabelValue(v string) error {
	if len(v) == 0 || len(v) > MaxLabelValueLen {
		return invalid("label value must be 1-%d bytes, got %d", MaxLabelValueLen, len(v))
	}
	if !utf8.ValidString(v) {
		return invalid("label value is not valid UTF-8")
	}
	for _, r := range v {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(" _.:/=+-@", r) {
			continue
		}
		return invalid("label value: %q is not a letter, digit, ASCII space or one of _ . : / = + - @", r)
	}
	return nil
}

// ValidateExternalURL checks an environment's external URL.
func ValidateExternalURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > MaxExternalURLLen {
		return invalid("external URL is %d bytes; the limit is %d", len(s), MaxExternalURLLen)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return invalid("external URL must be an absolute http or https URL")
	}
	return nil
}

// ValidateSecret checks everything of s that a caller sets on Create.
func ValidateSecret(s *Secret) error {
	if err := ValidateScope(s.Environment); err != nil {
		return err
	}
	if err := ValidateKey(s.Key); err != nil {
		return err
	}
	if err := ValidateValue(s.Value); err != nil {
		return err
	}
	if err := ValidateDescription(s.Description); err != nil {
		return err
	}
	if err := ValidateType(s.Type); err != nil {
		return err
	}
	if err := ValidateExpiry(s.ExpiresAt); err != nil {
		return err
	}
	return ValidateLabels(s.Labels)
}

// ValidateExpiry checks an expiry: zero (none), or a time whose UTC year is
// 1 to 9999 — what RFC 3339, and so every backend's metadata and JSON, can
// write.
func ValidateExpiry(t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return invalid("expiry must be in the years 1 to 9999 (UTC)")
	}
	return nil
}

// ValidateUpdate checks the fields an update sets.
func ValidateUpdate(u *Update) error {
	if u.Value != nil {
		if err := ValidateValue(*u.Value); err != nil {
			return err
		}
	}
	if u.Description != nil {
		if err := ValidateDescription(*u.Description); err != nil {
			return err
		}
	}
	if u.Type != nil {
		if err := ValidateType(*u.Type); err != nil {
			return err
		}
	}
	if u.Labels != nil {
		if err := ValidateLabels(u.Labels); err != nil {
			return err
		}
	}
	if u.ExpiresAt != nil {
		if err := ValidateExpiry(*u.ExpiresAt); err != nil {
			return err
		}
	}
	if u.Environment != nil {
		if err := ValidateScope(*u.Environment); err != nil {
			return err
		}
	}
	return nil
}

// ValidateEnvironment checks an environment as given to CreateEnvironment.
func ValidateEnvironment(e *Environment) error {
	if err := ValidateEnvironmentName(e.Name); err != nil {
		return err
	}
	if err := ValidateDescription(e.Description); err != nil {
		return err
	}
	return ValidateExternalURL(e.ExternalURL)
}

// ValidateEnvironmentUpdate checks an environment update.
func ValidateEnvironmentUpdate(u *EnvironmentUpdate) error {
	if u.Description != nil {
		if err := ValidateDescription(*u.Description); err != nil {
			return err
		}
	}
	if u.ExternalURL != nil {
		return ValidateExternalURL(*u.ExternalURL)
	}
	return nil
}

// ValidateListOptions checks o and fills in the default page size.
func ValidateListOptions(o *ListOptions) error {
	if o.PageSize == 0 {
		o.PageSize = DefaultPageSize
	}
	if o.PageSize < 1 || o.PageSize > MaxPageSize {
		return invalid("page size must be 1-%d, got %d", MaxPageSize, o.PageSize)
	}
	if !o.AllEnvironments {
		if err := ValidateScope(o.Environment); err != nil {
			return err
		}
	}
	if len(o.Prefix) > MaxKeyLen {
		return invalid("prefix longer than a key")
	}
	for i := 0; i < len(o.Prefix); i++ {
		if !secretKeyByte(o.Prefix[i]) {
			return invalid("prefix %s: byte %d is not one of A-Z a-z 0-9 _ . - / + = @ or space", quoteSafe(o.Prefix), i)
		}
	}
	if o.Type != "" {
		if err := ValidateType(o.Type); err != nil {
			return err
		}
	}
	if len(o.Query) > MaxQueryLen {
		return invalid("query is %d bytes; the limit is %d", len(o.Query), MaxQueryLen)
	}
	return ValidateLabels(o.Labels)
}

// Match reports whether s passes every filter of o (scope included).
func (o *ListOptions) Match(s *Secret) bool {
	if !o.AllEnvironments && s.Environment != o.Environment {
		return false
	}
	if !strings.HasPrefix(s.Key, o.Prefix) {
		return false
	}
	if o.Type != "" && EffectiveType(s.Type) != o.Type {
		return false
	}
	for k, v := range o.Labels {
		if got, ok := s.Labels[k]; !ok || got != v {
			return false
		}
	}
	if o.Query != "" && !containsFold(s.Key, o.Query) && !containsFold(s.Description, o.Query) {
		return false
	}
	return true
}

// EffectiveType returns t, or generic for "".
func EffectiveType(t string) string {
	if t == "" {
		return TypeGeneric
	}
	return t
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
