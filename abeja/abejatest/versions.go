package abejatest

import (
	"encoding/json"
	"net/http"
)

// Versions: the handlers of /secrets/{id}/versions and
// /secrets/{id}/versions/{version_id}.

func (s *Server) listVersions(w http.ResponseWriter, r *http.Request, sec *secret) {
	offset, limit, e := paging(r)
	if e != nil {
		writeErr(w, *e)
		return
	}
	values := valuesWanted(r)
	out := versionListJSON{Pagination: paginationJSON{Count: len(sec.versions), Offset: offset, Limit: limit,
		HasNext: offset+limit < len(sec.versions)}, Versions: []versionJSON{}}
	for i := offset; i < len(sec.versions) && i < offset+limit; i++ {
		out.Versions = append(out.Versions, sec.versions[i].json(sec, values))
	}
	writeJSON(w, 200, out)
}

// createVersion adds an active version numbered one above the highest.
func (s *Server) createVersion(w http.ResponseWriter, r *http.Request, sec *secret) {
	var body struct {
		Value *string `json:"value"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, errorf(400, "the request body is not valid JSON"))
		return
	}
	if e := decodeValue(body.Value); e != nil {
		writeErr(w, *e)
		return
	}
	n := 1
	if len(sec.versions) > 0 {
		n = sec.versions[len(sec.versions)-1].number + 1
	}
	t := now()
	v := &version{id: s.newID(), value: *body.Value, number: n, status: "active", created: t, updated: t}
	sec.versions = append(sec.versions, v)
	sec.updated = t
	writeJSON(w, 200, v.json(sec, valuesWanted(r)))
}

func (s *Server) patchVersion(w http.ResponseWriter, r *http.Request, sec *secret, v *version) {
	var body struct {
		Status *string `json:"status"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeErr(w, errorf(400, "the request body is not valid JSON"))
		return
	}
	if body.Status == nil || (*body.Status != "active" && *body.Status != "inactive") {
		writeErr(w, errorf(400, `"status" need to be "active" or "inactive"`))
		return
	}
	v.status = *body.Status
	v.updated = now()
	writeJSON(w, 200, v.json(sec, true))
}

func (s *Server) deleteVersion(w http.ResponseWriter, sec *secret, v *version) {
	if len(sec.versions) == 1 {
		writeErr(w, errorf(400, "the last version of a secret cannot be deleted"))
		return
	}
	for i, x := range sec.versions {
		if x == v {
			sec.versions = append(sec.versions[:i:i], sec.versions[i+1:]...)
			break
		}
	}
	writeJSON(w, 200, messageJSON{"secret_version_id " + v.id + " successfully deleted"})
}
