package desk

import (
	"errors"
	"fmt"
)

// ErrorKind says what sort of refusal an Error is, so each surface (API, UI, mail) can say it its way.
type ErrorKind int

// The kinds of refusal.
const (
	KindInvalid   ErrorKind = iota + 1 // the input is wrong; Field names where
	KindNotFound                       // no such object, or not one the actor may see
	KindConflict                       // a rule forbids it now; Code names the rule
	KindForbidden                      // the actor's role may not do this
)

// Error is a refusal by the rules. Code is stable and machine-readable; Message is for people.
type Error struct {
	Kind    ErrorKind
	Code    string
	Field   string
	Message string
	Details map[string]any // what would be allowed instead, e.g. free slots or open cases
}

func (e *Error) Error() string {
	if e.Field != "" {
		return e.Field + ": " + e.Message
	}
	return e.Message
}

// Invalid refuses input, naming the field and why.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Kind: KindInvalid, Code: "invalid", Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound says an object does not exist (or is not visible to the actor: the answer is the same).
func NotFound(what string, id any) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: fmt.Sprintf("%s %v not found", what, id)}
}

// Conflict refuses a command because a rule forbids it; details say what would be allowed.
func Conflict(code, message string, details map[string]any) *Error {
	return &Error{Kind: KindConflict, Code: code, Message: message, Details: details}
}

// Forbidden refuses a command the actor's role may not run.
func Forbidden(format string, args ...any) *Error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

// AsError finds a rules refusal in err's chain.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
