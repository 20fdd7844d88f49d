package schedule

import (
	"time"

	"zoompool/internal/pool"
)

// Slots returns every meeting of r's pattern (weekday, week type, validity)
// that overlaps [from, to), in order, the cancelled and materialised ones
// included and marked Excluded: an iCalendar feed writes those as the
// series' exceptions.
func Slots(r pool.RecurringLesson, from, to time.Time, anchor pool.Date) ([]Occurrence, error) {
	return slots(nil, r, from, to, anchor)
}

// MeetingDays describes when r meets: "Mondays", "Mondays of upper weeks".
func MeetingDays(r pool.RecurringLesson) string { return meetingDays(r) }
