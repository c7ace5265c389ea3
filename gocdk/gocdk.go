// Package gocdk maps polysecret's error codes to and from the Go CDK's
// (gocloud.dev/gcerrors), for programs that mix the two. It is a package of
// its own so that the core packages (secrets, backend, memory) depend on
// nothing outside the standard library.
package gocdk

import (
	"gocloud.dev/gcerrors"

	"github.com/polysecret/secrets"
)

// Code returns the code of err: secrets.ErrorCode, or, for an error of
// the Go CDK that polysecret did not classify, its gcerrors code mapped to
// ours.
func Code(err error) secrets.Code {
	if c := secrets.ErrorCode(err); c != secrets.Unknown {
		return c
	}
	return FromGCErrorCode(gcerrors.Code(err))
}

// GCErrorCode maps c to the Go CDK's gcerrors code, for code written
// against gocloud.dev: RateLimited is ResourceExhausted, Unauthenticated is
// PermissionDenied, Unavailable is Internal (the CDK has no closer code).
func GCErrorCode(c secrets.Code) gcerrors.ErrorCode {
	switch c {
	case secrets.NotFound:
		return gcerrors.NotFound
	case secrets.AlreadyExists:
		return gcerrors.AlreadyExists
	case secrets.InvalidArgument:
		return gcerrors.InvalidArgument
	case secrets.FailedPrecondition:
		return gcerrors.FailedPrecondition
	case secrets.PermissionDenied, secrets.Unauthenticated:
		return gcerrors.PermissionDenied
	case secrets.RateLimited:
		return gcerrors.ResourceExhausted
	case secrets.Unavailable, secrets.Internal:
		return gcerrors.Internal
	case secrets.Unimplemented:
		return gcerrors.Unimplemented
	case secrets.Canceled:
		return gcerrors.Canceled
	case secrets.DeadlineExceeded:
		return gcerrors.DeadlineExceeded
	}
	return gcerrors.Unknown
}

// FromGCErrorCode maps a Go CDK code to ours.
func FromGCErrorCode(c gcerrors.ErrorCode) secrets.Code {
	switch c {
	case gcerrors.NotFound:
		return secrets.NotFound
	case gcerrors.AlreadyExists:
		return secrets.AlreadyExists
	case gcerrors.InvalidArgument:
		return secrets.InvalidArgument
	case gcerrors.FailedPrecondition:
		return secrets.FailedPrecondition
	case gcerrors.PermissionDenied:
		return secrets.PermissionDenied
	case gcerrors.ResourceExhausted:
		return secrets.RateLimited
	case gcerrors.Internal:
		return secrets.Internal
	case gcerrors.Unimplemented:
		return secrets.Unimplemented
	case gcerrors.Canceled:
		return secrets.Canceled
	case gcerrors.DeadlineExceeded:
		return secrets.DeadlineExceeded
	}
	return secrets.Unknown
}
