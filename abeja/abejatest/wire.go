package abejatest

import (
	"encoding/json"
	"net/http"
	"time"
)

// The protocol's shapes: the secret and version objects of the SDK's
// docstrings, their listings, and the error answer {"error",
// "error_description"}.

// Provider is the "provider" of every secret and version, as in the SDK's
// examples.
const Provider = "aws-secret-manager"

// microTime is how the API writes created_at and updated_at: RFC 3339 in
// UTC with six fractional digits ("2025-05-01T04:13:32.861378Z").
const microTime = "2006-01-02T15:04:05.000000Z"

// expiryText is how expired_at is written: as Python's isoformat, seconds
// when the microseconds are zero ("2025-05-29T04:13:00Z"), else six digits.
func expiryText(t time.Time) string {
	t = t.UTC()
	if t.Nanosecond()/1000 == 0 {
		return t.Format("2006-01-02T15:04:05Z")
	}
	return t.Format(microTime)
}

type secretJSON struct {
	ID                     string        `json:"id"`
	OrganizationID         string        `json:"organization_id"`
	UserID                 string        `json:"user_id"`
	Name                   string        `json:"name"`
	Description            *string       `json:"description"`
	ExpiredAt              *string       `json:"expired_at"`
	Properties             any           `json:"properties"`
	Provider               string        `json:"provider"`
	Rotation               bool          `json:"rotation"`
	IntegrationServiceType *string       `json:"integration_service_type"`
	IntegrationServiceIDs  []string      `json:"integration_service_ids"`
	CreatedAt              string        `json:"created_at"`
	UpdatedAt              string        `json:"updated_at"`
	Versions               []versionJSON `json:"versions"`
}

type versionJSON struct {
	ID             string  `json:"id"`
	OrganizationID string  `json:"organization_id"`
	SecretID       string  `json:"secret_id"`
	Value          *string `json:"value,omitempty"`
	Version        int     `json:"version"`
	Status         string  `json:"status"`
	Provider       string  `json:"provider"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
}

type listJSON struct {
	OrganizationID string       `json:"organization_id"`
	Secrets        []secretJSON `json:"secrets"`
	Offset         int          `json:"offset"`
	Limit          int          `json:"limit"`
	HasNext        bool         `json:"has_next"`
}

type paginationJSON struct {
	Count   int  `json:"count"`
	HasNext bool `json:"has_next"`
	Limit   int  `json:"limit"`
	Offset  int  `json:"offset"`
}

type versionListJSON struct {
	Pagination paginationJSON `json:"pagination"`
	Versions   []versionJSON  `json:"versions"`
}

type messageJSON struct {
	Message string `json:"message"`
}

// apiError is an error answer.
type apiError struct {
	status      int
	err, detail string
}

// errorName is the "error" of each status (snake case, as ABEJA's other
// APIs answer; the SDK only reads the field).
var errorName = map[int]string{
	400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
	405: "method_not_allowed", 409: "conflict", 429: "too_many_requests", 500: "internal_server_error",
	502: "bad_gateway", 503: "service_unavailable", 504: "gateway_timeout",
}

func errorf(status int, detail string) apiError {
	name := errorName[status]
	if name == "" {
		name = "error"
	}
	return apiError{status: status, err: name, detail: detail}
}

func writeErr(w http.ResponseWriter, e apiError) {
	writeJSON(w, e.status, map[string]string{"error": e.err, "error_description": e.detail})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
