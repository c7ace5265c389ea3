package lockertest

import (
	"net/http"

	"github.com/polysecret/secrets/internal/testserver"
)

// Secrets: what the server stores of one, and the handlers of
// /v1/secrets.

// StoredSecret is a secret as the server holds it: ids, hashes and
// ciphertexts.
type StoredSecret struct {
	ID              string
	Hash            string
	Key             string // EncString
	Value           string // EncString
	Description     string // EncString or ""
	EnvironmentID   string // "" = All
	EnvironmentName string // EncString or ""
	EnvironmentHash string
	Created, Rev    float64
	Updated         float64
}

func (p *Project) secretJSON(sec *StoredSecret, withData bool) map[string]any {
	m := map[string]any{"object": "secret", "id": sec.ID, "creation_date": sec.Created, "revision_date": sec.Rev,
		"updated_date": sec.Updated, "deleted_date": nil, "last_use_date": nil, "project_id": p.id,
		"environment_id": nilIfEmpty(sec.EnvironmentID), "environment_name": nilIfEmpty(sec.EnvironmentName),
		"environment_hash": nilIfEmpty(sec.EnvironmentHash), "key": sec.Key, "secret_hash": sec.Hash,
		"value": sec.Value, "description": sec.Description}
	if withData {
		m["data"] = map[string]any{"key": sec.Key, "value": sec.Value, "description": sec.Description}
	}
	return m
}

type secretBody struct {
	Key             *string `json:"key"`
	Hash            *string `json:"hash"`
	Value           *string `json:"value"`
	Description     *string `json:"description"`
	EnvironmentID   *string `json:"environment_id"`
	EnvironmentName *string `json:"environment_name"`
}

func (b *secretBody) encFields() []encField {
	return []encField{{"key", b.Key, true}, {"value", b.Value, true}, {"description", b.Description, false},
		{"environment_name", b.EnvironmentName, false}}
}

func (b *secretBody) hash() *string { return b.Hash }

// placeIn moves sec to the environment a body names: environment_id ""
// is All; the name is the client's own ciphertext of it, or the
// environment's.
func (p *Project) placeIn(sec *StoredSecret, b *secretBody) *apiError {
	if *b.EnvironmentID == "" {
		sec.EnvironmentID, sec.EnvironmentHash, sec.EnvironmentName = "", "", ""
		return nil
	}
	e := p.env(*b.EnvironmentID)
	if e == nil {
		return &apiError{404, "not_found", "The environment does not exist."}
	}
	sec.EnvironmentID, sec.EnvironmentHash, sec.EnvironmentName = e.ID, e.Hash, e.Name
	if b.EnvironmentName != nil && *b.EnvironmentName != "" {
		sec.EnvironmentName = *b.EnvironmentName
	}
	return nil
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, p *Project) {
	var b secretBody
	if !s.readBody(w, r, &b, true) {
		return
	}
	sec := &StoredSecret{ID: p.newID(), Hash: *b.Hash, Key: *b.Key, Value: *b.Value, Created: now()}
	sec.Rev, sec.Updated = sec.Created, sec.Created
	if b.Description != nil {
		sec.Description = *b.Description
	}
	if b.EnvironmentID != nil {
		if e := p.placeIn(sec, &b); e != nil {
			s.writeErr(w, *e)
			return
		}
	}
	for _, o := range p.secrets {
		if o.Hash == sec.Hash && o.EnvironmentID == sec.EnvironmentID {
			s.writeErr(w, apiError{400, "duplicate_hash", "This secret hash already exists"})
			return
		}
	}
	p.secrets = append(p.secrets, sec)
	p.rev = sec.Rev
	writeJSON(w, 201, p.secretJSON(sec, true))
}

func (s *Server) updateSecret(w http.ResponseWriter, r *http.Request, p *Project, id string) {
	sec := p.secret(id)
	if sec == nil {
		s.writeErr(w, apiError{404, "not_found", "The secret does not exist."})
		return
	}
	var b secretBody
	if !s.readBody(w, r, &b, false) {
		return
	}
	next := *sec
	next.Hash = *b.Hash
	if b.Key != nil && *b.Key != "" {
		next.Key = *b.Key
	}
	if b.Value != nil && *b.Value != "" {
		next.Value = *b.Value
	}
	if b.Description != nil {
		next.Description = *b.Description
	}
	if b.EnvironmentID != nil {
		if e := p.placeIn(&next, &b); e != nil {
			s.writeErr(w, *e)
			return
		}
	}
	for _, o := range p.secrets {
		if o != sec && o.Hash == next.Hash && o.EnvironmentID == next.EnvironmentID {
			s.writeErr(w, apiError{400, "duplicate_hash", "This hash value already existed"})
			return
		}
	}
	next.Rev = now()
	next.Updated = next.Rev
	*sec = next
	p.rev = next.Rev
	writeJSON(w, 200, p.secretJSON(sec, true))
}

// listSecrets serves GET /v1/secrets: the project's secrets, filtered by
// hash, environment_id and revision_date, one page of them.
func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request, p *Project) {
	q := r.URL.Query()
	var items []any
	for _, sec := range p.secrets {
		if h := q.Get("hash"); h != "" && sec.Hash != h {
			continue
		}
		if e := q.Get("environment_id"); e != "" && sec.EnvironmentID != e {
			continue
		}
		if rd := parseF(q.Get("revision_date")); rd > 0 && sec.Rev <= rd {
			continue
		}
		items = append(items, p.secretJSON(sec, false))
	}
	s.page(w, r, "/v1/secrets", items)
}

// secret is the stored secret with that id, or nil.
func (p *Project) secret(id string) *StoredSecret {
	return testserver.Find(p.secrets, func(s *StoredSecret) bool { return s.ID == id })
}
