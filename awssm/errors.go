package awssm

import (
	"errors"
	"net"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/polysecret/secrets/backend"
)

// ErrorCode classifies the SDK's errors; see classify.
func (d *driver) ErrorCode(err error) backend.Code { return classify(err) }

// errorCodes maps AWS error codes (smithy.APIError.ErrorCode) that have no
// typed error in package types.
var errorCodes = map[string]backend.Code{
	"ThrottlingException":              backend.RateLimited,
	"TooManyRequestsException":         backend.RateLimited,
	"RequestLimitExceeded":             backend.RateLimited,
	"AccessDeniedException":            backend.PermissionDenied,
	"UnrecognizedClientException":      backend.Unauthenticated,
	"InvalidSignatureException":        backend.Unauthenticated,
	"IncompleteSignature":              backend.Unauthenticated,
	"MissingAuthenticationToken":       backend.Unauthenticated,
	"ExpiredTokenException":            backend.Unauthenticated,
	"InvalidClientTokenId":             backend.Unauthenticated,
	"ServiceUnavailable":               backend.Unavailable,
	"ServiceUnavailableException":      backend.Unavailable,
	"InternalFailure":                  backend.Unavailable,
	"RequestTimeout":                   backend.Unavailable,
	"ValidationException":              backend.InvalidArgument,
	"InvalidParameterCombination":      backend.InvalidArgument,
	"MissingParameter":                 backend.InvalidArgument,
	"NotAuthorized":                    backend.PermissionDenied,
	"OptInRequired":                    backend.PermissionDenied,
	"ResourceNotFoundException":        backend.NotFound,
	"ResourceExistsException":          backend.AlreadyExists,
	"InvalidParameterException":        backend.InvalidArgument,
	"InvalidRequestException":          backend.FailedPrecondition,
	"LimitExceededException":           backend.FailedPrecondition,
	"PreconditionNotMetException":      backend.FailedPrecondition,
	"MalformedPolicyDocumentException": backend.InvalidArgument,
	"DecryptionFailure":                backend.Internal,
	"EncryptionFailure":                backend.Internal,
	"InternalServiceError":             backend.Unavailable,
	// STS (AssumeRole for role_arn): query-protocol codes.
	"AccessDenied":            backend.PermissionDenied,
	"ExpiredToken":            backend.Unauthenticated,
	"SignatureDoesNotMatch":   backend.Unauthenticated,
	"InvalidAccessKeyId":      backend.Unauthenticated,
	"RegionDisabledException": backend.FailedPrecondition,
	"ValidationError":         backend.InvalidArgument,
	"Throttling":              backend.RateLimited,
}

// apiCode maps an AWS error code; Unknown for codes not known.
func apiCode(code string) backend.Code {
	if c, ok := errorCodes[code]; ok {
		return c
	}
	return backend.Unknown
}

// classify maps an SDK error to a code: a failed AssumeRole by what STS
// answered, other failures to get credentials Unauthenticated, the
// driver's own timeout, the SDK's typed errors (by type), then the API
// error code, then context errors, then, for an answer that carries no API
// error code (a proxy's HTML or XML page, an empty body) its HTTP status,
// then transport failures. Never by
// message text, and never by HTTP status when AWS gave a code (moto's
// statuses differ from AWS's).
func classify(err error) backend.Code {
	var (
		nf   *types.ResourceNotFoundException
		ex   *types.ResourceExistsException
		ip   *types.InvalidParameterException
		ir   *types.InvalidRequestException
		le   *types.LimitExceededException
		df   *types.DecryptionFailure
		ise  *types.InternalServiceError
		api  smithy.APIError
		nerr net.Error
	)
	var are *assumeRoleError
	if errors.As(err, &are) { // STS's answer decides; no answer is Unauthenticated
		if c := classify(are.err); c != backend.Unknown {
			return c
		}
		return backend.Unauthenticated
	}
	var ce *credsError
	if errors.As(err, &ce) {
		if c := backend.ContextCode(err); c != backend.Unknown {
			return c
		}
		return backend.Unauthenticated
	}
	var te *timeoutError
	if errors.As(err, &te) {
		return backend.Unavailable
	}
	switch {
	case errors.As(err, &nf):
		return backend.NotFound
	case errors.As(err, &ex):
		return backend.AlreadyExists
	case errors.As(err, &ip):
		return backend.InvalidArgument
	case errors.As(err, &ir):
		return backend.FailedPrecondition
	case errors.As(err, &le):
		return backend.FailedPrecondition
	case errors.As(err, &df):
		return backend.Internal
	case errors.As(err, &ise):
		return backend.Unavailable
	case errors.As(err, &api) && apiErrorCode(err) != "":
		return apiCode(api.ErrorCode())
	}
	if c := backend.ContextCode(err); c != backend.Unknown {
		return c
	}
	if r := httpResponse(err); r != nil {
		if c := statusCode(r.StatusCode); c != backend.Unknown {
			return c
		}
	}
	var signErr *v4.SigningError
	if errors.As(err, &signErr) { // no credentials could be had
		return backend.Unauthenticated
	}
	if errors.As(err, &nerr) {
		return backend.Unavailable
	}
	return backend.Unknown
}

// apiErrorCode is the AWS error code of err, or "" when the answer had none
// (the SDK says UnknownError when the body held no code).
func apiErrorCode(err error) string {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return ""
	}
	if c := api.ErrorCode(); c != "UnknownError" {
		return c
	}
	return ""
}

// httpResponse is the HTTP answer err came with, or nil.
func httpResponse(err error) *smithyhttp.Response {
	var re interface{ HTTPResponse() *smithyhttp.Response }
	if errors.As(err, &re) {
		return re.HTTPResponse()
	}
	return nil
}

// statusCode classifies an answer without an AWS error code by its HTTP
// status.
func statusCode(status int) backend.Code {
	switch {
	case status == 400:
		return backend.InvalidArgument
	case status == 401:
		return backend.Unauthenticated
	case status == 403:
		return backend.PermissionDenied
	case status == 404:
		return backend.NotFound
	case status == 408:
		return backend.Unavailable
	case status == 429:
		return backend.RateLimited
	case status >= 500 && status <= 599:
		return backend.Unavailable
	}
	return backend.Unknown
}
