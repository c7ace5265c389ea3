package backend

import (
	"context"
	"errors"
	"fmt"
)

// Code classifies an error. Values are frozen: new codes are only appended.
type Code int

// The error codes of DESIGN.md §4.
const (
	Unknown Code = iota
	NotFound
	AlreadyExists
	InvalidArgument
	FailedPrecondition
	PermissionDenied
	Unauthenticated
	RateLimited
	Unavailable
	Internal
	Unimplemented
	Canceled
	DeadlineExceeded
)

var codeNames = [...]string{
	Unknown:            "Unknown",
	NotFound:           "NotFound",
	AlreadyExists:      "AlreadyExists",
	InvalidArgument:    "InvalidArgument",
	FailedPrecondition: "FailedPrecondition",
	PermissionDenied:   "PermissionDenied",
	Unauthenticated:    "Unauthenticated",
	RateLimited:        "RateLimited",
	Unavailable:        "Unavailable",
	Internal:           "Internal",
	Unimplemented:      "Unimplemented",
	Canceled:           "Canceled",
	DeadlineExceeded:   "DeadlineExceeded",
}

// Codes lists every code, in order.
func Codes() []Code {
	c := make([]Code, len(codeNames))
	for i := range c {
		c[i] = Code(i)
	}
	return c
}

func (c Code) String() string {
	if c >= 0 && int(c) < len(codeNames) {
		return codeNames[c]
	}
	return fmt.Sprintf("Code(%d)", int(c))
}

// Retryable reports whether an operation that failed with c may succeed if
// simply tried again.
func (c Code) Retryable() bool { return c == RateLimited || c == Unavailable }

// Error is an error a driver classified itself. The portable layer takes its
// Code as it is.
type Error struct {
	Code Code
	Msg  string // safe to show: never a value or credential
	Err  error  // optional cause
}

// Error returns Msg, or the cause's text when Msg is empty. A Msg made by
// [Errorf] with %w already contains the cause, so the cause is never
// printed twice; a Msg set by hand should say it too, if it matters.
func (e *Error) Error() string {
	switch {
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return ""
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with code c and a formatted message. As with
// fmt.Errorf, %w wraps.
func Errorf(c Code, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{Code: c, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap returns err classified as c (nil for nil).
func Wrap(c Code, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: c, Err: err}
}

// Classify returns the code of err: an *Error in its chain wins, then
// context cancellation and deadlines, then the driver's own classifier (which
// may be nil).
func Classify(err error, driverCode func(error) Code) Code {
	if err == nil {
		return Unknown
	}
	if be, ok := err.(*Error); ok { // no allocation on the common path
		return be.Code
	}
	var be *Error
	if errors.As(err, &be) {
		return be.Code
	}
	if c := ContextCode(err); c != Unknown {
		return c
	}
	if driverCode != nil {
		return driverCode(err)
	}
	return Unknown
}

// ContextCode returns Canceled or DeadlineExceeded for context errors, and
// Unknown otherwise.
func ContextCode(err error) Code {
	switch {
	case errors.Is(err, context.Canceled):
		return Canceled
	case errors.Is(err, context.DeadlineExceeded):
		return DeadlineExceeded
	}
	return Unknown
}
