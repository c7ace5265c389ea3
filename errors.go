package secrets

import (
	"errors"
	"strconv"

	"github.com/polysecret/secrets/backend"
)

// Code classifies every error a Store returns. Values are frozen.
type Code = backend.Code

// The codes. See DESIGN.md §4.
const (
	Unknown            = backend.Unknown
	NotFound           = backend.NotFound
	AlreadyExists      = backend.AlreadyExists
	InvalidArgument    = backend.InvalidArgument
	FailedPrecondition = backend.FailedPrecondition
	PermissionDenied   = backend.PermissionDenied
	Unauthenticated    = backend.Unauthenticated
	RateLimited        = backend.RateLimited
	Unavailable        = backend.Unavailable
	Internal           = backend.Internal
	Unimplemented      = backend.Unimplemented
	Canceled           = backend.Canceled
	DeadlineExceeded   = backend.DeadlineExceeded
)

// One sentinel per code: errors.Is(err, ErrNotFound) is true for every error
// a Store returns with code NotFound.
var (
	ErrUnknown            = &sentinel{Unknown}
	ErrNotFound           = &sentinel{NotFound}
	ErrAlreadyExists      = &sentinel{AlreadyExists}
	ErrInvalidArgument    = &sentinel{InvalidArgument}
	ErrFailedPrecondition = &sentinel{FailedPrecondition}
	ErrPermissionDenied   = &sentinel{PermissionDenied}
	ErrUnauthenticated    = &sentinel{Unauthenticated}
	ErrRateLimited        = &sentinel{RateLimited}
	ErrUnavailable        = &sentinel{Unavailable}
	ErrInternal           = &sentinel{Internal}
	ErrUnimplemented      = &sentinel{Unimplemented}
	ErrCanceled           = &sentinel{Canceled}
	ErrDeadlineExceeded   = &sentinel{DeadlineExceeded}
)

// Conditions that are finer than a code. Each is wrapped by an error of the
// code named.
var (
	// ErrExpired: Get of a secret whose ExpiresAt has passed
	// (FailedPrecondition).
	ErrExpired = errors.New("secret expired")
	// ErrClosed: any call on a closed Store (FailedPrecondition).
	ErrClosed = errors.New("store is closed")
	// ErrReadOnly: a write on a store opened with readonly=true
	// (PermissionDenied).
	ErrReadOnly = errors.New("store is read-only")
)

var sentinels = [...]*sentinel{ErrUnknown, ErrNotFound, ErrAlreadyExists, ErrInvalidArgument,
	ErrFailedPrecondition, ErrPermissionDenied, ErrUnauthenticated, ErrRateLimited, ErrUnavailable,
	ErrInternal, ErrUnimplemented, ErrCanceled, ErrDeadlineExceeded}

type sentinel struct{ code Code }

func (s *sentinel) Error() string { return "secrets: " + s.code.String() }

// Error is the error type of every failed Store call. Its text names the
// operation, scheme, environment and key, never a value or a credential.
type Error struct {
	Code Code
	Op   string // Get, Create, Modify, Delete, List, Versions, CreateEnvironment, …
	// Scheme is the driver's URL scheme (vault, awssm, locker, mem).
	Scheme string
	// Environment and Key the call was about ("" if none; Environment ""
	// also means the global scope).
	Environment, Key string
	// Err is the driver's error (or one of ErrExpired, ErrClosed,
	// ErrReadOnly); errors.As reaches the backend's own types through it.
	Err error
}

func (e *Error) Error() string {
	b := make([]byte, 0, 96)
	b = append(b, "secrets: "...)
	b = append(b, e.Op...)
	if e.Key != "" {
		b = append(b, ' ')
		b = strconv.AppendQuote(b, e.Key)
	}
	if e.Environment != "" {
		b = append(b, " in "...)
		b = strconv.AppendQuote(b, e.Environment)
	}
	if e.Scheme != "" {
		b = append(b, " ("...)
		b = append(b, e.Scheme...)
		b = append(b, ')')
	}
	b = append(b, ": "...)
	b = append(b, e.Code.String()...)
	if e.Err != nil {
		b = append(b, ": "...)
		b = append(b, e.Err.Error()...)
	}
	return string(b)
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrNotFound) and its siblings work.
func (e *Error) Is(target error) bool {
	s, ok := target.(*sentinel)
	return ok && s.code == e.Code
}

// ErrorCode returns the code of err: the Code of a *Error in its chain; for
// other errors, context cancellation and deadlines; else Unknown.
// ErrorCode(nil) is Unknown. For errors of the Go CDK, see package gocdk.
func ErrorCode(err error) Code {
	if err == nil {
		return Unknown
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var s *sentinel
	if errors.As(err, &s) {
		return s.code
	}
	return backend.Classify(err, nil)
}

// Sentinel returns the sentinel error of c (ErrUnknown for an unknown code).
func Sentinel(c Code) error {
	if c >= 0 && int(c) < len(sentinels) {
		return sentinels[c]
	}
	return ErrUnknown
}
