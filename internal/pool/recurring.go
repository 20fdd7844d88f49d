package pool

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
)

// WeekType says in which weeks a recurring lesson meets.
type WeekType string

// Week types. Weeks alternate between upper and lower, counted from an anchor
// Monday that starts an upper week (package schedule).
const (
	EveryWeek  WeekType = "all"
	UpperWeeks WeekType = "upper"
	LowerWeeks WeekType = "lower"
)

// RecurringLesson is a lesson that meets every week, or every other week, at
// the same local time in its time zone. Its occurrences are not stored: the
// calendar computes them, and starting one materialises it as a Lesson whose
// id is OccurrenceID(ID, date).
type RecurringLesson struct {
	ID        string
	Title     string
	TeacherID string
	GroupID   string
	// Weekday is the ISO day of the week: 1 = Monday ... 7 = Sunday.
	Weekday   int
	StartTime TimeOfDay
	// DurationMinutes is elapsed time, 1 to 720.
	DurationMinutes int
	// TimeZone is the IANA zone whose wall clock StartTime and the dates follow.
	TimeZone string
	WeekType WeekType
	// ValidFrom and ValidUntil bound the series, both inclusive, as dates in
	// TimeZone. A zero ValidUntil leaves the series open.
	ValidFrom  Date
	ValidUntil Date
	// CancelledDates have no occurrence.
	CancelledDates []Date
	// Materialized are the dates whose occurrence was started and is now the
	// lesson OccurrenceID(ID, date). The calendar shows that lesson instead,
	// wherever its times have moved to.
	Materialized []Date
	// Version increases with every write; edits are conditional on it.
	Version int
}

// Limits of a recurring lesson.
const (
	MaxDurationMinutes = int(MaxLessonDuration / time.Minute)
	MaxCancelledDates  = 1000
)

// Validate reports the first thing wrong with the recurring lesson as an
// EINVALID error.
func (r RecurringLesson) Validate() error {
	if err := validateLessonFields(r.ID, r.Title, r.TeacherID, r.GroupID); err != nil {
		return err
	}
	switch {
	case r.Weekday < 1 || r.Weekday > 7:
		return Invalidf("weekday must be 1 (Monday) to 7 (Sunday); got %d", r.Weekday)
	case r.StartTime < 0 || r.StartTime >= 24*60:
		return Invalidf("start_time must be a local time from 00:00 to 23:59")
	case r.DurationMinutes < 1 || r.DurationMinutes > MaxDurationMinutes:
		return Invalidf("duration_minutes must be 1 to %d (12 hours); got %d", MaxDurationMinutes, r.DurationMinutes)
	case r.TimeZone == "":
		return Invalidf(`timezone is required: an IANA time zone name such as "Europe/Berlin"`)
	case r.WeekType != EveryWeek && r.WeekType != UpperWeeks && r.WeekType != LowerWeeks:
		return Invalidf(`week_type must be "all", "upper" or "lower"; got %q`, r.WeekType)
	case r.ValidFrom.IsZero():
		return Invalidf("valid_from is required: the first day of the series, such as 2026-09-01")
	case !r.ValidUntil.IsZero() && r.ValidUntil.Before(r.ValidFrom):
		return Invalidf("valid_until (%s) must not be before valid_from (%s)", r.ValidUntil, r.ValidFrom)
	case len(r.CancelledDates) > MaxCancelledDates:
		return Invalidf("a recurring lesson has at most %d cancelled dates; got %d", MaxCancelledDates, len(r.CancelledDates))
	}
	if _, err := Zone(r.TimeZone); err != nil {
		return Invalidf(`timezone %q is not an IANA time zone name such as "Europe/Berlin"`, r.TimeZone)
	}
	if err := CheckDate("valid_from", r.ValidFrom); err != nil {
		return err
	}
	if !r.ValidUntil.IsZero() {
		if err := CheckDate("valid_until", r.ValidUntil); err != nil {
			return err
		}
	}
	for _, d := range r.CancelledDates {
		if err := CheckDate("cancelled_dates", d); err != nil {
			return err
		}
	}
	return nil
}

// Valid reports whether d lies within the series' validity.
func (r RecurringLesson) Valid(d Date) bool {
	return !d.Before(r.ValidFrom) && (r.ValidUntil.IsZero() || !d.After(r.ValidUntil))
}

// Cancelled reports whether the occurrence on d was cancelled.
func (r RecurringLesson) Cancelled(d Date) bool { return slices.Contains(r.CancelledDates, d) }

// IsMaterialized reports whether the occurrence on d became a lesson.
func (r RecurringLesson) IsMaterialized(d Date) bool { return slices.Contains(r.Materialized, d) }

// SortDates sorts dates and drops repeats, in place, and returns them.
func SortDates(dates []Date) []Date {
	slices.SortFunc(dates, Date.Compare)
	return slices.Compact(dates)
}

// OccurrenceID is the id of the occurrence of recurring lesson recurringID on
// date d, and of the lesson that materialises it. It holds an '@', which the
// ids of other lessons cannot, so the two never collide.
func OccurrenceID(recurringID string, d Date) string { return recurringID + "@" + d.String() }

// ParseOccurrenceID splits an OccurrenceID into its recurring lesson and date.
func ParseOccurrenceID(id string) (recurringID string, d Date, ok bool) {
	recurringID, date, found := strings.Cut(id, "@")
	if !found || !ValidID(recurringID) {
		return "", Date{}, false
	}
	d, err := ParseDate(date)
	if err != nil || d.String() != date {
		return "", Date{}, false
	}
	return recurringID, d, true
}

// RecurringQuery selects recurring lessons, optionally of one teacher and/or
// one group, and optionally only those still valid on or after a date.
type RecurringQuery struct {
	TeacherID string
	GroupID   string
	// ValidSince, when set, leaves out series whose ValidUntil is before it.
	ValidSince Date
}

// Validate reports what is wrong with the query as an EINVALID error.
func (q RecurringQuery) Validate() error { return validateFilters(q.TeacherID, q.GroupID) }

// RecurringWriter reads and writes whole recurring lessons. Package dynamo
// implements it.
type RecurringWriter interface {
	// RecurringLesson reads a recurring lesson consistently, or returns a
	// recurring_lesson_not_found *Error.
	RecurringLesson(ctx context.Context, id string) (RecurringLesson, error)
	// PutRecurringLesson writes r conditional on the stored version being
	// r.Version (0: create, or a recurring_lesson_exists *Error) and returns it
	// with its new version, or ErrRecurringChanged.
	PutRecurringLesson(ctx context.Context, r RecurringLesson) (RecurringLesson, error)
}

// ErrRecurringChanged signals that a recurring lesson is not in the version it
// was read in.
var ErrRecurringChanged = errors.New("recurring lesson changed since it was read")

// EditRecurringLesson reads recurring lesson id, applies edit and writes it
// back, retrying when a concurrent write got there first. edit may refuse the
// change by returning an error, which EditRecurringLesson returns as is.
func EditRecurringLesson(ctx context.Context, st RecurringWriter, id string, edit func(*RecurringLesson) error) (RecurringLesson, error) {
	return editRecord(ctx, id, ErrRecurringChanged, st.RecurringLesson, st.PutRecurringLesson, RecurringLesson.Validate, edit)
}
