package lockertest

import (
	"net/http"

	"github.com/polysecret/secrets/internal/testserver"
)

// Environments: what the server stores of one, and the handlers of
// /v1/environments.

type storedEnv struct {
	ID, Hash, Name, ExternalURL, Description string
	Created, Rev, Updated                    float64
}

func envJSON(p *Project, e *storedEnv, withData bool) map[string]any {
	m := map[string]any{"object": "environment", "id": e.ID, "name": e.Name, "hash": e.Hash, "external_url": e.ExternalURL,
		"description": e.Description, "creation_date": e.Created, "revision_date": e.Rev, "updated_date": e.Updated,
		"project_id": p.id}
	if withData {
		m["data"] = map[string]any{"name": e.Name, "external_url": e.ExternalURL, "description": e.Description}
		m["project"] = map[string]any{"id": p.id, "name": p.name}
	}
	return m
}

func (p *Project) env(id string) *storedEnv {
	return testserver.Find(p.envs, func(e *storedEnv) bool { return e.ID == id })
}

type envBody struct {
	Name        *string `json:"name"`
	Hash        *string `json:"hash"`
	ExternalURL *string `json:"external_url"`
	Description *string `json:"description"`
}

func (b *envBody) encFields() []encField {
	return []encField{{"name", b.Name, true}, {"external_url", b.ExternalURL, false}, {"description", b.Description, false}}
}

func (b *envBody) hash() *string { return b.Hash }

func (s *Server) createEnv(w http.ResponseWriter, r *http.Request, p *Project) {
	var b envBody
	if !s.readBody(w, r, &b, true) {
		return
	}
	for _, e := range p.envs {
		if e.Hash == *b.Hash {
			s.writeErr(w, apiError{400, "duplicate_hash", "This environment hash already exists"})
			return
		}
	}
	e := &storedEnv{ID: p.newID(), Hash: *b.Hash, Name: *b.Name, Created: now()}
	e.Rev, e.Updated = e.Created, e.Created
	if b.ExternalURL != nil {
		e.ExternalURL = *b.ExternalURL
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	p.envs = append(p.envs, e)
	p.rev = e.Rev
	writeJSON(w, 201, envJSON(p, e, true))
}

func (s *Server) updateEnv(w http.ResponseWriter, r *http.Request, p *Project, id string) {
	e := p.env(id)
	if e == nil {
		s.writeErr(w, apiError{404, "not_found", "The environment does not exist."})
		return
	}
	var b envBody
	if !s.readBody(w, r, &b, false) {
		return
	}
	for _, o := range p.envs {
		if o != e && o.Hash == *b.Hash {
			s.writeErr(w, apiError{400, "duplicate_hash", "The environment hash already existed"})
			return
		}
	}
	e.Hash = *b.Hash
	if b.Name != nil && *b.Name != "" {
		e.Name = *b.Name
	}
	if b.ExternalURL != nil {
		e.ExternalURL = *b.ExternalURL
	}
	if b.Description != nil {
		e.Description = *b.Description
	}
	e.Rev = now()
	e.Updated = e.Rev
	p.rev = e.Rev
	// secrets show their environment's current name and hash
	for _, sec := range p.secrets {
		if sec.EnvironmentID == e.ID {
			sec.EnvironmentHash, sec.EnvironmentName = e.Hash, e.Name
			sec.Rev = e.Rev // a delta sync sees the new name
		}
	}
	writeJSON(w, 200, envJSON(p, e, true))
}

// listEnvs serves GET /v1/environments: the project's environments,
// filtered by hash and revision_date, one page of them.
func (s *Server) listEnvs(w http.ResponseWriter, r *http.Request, p *Project) {
	q := r.URL.Query()
	var items []any
	for _, e := range p.envs {
		if h := q.Get("hash"); h != "" && e.Hash != h {
			continue
		}
		if rd := parseF(q.Get("revision_date")); rd > 0 && e.Rev <= rd {
			continue
		}
		items = append(items, envJSON(p, e, false))
	}
	s.page(w, r, "/v1/environments", items)
}
