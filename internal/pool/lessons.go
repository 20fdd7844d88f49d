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
	case q.TeacherID != "" && !ValidID(q.TeacherID):
		return Invalidf("teacher_id must be 1 to %d letters, digits, '-' or '_'", maxIDLen)
	case q.GroupID != "" && !ValidID(q.GroupID):
		return Invalidf("group_id must be 1 to %d letters, digits, '-' or '_'", maxIDLen)
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
	for attempt := 0; ; attempt++ {
		l, err := st.Lesson(ctx, id)
		if err != nil {
			return Lesson{}, err
		}
		if err := edit(&l); err != nil {
			return Lesson{}, err
		}
		if err := l.Validate(); err != nil {
			return Lesson{}, err
		}
		saved, err := st.PutLesson(ctx, l)
		if errors.Is(err, ErrLessonChanged) && attempt < 10 {
			continue
		}
		if errors.Is(err, ErrLessonChanged) {
			return Lesson{}, fmt.Errorf("edit lesson %s: gave up after %d concurrent changes: %w", id, attempt+1, err)
		}
		return saved, err
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
