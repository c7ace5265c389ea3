package psvar

import "fmt"

// decodeError is the decoder's error without its text: a JSON decoder
// quotes the bytes it stumbled on, and those bytes are the secret's.
// errors.As still reaches the decoder's error.
type decodeError struct{ err error }

func (e *decodeError) Error() string {
	return fmt.Sprintf("the value does not decode (%T; text withheld: it may quote the value)", e.err)
}

func (e *decodeError) Unwrap() error { return e.err }
