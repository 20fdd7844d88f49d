// Package schedule computes the calendar: which weeks are upper and lower,
// the occurrences of recurring lessons in a range (at local wall-clock time in
// each lesson's zone), their merge with one-off lessons, the FullCalendar and
// iCalendar (RFC 5545) forms of the result, and the materialising of an
// occurrence into a lesson when it is started.
//
// Everything here but Materializer is pure computation on pool's types.
package schedule

import (
	"time"

	"zoompool/internal/pool"
)

// LocalTime is the instant at which the wall clocks of loc show t on day d.
//
// Where a change of offset makes that wall-clock time happen twice (clocks go
// back), it is the first of the two; where it does not happen at all (clocks
// go forward over it), it is read with the offset in force before the gap, so
// 02:30 on a spring-forward night in Europe/Berlin is 03:30 CEST. These are
// RFC 5545's rules (section 3.3.5), so the JSON calendar and the iCalendar
// feed, read by any client, agree.
func LocalTime(d pool.Date, t pool.TimeOfDay, loc *time.Location) time.Time {
	wall := time.Date(d.Year, d.Month, d.Day, 0, int(t), 0, 0, time.UTC)
	// The offsets in force a day either side: zones change their offset at
	// most once within two days.
	before := offset(wall.Add(-24*time.Hour), loc)
	after := offset(wall.Add(24*time.Hour), loc)
	first := wall.Add(-before)
	if before == after || offset(first, loc) == before {
		return first.In(loc)
	}
	if second := wall.Add(-after); offset(second, loc) == after {
		return second.In(loc)
	}
	return first.In(loc) // in the gap
}

func offset(t time.Time, loc *time.Location) time.Duration {
	_, secs := t.In(loc).Zone()
	return time.Duration(secs) * time.Second
}

// SeriesQuery selects the recurring lessons that may meet in the range of q,
// for the same teacher and group: those valid until at least two days before
// its start (in UTC), as a lesson starts at most 12 hours before a range it
// runs into and its local date is at most a day off its UTC date.
func SeriesQuery(q pool.LessonQuery) pool.RecurringQuery {
	return pool.RecurringQuery{TeacherID: q.TeacherID, GroupID: q.GroupID,
		ValidSince: pool.DateOf(q.From.UTC()).AddDays(-2)}
}
