package schedule

import (
	"fmt"
	"time"

	"zoompool/internal/pool"
)

// Occurrence is one meeting of a recurring lesson.
type Occurrence struct {
	// Date is the local date in the lesson's zone.
	Date       pool.Date
	Start, End time.Time
	// Week is the parity of the week of Date.
	Week pool.WeekType
	// Excluded occurrences were cancelled or materialised: the calendar shows
	// nothing, or the lesson they became, in their place.
	Excluded bool
}

// slots appends to buf every meeting of r's pattern (weekday, week type,
// validity) that overlaps [from, to), excluded ones included, in order. Weeks
// are counted from anchor, or from each date's DefaultAnchor when it is zero.
func slots(buf []Occurrence, r pool.RecurringLesson, from, to time.Time, anchor pool.Date) ([]Occurrence, error) {
	loc, err := pool.Zone(r.TimeZone)
	if err != nil {
		return buf, fmt.Errorf("recurring lesson %s: %w", r.ID, err)
	}
	eachSlot(r, loc, from, to, anchor, func(o Occurrence) { buf = append(buf, o) })
	return buf, nil
}

// eachSlot calls yield with each of the slots of r in [from, to), in order;
// loc is r's zone.
func eachSlot(r pool.RecurringLesson, loc *time.Location, from, to time.Time, anchor pool.Date, yield func(Occurrence)) {
	// A lesson lasts at most 12 hours, so one starting the local day before
	// from may still run into the range.
	first := dayNumber(pool.DateOf(from.In(loc))) - 1
	if !r.ValidFrom.IsZero() {
		first = max(first, dayNumber(r.ValidFrom))
	}
	last := dayNumber(pool.DateOf(to.In(loc)))
	if !r.ValidUntil.IsZero() {
		last = min(last, dayNumber(r.ValidUntil))
	}
	first += floorMod(r.Weekday-isoWeekdayOfDay(first), 7)
	duration := time.Duration(r.DurationMinutes) * time.Minute
	clock := localClock{loc: loc}
	// Every week is looked at, not every other one for upper and lower weeks:
	// without a configured anchor, parity starts anew with each academic year,
	// and a year of 53 weeks puts two upper weeks side by side.
	for n := first; n <= last; n += 7 {
		d := dateOfDay(n)
		week := weekOfDay(d, n, anchor)
		if r.WeekType != pool.EveryWeek && week != r.WeekType {
			continue
		}
		start := clock.at(n, d, r.StartTime)
		end := start.Add(duration)
		if !end.After(from) || !start.Before(to) {
			continue
		}
		yield(Occurrence{Date: d, Start: start, End: end, Week: week,
			Excluded: r.Cancelled(d) || r.IsMaterialized(d)})
	}
}

// Expand returns r's occurrences that overlap [from, to), in order, leaving
// out cancelled and materialised ones. Weeks are counted from anchor, or from
// each date's DefaultAnchor when it is zero.
func Expand(r pool.RecurringLesson, from, to time.Time, anchor pool.Date) ([]Occurrence, error) {
	all, err := slots(nil, r, from, to, anchor)
	kept := all[:0]
	for _, o := range all {
		if !o.Excluded {
			kept = append(kept, o)
		}
	}
	return kept, err
}

// OccurrenceOn returns r's occurrence on d, with weeks counted from anchor
// (zero: DefaultAnchor(d)). It says why there is none: d is not a day the
// lesson meets (lesson_not_found), or it was cancelled (lesson_not_startable).
func OccurrenceOn(r pool.RecurringLesson, d pool.Date, anchor pool.Date) (Occurrence, error) {
	none := func(format string, args ...any) error {
		return pool.NotFoundf("lesson_not_found", "recurring lesson %s has no occurrence on %s: "+format, append([]any{r.ID, d}, args...)...)
	}
	switch {
	case !r.Valid(d):
		return Occurrence{}, none("it runs from %s%s", r.ValidFrom, until(r.ValidUntil))
	case d.ISOWeekday() != r.Weekday:
		return Occurrence{}, none("it meets on %s, and %s is a %s", meetingDays(r), d, d.Weekday())
	case !Meets(r.WeekType, d, anchor):
		return Occurrence{}, none("it meets on %s, and the week of %s is a %s week", meetingDays(r), d, WeekOf(d, anchor))
	case r.Cancelled(d):
		return Occurrence{}, pool.Conflictf("lesson_not_startable", "lesson %s was cancelled", pool.OccurrenceID(r.ID, d))
	}
	loc, err := pool.Zone(r.TimeZone)
	if err != nil {
		return Occurrence{}, fmt.Errorf("recurring lesson %s: %w", r.ID, err)
	}
	start := LocalTime(d, r.StartTime, loc)
	return Occurrence{Date: d, Start: start, End: start.Add(time.Duration(r.DurationMinutes) * time.Minute),
		Week: WeekOf(d, anchor), Excluded: r.IsMaterialized(d)}, nil
}

func until(d pool.Date) string {
	if d.IsZero() {
		return " on"
	}
	return " to " + d.String()
}

// meetingDays describes when r meets: "Mondays", "Mondays of upper weeks".
func meetingDays(r pool.RecurringLesson) string {
	days := time.Weekday(r.Weekday%7).String() + "s"
	if r.WeekType == pool.EveryWeek {
		return days
	}
	return days + " of " + string(r.WeekType) + " weeks"
}
