// Package schedule computes the calendar: which weeks are upper and lower,
// the occurrences of recurring lessons in a range (at local wall-clock time in
// each lesson's zone), their merge with one-off lessons, the FullCalendar and
// iCalendar (RFC 5545) forms of the result, and the materialising of an
// occurrence into a lesson when it is started.
//
// Everything here but Materializer is pure computation on pool's types.
package schedule

import (
	"math"
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

// localClock is LocalTime for one zone, asked about days in order, as a
// series' weeks are: it keeps the period of constant offset that held its
// last answer, and within it, away from both ends, answers without reading
// the zone again.
type localClock struct {
	loc *time.Location
	// The offset (seconds) holds from from to until (Unix seconds).
	from, until, offset int64
}

func (c *localClock) at(n int, d pool.Date, t pool.TimeOfDay) time.Time {
	// LocalTime reads the offset up to 38 hours from its answer (a day, and
	// offsets of up to 14 hours); two days is margin enough.
	const margin = 2 * 24 * 60 * 60
	u := int64(n)*24*60*60 + int64(t)*60 - c.offset
	if u-margin >= c.from && u+margin < c.until {
		return time.Unix(u, 0).In(c.loc)
	}
	at := LocalTime(d, t, c.loc)
	start, end := at.ZoneBounds()
	_, offset := at.Zone()
	c.from, c.until, c.offset = math.MinInt64, math.MaxInt64, int64(offset)
	if !start.IsZero() {
		c.from = start.Unix()
	}
	if !end.IsZero() {
		c.until = end.Unix()
	}
	return at
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
