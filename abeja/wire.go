package abeja

import (
	"encoding/base64"
	"strconv"
	"time"

	"github.com/polysecret/secrets/backend"
)

// The protocol's shapes, as the SDK's docstrings show them
// (abeja/secret/api/client.py, abeja/secret_version/api/client.py), and
// their translation to backend.Secret.

type wireSecret struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Description *string       `json:"description"`
	ExpiredAt   *string       `json:"expired_at"`
	CreatedAt   string        `json:"created_at"`
	UpdatedAt   string        `json:"updated_at"`
	Versions    []wireVersion `json:"versions"`
}

type wireVersion struct {
	ID        string  `json:"id"`
	Value     *string `json:"value"`
	Version   int     `json:"version"`
	Status    string  `json:"status"`
	CreatedAt string  `json:"created_at"`
}

type wireList struct {
	OrganizationID string       `json:"organization_id"`
	Secrets        []wireSecret `json:"secrets"`
	Offset         int          `json:"offset"`
	Limit          int          `json:"limit"`
	HasNext        bool         `json:"has_next"`
}

type wireVersionList struct {
	Pagination struct {
		Count   int  `json:"count"`
		HasNext bool `json:"has_next"`
		Limit   int  `json:"limit"`
		Offset  int  `json:"offset"`
	} `json:"pagination"`
	Versions []wireVersion `json:"versions"`
}

// createBody is POST /secrets; patchBody is PATCH /secrets/{id} (a nil
// field is left out, a present null clears); versionBody is POST
// /secrets/{id}/versions.
type createBody struct {
	Name        string  `json:"name"`
	Value       string  `json:"value"`
	Description *string `json:"description,omitempty"`
	ExpiredAt   *string `json:"expired_at,omitempty"`
}

type patchBody map[string]any

type versionBody struct {
	Value string `json:"value"`
}

// microTime is the API's time format: RFC 3339, UTC, microseconds.
const microTime = "2006-01-02T15:04:05.000000Z"

// expiryText is an expiry as sent (microseconds, UTC).
func expiryText(t time.Time) string { return t.UTC().Format(microTime) }

// parseTime reads a time of the API (RFC 3339, with or without a
// fraction); empty is zero.
func parseTime(what, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, backend.Errorf(backend.Internal, "abeja: %s %q is not an RFC 3339 time", what, trunc(s))
	}
	return t, nil
}

func trunc(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// validID reports whether an id from the server is what ABEJA's ids are —
// decimal digits (13 of them today) — so that it can go into a path as
// it is.
func validID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// encodeValue is a value as the API takes it: standard base64 of its bytes.
func encodeValue(v string) string { return base64.StdEncoding.EncodeToString([]byte(v)) }

// current is the version whose value the secret has: the active one of
// the highest number.
func (w *wireSecret) current() *wireVersion {
	var cur *wireVersion
	for i := range w.Versions {
		v := &w.Versions[i]
		if v.Status == "active" && (cur == nil || v.Version > cur.Version) {
			cur = v
		}
	}
	return cur
}

// maxVersion is the highest version number (0 with none).
func (w *wireSecret) maxVersion() int {
	n := 0
	for _, v := range w.Versions {
		n = max(n, v.Version)
	}
	return n
}

// secret translates w; withValue decodes the current version's value.
// The version v, when not nil, gives the value and Version instead.
func (w *wireSecret) secret(withValue bool, v *wireVersion) (*backend.Secret, error) {
	if !validID(w.ID) {
		return nil, backend.Errorf(backend.Internal, "abeja: the server answered a secret id %q that is not decimal digits", trunc(w.ID))
	}
	s := &backend.Secret{Key: w.Name, ID: w.ID}
	if w.Description != nil {
		s.Description = *w.Description
	}
	var err error
	if w.ExpiredAt != nil {
		if s.ExpiresAt, err = parseTime("expired_at", *w.ExpiredAt); err != nil {
			return nil, err
		}
	}
	if s.CreatedAt, err = parseTime("created_at", w.CreatedAt); err != nil {
		return nil, err
	}
	if s.UpdatedAt, err = parseTime("updated_at", w.UpdatedAt); err != nil {
		return nil, err
	}
	if v == nil {
		if v = w.current(); v == nil {
			return nil, backend.Errorf(backend.FailedPrecondition, "abeja: secret %q has no active version", w.Name)
		}
	}
	s.Version = strconv.Itoa(v.Version)
	if vt, err := parseTime("created_at", v.CreatedAt); err == nil && vt.After(s.UpdatedAt) {
		s.UpdatedAt = vt
	}
	if withValue {
		if s.Value, err = v.value(w.Name); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// value decodes the version's value.
func (v *wireVersion) value(name string) (string, error) {
	if v.Value == nil {
		return "", backend.Errorf(backend.Internal, "abeja: the server answered secret %q version %d without its value", name, v.Version)
	}
	b, err := base64.StdEncoding.DecodeString(*v.Value)
	if err != nil {
		return "", backend.Errorf(backend.Internal, "abeja: the value of secret %q version %d is not standard base64", name, v.Version)
	}
	return string(b), nil
}
