package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Zoom creates, reads, ends and deletes meetings on the pool's Zoom users.
// Package zoom implements it: the live client, which calls Zoom's API, and a
// fake.
//
// Every method may fail with a *ZoomError, whose Failure says what the
// failure means for the account: ZoomLimited, ZoomNeedsAttention,
// ZoomTransient or ZoomRejected. Other errors are the context's own
// (context.Canceled, context.DeadlineExceeded).
type Zoom interface {
	// CreateMeeting creates the lesson's meeting on the account's Zoom user
	// for the claim whose hold token is claim: a scheduled meeting with the
	// lesson's title, start and length, a passcode, and the lesson's id and
	// a tag derived from claim in it, so that FindMeeting finds it. A create
	// whose outcome was lost (a timeout) is looked up before it is sent
	// again, so one call makes at most one meeting. Errors: *ZoomError of
	// any Failure.
	CreateMeeting(ctx context.Context, a Account, l Lesson, claim string) (Meeting, error)
	// FindMeeting looks among the account's user's meetings for the one a
	// CreateMeeting of lesson lessonID for claim made; found is false when
	// there is none. It is how a meeting whose creation was never recorded
	// (the start crashed or timed out) is found and deleted.
	// Errors: *ZoomError.
	FindMeeting(ctx context.Context, a Account, lessonID, claim string) (m Meeting, found bool, err error)
	// Meeting reads a meeting as Zoom has it now; its StartURL carries a
	// fresh host key (zak). Errors: ErrMeetingNotFound when Zoom has no such
	// meeting, *ZoomError otherwise.
	Meeting(ctx context.Context, a Account, meetingID string) (Meeting, error)
	// EndMeeting ends a meeting that may be running, so that its user can
	// host another. A meeting Zoom no longer has is not an error.
	// Errors: *ZoomError.
	EndMeeting(ctx context.Context, a Account, meetingID string) error
	// DeleteMeeting deletes a meeting. A meeting Zoom no longer has is not an
	// error. Errors: *ZoomError.
	DeleteMeeting(ctx context.Context, a Account, meetingID string) error
}

// ErrMeetingNotFound reports that Zoom has no meeting with the id asked for
// (HTTP 404, Zoom code 3001): it was deleted, or it expired.
var ErrMeetingNotFound = errors.New("zoom has no such meeting")

// ZoomFailure says what a failed Zoom request means for the account it was
// made for.
type ZoomFailure int

// Zoom failures.
const (
	// ZoomTransient: Zoom (or the way to it) failed in a way that passes: a
	// 5xx, a timeout, per-second rate limits that outlasted the client's own
	// short retries, or a credential store that did not answer. The account
	// is fine; another try, on it or on another account, may succeed.
	ZoomTransient ZoomFailure = iota + 1
	// ZoomLimited: the account's Zoom user reached a daily limit, such as 100
	// meeting creations a day. ZoomError.Until says when Zoom takes requests
	// again; other accounts are not affected.
	ZoomLimited
	// ZoomNeedsAttention: the account cannot work until an admin acts: its
	// credentials are missing, wrong or lack scopes (401 or 403 even with a
	// fresh token), its Zoom user does not exist (404, code 1001) or may not
	// host meetings. ZoomError.Code and Message are Zoom's.
	ZoomNeedsAttention
	// ZoomRejected: Zoom refused the request itself as invalid (HTTP 400),
	// for instance meeting settings it does not accept. It is not the
	// account's fault, and another account would fare no better.
	ZoomRejected
)

func (f ZoomFailure) String() string {
	switch f {
	case ZoomTransient:
		return "transient"
	case ZoomLimited:
		return "limited"
	case ZoomNeedsAttention:
		return "needs_attention"
	case ZoomRejected:
		return "rejected"
	}
	return fmt.Sprintf("ZoomFailure(%d)", int(f))
}

// ZoomError is a failed Zoom request, classified.
type ZoomError struct {
	Failure ZoomFailure
	// Status is the HTTP status Zoom answered with; 0 when no answer came.
	Status int
	// Code and Message are Zoom's error code and message from the answer's
	// body (e.g. 1001, "User does not exist: ..."); without a body, Code is 0
	// and Message says what happened.
	Code    int
	Message string
	// Until is when a ZoomLimited account may call Zoom again.
	Until time.Time
	// MayExist reports that the call may have done what it asked all the
	// same: an attempt before the one that failed was sent and its outcome
	// never learnt (a create that timed out, and could not be looked up).
	MayExist bool
	// Err is the underlying cause, if any.
	Err error
}

func (e *ZoomError) Error() string {
	s := "zoom " + e.Failure.String()
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != 0 {
			s += fmt.Sprintf(", code %d", e.Code)
		}
		s += ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if !e.Until.IsZero() {
		s += " until " + e.Until.UTC().Format(time.RFC3339)
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *ZoomError) Unwrap() error { return e.Err }

// ZoomFailureOf returns the *ZoomError in err's chain, if there is one.
func ZoomFailureOf(err error) (*ZoomError, bool) {
	return errors.AsType[*ZoomError](err)
}
