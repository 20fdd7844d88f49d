package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// ReleaseStore is the storage the release paths need. Package dynamo implements it.
type ReleaseStore interface {
	// MeetingLookup returns what was recorded of a meeting when it was
	// created, or a KindNotFound *Error (code meeting_not_found).
	MeetingLookup(ctx context.Context, meetingID string) (MeetingRef, error)
	// Lesson reads a lesson consistently, or returns a lesson_not_found *Error.
	Lesson(ctx context.Context, id string) (Lesson, error)
	// Pool reads every account of the pool with its holds, consistently.
	Pool(ctx context.Context) ([]Account, error)
	// LessonsByID reads the given lessons consistently. Lessons that do not
	// exist are absent from lessons; those that exist but cannot be decoded
	// are in unreadable.
	LessonsByID(ctx context.Context, ids []string) (lessons map[string]Lesson, unreadable map[string]bool, err error)
	// Release is Store.Release: the one token-fenced way a hold ends.
	Release(ctx context.Context, r Release) error
	// Unhold is Store.Unhold: the repair of a lesson whose hold is gone.
	Unhold(ctx context.Context, u Unhold) error
	// Cleanups returns the meetings releases left to end or delete in Zoom.
	Cleanups(ctx context.Context) ([]Cleanup, error)
	// DoneCleanup forgets the cleanup of the claim with token: Zoom has done
	// it (or it was given up). Forgetting one that is gone is not an error.
	DoneCleanup(ctx context.Context, token string) error
	// RetryCleanup records that the cleanup of the claim with token failed
	// once more, with err, for the next sweep to try again. A cleanup that is
	// gone stays gone.
	RetryCleanup(ctx context.Context, token string, err string) error
}

// Reason says why a hold was released.
type Reason string

// Release reasons.
const (
	// ReasonMeetingEnded: Zoom reported that the lesson's meeting ended.
	ReasonMeetingEnded Reason = "meeting_ended"
	// ReasonLessonEnded: the lesson ended more than the grace ago and its
	// meeting was never reported ended.
	ReasonLessonEnded Reason = "lesson_ended"
	// ReasonClaimExpired: a start claimed the account and never confirmed the
	// meeting within its lease (it crashed or timed out).
	ReasonClaimExpired Reason = "claim_expired"
	// ReasonOrphan: the hold's lesson is missing or does not point back to it.
	ReasonOrphan Reason = "orphan"
	// ReasonCompensation: the start that claimed the account could not use
	// it (Zoom failed, or the meeting could not be recorded) and gave it back.
	ReasonCompensation Reason = "compensation"
)

// DefaultReleaseTimeout bounds a release that MeetingEnded has sent, unless
// Releaser.ReleaseTimeout says otherwise.
const DefaultReleaseTimeout = 3 * time.Second

// DefaultGrace is how long after a lesson's scheduled end the sweep waits for
// Zoom to report its meeting ended before it takes the account back.
const DefaultGrace = 15 * time.Minute

// Releaser gives accounts back to the pool: when Zoom reports that a meeting
// ended, and in the periodic sweep of holds that nothing else ended. Every
// release goes through ReleaseStore.Release, fenced by the hold's token, so a
// late or repeated release never touches a newer claim. The zero value is not
// usable; set Store.
type Releaser struct {
	Store ReleaseStore
	// Zoom ends and deletes the meetings that releases leave behind (see
	// Cleanup); the sweep leaves them for later when it is nil.
	Zoom Zoom
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Grace is how long after a lesson's end its account is kept; DefaultGrace
	// when zero.
	Grace time.Duration
	// Log receives one line per release and one per sweep. slog.Default when nil.
	Log *slog.Logger
	// ReleaseTimeout bounds a release that MeetingEnded has sent, which the
	// caller's deadline does not cut short; DefaultReleaseTimeout when zero.
	ReleaseTimeout time.Duration
}

func (r *Releaser) now() time.Time       { return clock(r.Now) }
func (r *Releaser) log() *slog.Logger    { return logger(r.Log) }
func (r *Releaser) grace() time.Duration { return orDefault(r.Grace, DefaultGrace) }

// MeetingEnded releases the account of the lesson whose meeting ended and
// marks the lesson ended at endedAt, clamped to when the meeting can have
// ended: not before it was created, not after now (now when endedAt is zero).
// released is false when the meeting held no account any more: a repeated
// notification, or one about a meeting whose account has since been released
// and perhaps lent to another lesson. Either way nothing changes, and finding
// out costs one read: the release marks the meeting lookup.
//
// hostID is the meeting's host as the notification names it, checked
// against the host Zoom reported when the meeting was created: a mismatch is
// logged (another Zoom user's meeting with an id the pool knows, or a
// misconfigured account), and the release goes ahead, fenced as always.
//
// Errors: meeting_not_found (KindNotFound) for a meeting the pool did not create.
func (r *Releaser) MeetingEnded(ctx context.Context, meetingID, hostID string, endedAt time.Time) (ref MeetingRef, released bool, err error) {
	ref, err = r.Store.MeetingLookup(ctx, meetingID)
	if err != nil {
		return ref, false, err
	}
	if hostID != "" && ref.HostID != "" && hostID != ref.HostID {
		r.log().Warn("meeting.ended names another host than the meeting was created on",
			"meeting", meetingID, "lesson", ref.LessonID, "account", ref.AccountName, "account_id", ref.AccountID,
			"host_id", hostID, "expected_host_id", ref.HostID)
	}
	if ref.Released {
		return ref, false, nil
	}
	endedAt = plausibleEnd(endedAt, ref.CreatedAt, r.now())
	// Out of time already: nothing is written, and Zoom sends the event again.
	if err := ctx.Err(); err != nil {
		return ref, false, err
	}
	// Once sent, the release is not cut short by the caller's deadline: one
	// abandoned midway would leave it unknown whether it landed.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), orDefault(r.ReleaseTimeout, DefaultReleaseTimeout))
	defer cancel()
	reason, err := releaseOrOrphan(ctx, r.Store, Release{AccountID: ref.AccountID, LessonID: ref.LessonID, Token: ref.Token,
		LessonStatus: StatusEnded, EndedAt: endedAt, MeetingID: ref.MeetingID}, ReasonMeetingEnded)
	switch {
	case errors.Is(err, ErrHoldLost):
		released, err := r.endUnheld(ctx, ref, endedAt)
		return ref, released, err
	case errors.Is(err, ErrLessonChanged):
		return ref, false, nil
	}
	if err != nil {
		return ref, false, fmt.Errorf("release meeting %s of lesson %s: %w", meetingID, ref.LessonID, err)
	}
	logRelease(r.log(), ref.AccountName, ref.AccountID, ref.LessonID, reason, time.Time{}, "meeting", meetingID, "ended_at", endedAt)
	return ref, true, nil
}

// plausibleEnd is Zoom's end time of a meeting created at created, clamped
// to [created, now]; now when Zoom sent none.
func plausibleEnd(endedAt, created, now time.Time) time.Time {
	switch {
	case endedAt.IsZero() || endedAt.After(now):
		return now
	case endedAt.Before(created):
		return created
	}
	return endedAt
}

// endUnheld handles the end of a meeting whose hold is gone although its
// lookup was not marked released (a release from before the mark, or a hold
// removed by a restored backup or by hand): a lesson that still points to
// the hold would stay live for ever, so it is marked ended, fenced by the
// token.
func (r *Releaser) endUnheld(ctx context.Context, ref MeetingRef, endedAt time.Time) (bool, error) {
	l, err := r.Store.Lesson(ctx, ref.LessonID)
	if ErrorKind(err) == KindNotFound || (err == nil && l.HoldToken != ref.Token) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read lesson %s of meeting %s: %w", ref.LessonID, ref.MeetingID, err)
	}
	err = r.Store.Unhold(ctx, Unhold{LessonID: l.ID, AccountID: ref.AccountID, Token: ref.Token, Status: StatusEnded, EndedAt: endedAt})
	switch {
	case errors.Is(err, ErrLessonChanged), errors.Is(err, ErrHoldExists):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("repair lesson %s of meeting %s: %w", ref.LessonID, ref.MeetingID, err)
	}
	r.log().Warn("repaired lesson whose hold was missing", "lesson", l.ID, "account_id", ref.AccountID, "meeting", ref.MeetingID, "now", string(StatusEnded))
	return true, nil
}

// MeetingStarted reports whether the meeting is its lesson's current meeting,
// which is then live. It never writes: the commit that records a meeting makes
// its lesson live in the same transaction, so a lesson that still holds the
// meeting's account is live already, and a lesson that does not must not
// become live without an account (its meeting was released; starting the
// lesson again claims one).
//
// Errors: meeting_not_found (KindNotFound) for a meeting the pool did not create.
func (r *Releaser) MeetingStarted(ctx context.Context, meetingID string) (ref MeetingRef, live bool, err error) {
	ref, err = r.Store.MeetingLookup(ctx, meetingID)
	if err != nil {
		return MeetingRef{}, false, err
	}
	l, err := r.Store.Lesson(ctx, ref.LessonID)
	if ErrorKind(err) == KindNotFound {
		return ref, false, nil
	}
	if err != nil {
		return ref, false, fmt.Errorf("read lesson %s of meeting %s: %w", ref.LessonID, meetingID, err)
	}
	return ref, l.Status == StatusLive && l.HoldToken == ref.Token, nil
}

// logRelease writes the one line a release leaves, with extra attributes.
func logRelease(log *slog.Logger, accountName, accountID, lessonID string, reason Reason, lessonEnd time.Time, extra ...any) {
	attrs := []any{"account", accountName, "account_id", accountID, "lesson", lessonID, "reason", string(reason)}
	if !lessonEnd.IsZero() {
		attrs = append(attrs, "lesson_end", lessonEnd.UTC())
	}
	log.Info("released account", append(attrs, extra...)...)
}
