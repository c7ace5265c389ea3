package abejatest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/polysecret/secrets/internal/testserver"
)

// Secrets: what the service stores, the name rule, and the handlers of
// /secrets and /secrets/{id}.

// MaxValueBytes is the largest decoded value the server accepts.
const MaxValueBytes = 65536

// nameRule and the six-character-suffix rule are the SDK's create_secret
// checks (re.match(r'^[a-zA-Z0-9_-]+$') and re.match(r'.*-......$')).
var nameRule = regexp.MustCompile(`^[a-zA-Z0-9_-]+$`)

// NameError says why the service refuses a secret name, or "" when it
// accepts it.
func NameError(name string) string {
	switch {
	case name == "":
		return `"name" is necessary`
	case !nameRule.MatchString(name):
		return `"name" must contain only ASCII letters, numbers, and the following characters: _-`
	case len(name) >= 7 && name[len(name)-7] == '-':
		return `"name" must not end with a hyphen followed by six characters`
	}
	return ""
}

type secret struct {
	id, orgID, userID, name string
	description             *string
	expiredAt               *time.Time
	created, updated        time.Time
	versions                []*version // by version number
}

type version struct {
	id               string
	value            string // standard base64, as sent
	number           int
	status           string // active or inactive
	created, updated time.Time
}

func (o *org) secret(id string) *secret {
	return testserver.Find(o.secrets, func(s *secret) bool { return s.id == id })
}

func (o *org) byName(name string) *secret {
	return testserver.Find(o.secrets, func(s *secret) bool { return s.name == name })
}

func (o *org) delete(sec *secret) {
	for i, s := range o.secrets {
		if s == sec {
			o.secrets = append(o.secrets[:i:i], o.secrets[i+1:]...)
			return
		}
	}
}

func (sec *secret) version(id string) *version {
	return testserver.Find(sec.versions, func(v *version) bool { return v.id == id })
}

func (sec *secret) json(values bool) secretJSON {
	j := secretJSON{ID: sec.id, OrganizationID: sec.orgID, UserID: sec.userID, Name: sec.name,
		Description: sec.description, Provider: Provider, CreatedAt: sec.created.Format(microTime),
		UpdatedAt: sec.updated.Format(microTime), Versions: []versionJSON{}}
	if sec.expiredAt != nil {
		e := expiryText(*sec.expiredAt)
		j.ExpiredAt = &e
	}
	for _, v := range sec.versions {
		j.Versions = append(j.Versions, v.json(sec, values))
	}
	return j
}

func (v *version) json(sec *secret, values bool) versionJSON {
	j := versionJSON{ID: v.id, OrganizationID: sec.orgID, SecretID: sec.id, Version: v.number, Status: v.status,
		Provider: Provider, CreatedAt: v.created.Format(microTime), UpdatedAt: v.updated.Format(microTime)}
	if values {
		val := v.value
		j.Value = &val
	}
	return j
}

// paging reads offset (≥ 0, default 0) and limit (1–100, default 50).
func paging(r *http.Request) (offset, limit int, e *apiError) {
	q := r.URL.Query()
	offset, limit = 0, 50
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			x := errorf(400, `"offset" must be greater than or equal to 0`)
			return 0, 0, &x
		}
		offset = n
	}
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			x := errorf(400, `"limit" must be between 1 and 100`)
			return 0, 0, &x
		}
		limit = n
	}
	return offset, limit, nil
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request, o *org) {
	offset, limit, e := paging(r)
	if e != nil {
		writeErr(w, *e)
		return
	}
	out := listJSON{OrganizationID: o.id, Secrets: []secretJSON{}, Offset: offset, Limit: limit}
	values := valuesWanted(r)
	for i := offset; i < len(o.secrets) && i < offset+limit; i++ {
		out.Secrets = append(out.Secrets, o.secrets[i].json(values))
	}
	out.HasNext = offset+limit < len(o.secrets)
	writeJSON(w, 200, out)
}

// decodeValue checks a base64 value as the service needs it: present,
// standard base64, not empty, at most MaxValueBytes.
func decodeValue(v *string) *apiError {
	var e apiError
	switch {
	case v == nil || *v == "":
		e = errorf(400, `"value" is necessary`)
	default:
		b, err := base64.StdEncoding.Strict().DecodeString(*v)
		switch {
		case err != nil:
			e = errorf(400, `"value" must be base64 encoded`)
		case len(b) > MaxValueBytes:
			e = errorf(400, fmt.Sprintf(`"value" must be at most %d bytes`, MaxValueBytes))
		default:
			return nil
		}
	}
	return &e
}

func parseExpiry(s string) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		e := errorf(400, `"expired_at" must be in ISO 8601 format`)
		return time.Time{}, &e
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func (s *Server) createSecret(w http.ResponseWriter, r *http.Request, o *org, p *principal) {
	var body struct {
		Name                   *string  `json:"name"`
		Value                  *string  `json:"value"`
		Description            *string  `json:"description"`
		ExpiredAt              *string  `json:"expired_at"`
		IntegrationServiceType *string  `json:"integration_service_type"`
		IntegrationServiceIDs  []string `json:"integration_service_ids"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, errorf(400, "the request body is not valid JSON"))
		return
	}
	name := ""
	if body.Name != nil {
		name = *body.Name
	}
	if msg := NameError(name); msg != "" {
		writeErr(w, errorf(400, msg))
		return
	}
	if e := decodeValue(body.Value); e != nil {
		writeErr(w, *e)
		return
	}
	var exp *time.Time
	if body.ExpiredAt != nil && *body.ExpiredAt != "" {
		t, e := parseExpiry(*body.ExpiredAt)
		if e != nil {
			writeErr(w, *e)
			return
		}
		exp = &t
	}
	if o.byName(name) != nil {
		writeErr(w, errorf(409, fmt.Sprintf("secret name %s already exists in this organization", name)))
		return
	}
	t := now()
	sec := &secret{id: s.newID(), orgID: o.id, userID: p.userID, name: name, expiredAt: exp, created: t, updated: t}
	if body.Description != nil && *body.Description != "" {
		d := *body.Description
		sec.description = &d
	}
	sec.versions = []*version{{id: s.newID(), value: *body.Value, number: 1, status: "active", created: t, updated: t}}
	o.secrets = append(o.secrets, sec)
	writeJSON(w, 200, sec.json(true))
}

// patchSecret sets the description and expired_at present in the body;
// null or "" clears them. Other fields are ignored: a name or value never
// changes this way.
func (s *Server) patchSecret(w http.ResponseWriter, r *http.Request, sec *secret) {
	var body map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, errorf(400, "the request body is not valid JSON"))
		return
	}
	var desc, exp *string
	for k, dst := range map[string]**string{"description": &desc, "expired_at": &exp} {
		raw, ok := body[k]
		if !ok {
			continue
		}
		var v *string
		if err := json.Unmarshal(raw, &v); err != nil {
			writeErr(w, errorf(400, fmt.Sprintf("%q must be a string", k)))
			return
		}
		if v == nil {
			v = new(string)
		}
		*dst = v
	}
	var expT *time.Time
	if exp != nil && *exp != "" {
		t, e := parseExpiry(*exp)
		if e != nil {
			writeErr(w, *e)
			return
		}
		expT = &t
	}
	if desc != nil {
		sec.description = nil
		if *desc != "" {
			sec.description = desc
		}
	}
	if exp != nil {
		sec.expiredAt = expT
	}
	sec.updated = now()
	writeJSON(w, 200, sec.json(true))
}

// Secret is what the server holds of one secret, for tests.
type Secret struct {
	ID, Name    string
	Description string // "" when null
	ExpiredAt   time.Time
	Versions    []Version
}

// Version is one stored version, its value decoded.
type Version struct {
	ID     string
	Number int
	Status string
	Value  string
}

// Secrets returns what the organization holds, in creation order.
func (s *Server) Secrets(orgID string) []Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[orgID]
	if o == nil {
		return nil
	}
	out := []Secret{}
	for _, sec := range o.secrets {
		x := Secret{ID: sec.id, Name: sec.name}
		if sec.description != nil {
			x.Description = *sec.description
		}
		if sec.expiredAt != nil {
			x.ExpiredAt = *sec.expiredAt
		}
		for _, v := range sec.versions {
			b, _ := base64.StdEncoding.DecodeString(v.value)
			x.Versions = append(x.Versions, Version{ID: v.id, Number: v.number, Status: v.status, Value: string(b)})
		}
		out = append(out, x)
	}
	return out
}

// RemoveSecret deletes a secret by id, as someone else (the dashboard,
// another client) would; it reports whether there was one.
func (s *Server) RemoveSecret(orgID, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orgs[orgID]
	if o == nil || o.secret(id) == nil {
		return false
	}
	o.delete(o.secret(id))
	return true
}
