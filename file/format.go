package file

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"time"
	"unicode/utf8"

	"filippo.io/age"

	"github.com/polysecret/secrets/backend"
	"github.com/polysecret/secrets/internal/memindex"
)

// FormatVersion is the version of the file's JSON document this driver
// writes, and the newest it reads.
const FormatVersion = 1

type fileDoc struct {
	Format       int         `json:"format"`
	Environments []fileEnv   `json:"environments"`
	Secrets      []fileEntry `json:"secrets"`
}

type fileEnv struct {
	Name        string    `json:"name"`
	Description string    `json:"description,omitempty"`
	ExternalURL string    `json:"external_url,omitempty"`
	ID          string    `json:"id,omitempty"`
	CreatedAt   time.Time `json:"created_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

type fileEntry struct {
	Environment string        `json:"environment"`
	Key         string        `json:"key"`
	NextVersion int           `json:"next_version"`
	Versions    []fileVersion `json:"versions"`
}

type fileVersion struct {
	Version     string            `json:"version"`
	Value       *string           `json:"value,omitempty"`
	ValueBase64 string            `json:"value_base64,omitempty"`
	Description string            `json:"description,omitempty"`
	Type        string            `json:"type,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	ExpiresAt   time.Time         `json:"expires_at,omitzero"`
	CreatedAt   time.Time         `json:"created_at,omitzero"`
	UpdatedAt   time.Time         `json:"updated_at,omitzero"`
}

// encode returns the JSON document of st.
func encode(st *state) ([]byte, error) {
	doc := fileDoc{Format: FormatVersion, Environments: []fileEnv{}, Secrets: make([]fileEntry, 0, len(st.Order))}
	for _, name := range st.envNames() {
		e := st.Envs[name]
		doc.Environments = append(doc.Environments, fileEnv{Name: e.Name, Description: e.Description,
			ExternalURL: e.ExternalURL, ID: e.ID, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt})
	}
	for _, k := range st.Order {
		e := st.Secrets[k]
		fe := fileEntry{Environment: k.Env, Key: k.Key, NextVersion: e.Next, Versions: make([]fileVersion, len(e.Versions))}
		for i, s := range e.Versions {
			v := fileVersion{Version: s.Version, Description: s.Description, Type: s.Type, Labels: s.Labels,
				ExpiresAt: s.ExpiresAt, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
			if utf8.ValidString(s.Value) {
				v.Value = &s.Value
			} else {
				v.ValueBase64 = base64.StdEncoding.EncodeToString([]byte(s.Value))
			}
			fe.Versions[i] = v
		}
		doc.Secrets = append(doc.Secrets, fe)
	}
	b, err := json.MarshalIndent(&doc, "", "  ")
	return append(b, '\n'), err
}

// decode parses a JSON document into a state.
func decode(b []byte) (*state, error) {
	var head struct {
		Format *int `json:"format"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, backend.Errorf(backend.Internal, "file: the store's content is not valid JSON: %w", err)
	}
	switch {
	case head.Format == nil:
		return nil, backend.Errorf(backend.Internal, "file: the store's content has no \"format\" member")
	case *head.Format > FormatVersion:
		return nil, backend.Errorf(backend.FailedPrecondition,
			"file: the store has format %d, written by a newer polysecret; this one reads format %d at most", *head.Format, FormatVersion)
	case *head.Format < 1:
		return nil, backend.Errorf(backend.Internal, "file: the store has the invalid format %d", *head.Format)
	}
	var doc fileDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, backend.Errorf(backend.Internal, "file: the store's content does not follow format 1: %w", err)
	}
	st := newState()
	for _, fe := range doc.Environments {
		if fe.Name == "" || st.Envs[fe.Name] != nil {
			return nil, backend.Errorf(backend.Internal, "file: the store has an empty or repeated environment name")
		}
		st.Envs[fe.Name] = &backend.Environment{Name: fe.Name, Description: fe.Description, ExternalURL: fe.ExternalURL,
			ID: fe.ID, CreatedAt: fe.CreatedAt, UpdatedAt: fe.UpdatedAt}
	}
	for _, fe := range doc.Secrets {
		k := memindex.Key{Env: fe.Environment, Key: fe.Key}
		if fe.Key == "" || len(fe.Versions) == 0 || st.Secrets[k] != nil {
			return nil, backend.Errorf(backend.Internal, "file: the store has a secret with no key, no version, or twice")
		}
		if k.Env != "" && st.Envs[k.Env] == nil {
			return nil, backend.Errorf(backend.Internal, "file: the store has a secret in an environment it does not list")
		}
		e := &memindex.Entry{Next: fe.NextVersion, Versions: make([]*backend.Secret, len(fe.Versions))}
		for i, v := range fe.Versions {
			s := &backend.Secret{Environment: k.Env, Key: k.Key, Version: v.Version, Description: v.Description,
				Type: v.Type, Labels: v.Labels, ExpiresAt: v.ExpiresAt, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt,
				ID: secretID(k.Env, k.Key)}
			switch {
			case v.Value != nil:
				s.Value = *v.Value
			case v.ValueBase64 != "":
				raw, err := base64.StdEncoding.DecodeString(v.ValueBase64)
				if err != nil {
					return nil, backend.Errorf(backend.Internal, "file: a value_base64 of the store is not base64")
				}
				s.Value = string(raw)
			}
			e.Versions[i] = s
		}
		st.Secrets[k] = e
		st.Order = append(st.Order, k)
	}
	st.sort()
	return st, nil
}

// seal encrypts plain to recipients.
func seal(plain []byte, recipients []age.Recipient) ([]byte, error) {
	var buf bytes.Buffer
	buf.Grow(len(plain) + 512)
	w, err := age.Encrypt(&buf, recipients...)
	if err != nil {
		return nil, backend.Errorf(backend.Internal, "file: encrypt: %w", err)
	}
	if _, err := w.Write(plain); err != nil {
		return nil, backend.Errorf(backend.Internal, "file: encrypt: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, backend.Errorf(backend.Internal, "file: encrypt: %w", err)
	}
	return buf.Bytes(), nil
}

// open decrypts an age file with id, classifying the failures (see the
// package documentation).
func open(r io.Reader, id age.Identity) ([]byte, error) {
	pr, err := age.Decrypt(r, id)
	if err != nil {
		var nomatch *age.NoIdentityMatchError
		if errors.As(err, &nomatch) {
			return nil, backend.Errorf(backend.PermissionDenied, "file: the identity cannot decrypt the store (it was encrypted to other recipients)")
		}
		return nil, backend.Errorf(backend.Internal, "file: the store is not a valid age file (truncated or damaged?): %w", err)
	}
	b, err := io.ReadAll(pr)
	if err != nil {
		return nil, backend.Errorf(backend.Internal, "file: the store's ciphertext is truncated or was tampered with: %w", err)
	}
	return b, nil
}
