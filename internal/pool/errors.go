package pool

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an Error; package api maps each kind to one HTTP status.
type Kind int

// Error kinds.
const (
	KindInternal     Kind = iota // a fault of ours or of a dependency: logged, shown generically
	KindInvalid                  // the request is wrong; the message says what to fix
	KindNotFound                 // the named record does not exist
	KindConflict                 // the record's state forbids the request right now
	KindExhausted                // every account is busy; retry after RetryAfter
	KindUnavailable              // a dependency (Zoom, storage) failed; nothing was kept
	KindUnauthorized             // the caller could not prove who it is (e.g. a webhook's signature)
	KindForbidden                // the caller is known but lacks the role or ownership the request needs
)

// Error is a domain error with a stable machine code (e.g. "lesson_not_found")
// and a sentence for people.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	// RetryAfter, when set, tells the client when trying again may succeed.
	RetryAfter time.Duration
	// Err is the underlying cause, for logs; it is never shown to clients.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Invalidf returns an EINVALID error with code invalid_request.
func Invalidf(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Code: "invalid_request", Message: fmt.Sprintf(format, args...)}
}

// NotFoundf returns a not-found error with the given code.
func NotFoundf(code, format string, args ...any) error {
	return &Error{Kind: KindNotFound, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Conflictf returns a conflict error with the given code.
func Conflictf(code, format string, args ...any) error {
	return &Error{Kind: KindConflict, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Forbiddenf returns a forbidden error (code forbidden) whose message says
// which role or ownership the caller lacks.
func Forbiddenf(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Code: "forbidden", Message: fmt.Sprintf(format, args...)}
}

// ErrorKind returns the kind of err's domain Error, or KindInternal.
func ErrorKind(err error) Kind {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind
	}
	return KindInternal
}

// Signals between the Store and the Service. They say which condition of a
// conditional write failed; the Service turns them into retries or Errors.
var (
	// ErrAccountBusy: the account filled up, was disabled or deleted since it was read.
	ErrAccountBusy = errors.New("account no longer has a free slot")
	// ErrLessonChanged: the lesson is not in the state it was read in.
	ErrLessonChanged = errors.New("lesson changed since it was read")
	// ErrHoldLost: no hold with the expected token (and state) exists any more.
	ErrHoldLost = errors.New("hold no longer exists with this token")
)

// ErrHoldExists: a lesson could not be repaired because its hold is there after all.
var ErrHoldExists = errors.New("the lesson's hold exists")

// Busy returns the error of a write that kept meeting concurrent writes of the
// same record until its retries ran out (409 concurrent_update): nothing was
// changed, and the same request may succeed after retryAfter.
func Busy(what string, retryAfter time.Duration, err error) error {
	return &Error{Kind: KindConflict, Code: "concurrent_update", RetryAfter: ceilSeconds(retryAfter), Err: err,
		Message: fmt.Sprintf("%s is being changed by other requests right now; nothing was changed, try again in %s",
			what, formatSeconds(ceilSeconds(retryAfter)))}
}

// Throttled returns the error of a request that storage kept refusing for
// lack of capacity until its retries ran out (503 storage_busy): nothing was
// changed, and the same request may succeed after retryAfter.
func Throttled(retryAfter time.Duration, err error) error {
	return &Error{Kind: KindUnavailable, Code: "storage_busy", RetryAfter: ceilSeconds(retryAfter), Err: err,
		Message: fmt.Sprintf("the database is busy; nothing was changed, try again in %s", formatSeconds(ceilSeconds(retryAfter)))}
}
