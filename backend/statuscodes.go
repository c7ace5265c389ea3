package backend

import "maps"

// The HTTP statuses every HTTP API means alike, which each driver's
// status table starts from.
var httpStatusCodes = map[int]Code{
	400: InvalidArgument,
	401: Unauthenticated,
	403: PermissionDenied,
	404: NotFound,
	409: AlreadyExists,
	429: RateLimited,
	500: Internal,
	502: Unavailable,
	503: Unavailable,
	504: Unavailable,
}

// StatusCodes is a driver's status table: 400 InvalidArgument, 401
// Unauthenticated, 403 PermissionDenied, 404 NotFound, 409 AlreadyExists,
// 429 RateLimited, 500 Internal, 502–504 Unavailable, with the driver's
// own statuses added or overriding (StatusCode classifies by it).
func StatusCodes(own map[int]Code) map[int]Code {
	t := maps.Clone(httpStatusCodes)
	maps.Copy(t, own)
	return t
}
