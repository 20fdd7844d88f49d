package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// LessonQuery selects the lessons that overlap [From, To), optionally of one
// teacher and/or one group.
type LessonQuery struct {
	From, To  time.Time
	TeacherID string
	GroupID   string
}

// MaxRange bounds the span of one lesson or calendar query.
const MaxRange = 366 * 24 * time.Hour

// Validate reports what is wrong with the query as an EINVALID error.
func (q LessonQuery) Validate() error {
	switch {
	case !q.To.After(q.From):
		return Invalidf("end (%s) must be after start (%s)", q.To.Format(time.RFC3339), q.From.Format(time.RFC3339))
	case q.To.Sub(q.From) > MaxRange:
		return Invalidf("a range spans at most 366 days; ask for %s to %s in smaller pieces",
			q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	}
	if err := CheckTime("start", q.From); err != nil {
		return err
	}
	// The end is exclusive: the end of the window itself is a valid end.
	if !q.To.Equal(LatestTime) {
		if err := CheckTime("end", q.To); err != nil {
			return err
		}
	}
	return validateFilters(q.TeacherID, q.GroupID)
}

// validateFilters checks the optional teacher and group of a query.
func validateFilters(teacherID, groupID string) error {
	switch {
	case teacherID != "" && !ValidPersonID(teacherID):
		return Invalidf("teacher_id must be %s", personIDRule)
	case groupID != "" && !ValidPersonID(groupID):
		return Invalidf("group_id must be %s", personIDRule)
	}
	return nil
}

// LessonWriter reads and writes whole lessons. Package dynamo implements it.
type LessonWriter interface {
	// Lesson reads a lesson consistently, or returns a lesson_not_found *Error.
	Lesson(ctx context.Context, id string) (Lesson, error)
	// PutLesson writes l conditional on the stored version being l.Version (0:
	// create) and returns it with its new version. It returns ErrLessonChanged
	// when the version moved, and moves the expected end of l's hold with it.
	PutLesson(ctx context.Context, l Lesson) (Lesson, error)
}

// EditLesson reads lesson id, applies edit and writes it back, retrying when a
// concurrent write (a start, a release, another edit) got there first. edit
// may refuse the change by returning an error, which EditLesson returns as is.
func EditLesson(ctx context.Context, st LessonWriter, id string, edit func(*Lesson) error) (Lesson, error) {
	return editRecord(ctx, id, ErrLessonChanged, st.Lesson, st.PutLesson, Lesson.Validate, edit)
}

// editAttempts bounds how often an edit is tried again when a concurrent write
// got there first.
const editAttempts = 8

// editRecord is the read-edit-validate-write loop of EditLesson and
// EditRecurringLesson; write returns changed when the version moved. Between
// attempts it pauses, with jitter, so that writers racing for one record
// spread out; when every attempt lost the race it returns a
// concurrent_update *Error (409, with RetryAfter): nothing was written.
func editRecord[T any](ctx context.Context, id string, changed error,
	read func(context.Context, string) (T, error), write func(context.Context, T) (T, error),
	validate func(T) error, edit func(*T) error) (T, error) {
	var zero T
	for attempt := 0; ; attempt++ {
		v, err := read(ctx, id)
		if err != nil {
			return zero, err
		}
		if err := edit(&v); err != nil {
			return zero, err
		}
		if err := validate(v); err != nil {
			return zero, err
		}
		saved, err := write(ctx, v)
		if !errors.Is(err, changed) {
			return saved, err
		}
		if attempt+1 == editAttempts {
			return zero, Busy(id, time.Second, fmt.Errorf("edit %s: gave up after %d concurrent changes: %w", id, editAttempts, err))
		}
		if err := Sleep(ctx, Backoff(attempt, 10*time.Millisecond, 200*time.Millisecond)); err != nil {
			return zero, err
		}
	}
}

// Cancel is the edit that cancels a lesson. A lesson that is starting or live
// must end first; an ended lesson stays ended; cancelling twice is harmless.
func Cancel(l *Lesson) error {
	switch l.Status {
	case StatusScheduled, StatusCancelled:
		l.Status = StatusCancelled
		return nil
	case StatusEnded:
		return Conflictf("lesson_ended", "lesson %s has already taken place and cannot be cancelled", l.ID)
	}
	return Conflictf("lesson_live", "lesson %s is %s; end its meeting before cancelling it", l.ID, l.Status)
}

// LessonKeeper is what cancelling a lesson needs: its reads and writes, and
// the hold repairs of Store.
type LessonKeeper interface {
	LessonWriter
	Hold(ctx context.Context, accountID, lessonID string) (h Hold, ok bool, err error)
	Release(ctx context.Context, r Release) error
	Unhold(ctx context.Context, u Unhold) error
}

// CancelLesson cancels lesson id with cancel, an edit that refuses a lesson
// that is starting or live as Cancel does (lesson_live), and may refuse
// anything else first. A lesson that says it is starting or live but holds no
// account (its hold is gone, or its claim was abandoned past its lease) is
// then set right, fenced by its token, and cancel tried again: a starting one
// goes back to scheduled, a live one has ended. Errors: those of EditLesson
// and cancel.
func CancelLesson(ctx context.Context, st LessonKeeper, id string, now time.Time, cancel func(*Lesson) error) (Lesson, error) {
	l, err := EditLesson(ctx, st, id, cancel)
	if e, ok := errors.AsType[*Error](err); !ok || e.Code != "lesson_live" {
		return l, err
	}
	cur, rerr := st.Lesson(ctx, id)
	if rerr != nil || !cur.Holding() {
		return l, err
	}
	h, held, rerr := st.Hold(ctx, cur.AccountID, id)
	switch {
	case rerr != nil:
		return l, err
	case held && h.Token == cur.HoldToken && h.State == HoldClaiming && now.After(h.LeaseUntil):
		rerr = st.Release(ctx, Release{AccountID: cur.AccountID, LessonID: id, Token: cur.HoldToken,
			OnlyClaiming: true, LessonStatus: StatusScheduled, Cleanup: (Stuck{Hold: h, Reason: ReasonClaimExpired}).cleanup(now)})
	case held && h.Token == cur.HoldToken:
		return l, err // it does hold its account
	default:
		u := Unhold{LessonID: id, AccountID: cur.AccountID, Token: cur.HoldToken, Status: StatusScheduled}
		if cur.Status == StatusLive {
			u.Status, u.EndedAt = StatusEnded, now
		}
		rerr = st.Unhold(ctx, u)
	}
	if rerr != nil && !errors.Is(rerr, ErrHoldLost) && !errors.Is(rerr, ErrLessonChanged) && !errors.Is(rerr, ErrHoldExists) {
		return l, fmt.Errorf("repair lesson %s before cancelling it: %w", id, rerr)
	}
	return EditLesson(ctx, st, id, cancel)
}
