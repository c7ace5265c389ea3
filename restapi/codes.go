package restapi

import (
	"net/http"

	"github.com/polysecret/secrets"
)

// codeInfo is one row of the error table: the API's code and the HTTP
// status of each secrets.Code.
type codeInfo struct {
	name   string
	status int
}

// codes is the error table (see the package documentation): one snake_case
// code per secrets.Code, 1:1, so that a client maps every answer back to
// the code the served store returned.
var codes = map[secrets.Code]codeInfo{
	secrets.Unknown:            {"unknown", http.StatusInternalServerError},
	secrets.NotFound:           {"not_found", http.StatusNotFound},
	secrets.AlreadyExists:      {"already_exists", http.StatusConflict},
	secrets.InvalidArgument:    {"invalid_argument", http.StatusBadRequest},
	secrets.FailedPrecondition: {"failed_precondition", http.StatusPreconditionFailed},
	secrets.PermissionDenied:   {"permission_denied", http.StatusForbidden},
	secrets.Unauthenticated:    {"unauthenticated", http.StatusUnauthorized},
	secrets.RateLimited:        {"rate_limited", http.StatusTooManyRequests},
	secrets.Unavailable:        {"unavailable", http.StatusServiceUnavailable},
	secrets.Internal:           {"internal", http.StatusInternalServerError},
	secrets.Unimplemented:      {"unimplemented", http.StatusNotImplemented},
	secrets.Canceled:           {"canceled", 499},
	secrets.DeadlineExceeded:   {"deadline_exceeded", http.StatusGatewayTimeout},
}

var codeByName = func() map[string]secrets.Code {
	m := make(map[string]secrets.Code, len(codes))
	for c, ci := range codes {
		m[ci.name] = c
	}
	return m
}()

// CodeName is the API's error code of c ("not_found", …).
func CodeName(c secrets.Code) string {
	if ci, ok := codes[c]; ok {
		return ci.name
	}
	return codes[secrets.Unknown].name
}

// HTTPStatus is the HTTP status the gateway answers for c.
func HTTPStatus(c secrets.Code) int {
	if ci, ok := codes[c]; ok {
		return ci.status
	}
	return http.StatusInternalServerError
}

// ParseCode is the secrets.Code of an API error code, and whether the code
// is one of the table.
func ParseCode(name string) (secrets.Code, bool) {
	c, ok := codeByName[name]
	return c, ok
}
