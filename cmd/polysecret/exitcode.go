package main

import (
	"errors"

	"github.com/polysecret/secrets"
)

// exitCodes maps the library's error codes onto exit statuses. The table is
// part of the command's interface: scripts test $? against it, so values
// never change (exitHelp prints it in --help).
var exitCodes = []struct {
	code   secrets.Code
	status int
}{
	{secrets.NotFound, 3},
	{secrets.PermissionDenied, 4},
	{secrets.AlreadyExists, 5},
	{secrets.InvalidArgument, 6},
	{secrets.FailedPrecondition, 7},
	{secrets.Unauthenticated, 8},
	{secrets.Unavailable, 9},
	{secrets.RateLimited, 10},
	{secrets.DeadlineExceeded, 11},
	{secrets.Unimplemented, 12},
	{secrets.Internal, 13},
	{secrets.Canceled, 14},
	{secrets.Unknown, 15},
}

const (
	statusDiffer = 1 // diff: the stores differ
	statusUsage  = 2 // bad flag or argument, unreadable input file
)

const exitHelp = `Exit status:
   0  success
   1  diff: the two stores differ
   2  usage: a bad command, flag or argument; an unreadable input
   3  NotFound            4  PermissionDenied    5  AlreadyExists
   6  InvalidArgument     7  FailedPrecondition (an expired secret, a closed store)
   8  Unauthenticated     9  Unavailable        10  RateLimited
  11  DeadlineExceeded   12  Unimplemented      13  Internal
  14  Canceled           15  Unknown (a store error without a code)
  exec: the child's own exit status (128+N when killed by signal N)
Errors go to stderr as "polysecret: <Code>: <message>"; no message ever holds a value.`

// codedError is an error of the command itself that carries a store code.
type codedError struct {
	code secrets.Code
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// statusError ends the command with a status and prints nothing more (exec
// passes its child's status through; diff reports differences).
type silentError struct{ status int }

func (silentError) Error() string { return "" }

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func exitStatus(err error) (int, string) {
	var s silentError
	if errors.As(err, &s) {
		return s.status, ""
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return statusOf(ce.code), ce.code.String()
	}
	var se *secrets.Error
	if errors.As(err, &se) {
		return statusOf(se.Code), se.Code.String()
	}
	return statusUsage, "usage"
}

func statusOf(c secrets.Code) int {
	for _, e := range exitCodes {
		if e.code == c {
			return e.status
		}
	}
	return 15
}
