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

// editRecord is the read-edit-validate-write loop of EditLesson and
// EditRecurringLesson; write returns changed when the version moved.
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
		if errors.Is(err, changed) && attempt < 10 {
			continue
		}
		if errors.Is(err, changed) {
			return zero, fmt.Errorf("edit %s: gave up after %d concurrent changes: %w", id, attempt+1, err)
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
