package forecast

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// Warning says that a lesson, or a recurring lesson at one time of its week,
// runs at moments when more lessons run than the enabled accounts have slots
// for: one of them will find no free account unless another is not started.
type Warning struct {
	// Message says it in a sentence: "Tuesdays 10:00-11:30 (Europe/Berlin) in
	// upper weeks: 7 lessons, 6 Zoom slots, on 2026-09-08 and 2026-09-22".
	Message string
	// Zone is where Weekday, StartTime, EndTime and the dates are read.
	Zone *time.Location
	// Weekday, StartTime and EndTime ("HH:MM") are when the moments are in Zone.
	Weekday            time.Weekday
	StartTime, EndTime string
	// WeekType is the recurring lesson's; empty for a lesson.
	WeekType pool.WeekType
	Demand   int
	Capacity int
	// Moments are the shortages, each within the lesson's slot, by start.
	Moments []Shortage
}

// Shortfall is how many lessons at once find no free account.
func (w Warning) Shortfall() int { return w.Demand - w.Capacity }

// Dates are the days of the moments in Zone.
func (w Warning) Dates() []pool.Date {
	dates := make([]pool.Date, len(w.Moments))
	for i, m := range w.Moments {
		dates[i] = pool.DateOf(m.Start.In(w.Zone))
	}
	return dates
}

// LessonWarnings are the shortages that lesson l takes part in, one warning
// per moment, written in zone loc. The forecast must be of a schedule that
// holds l as it is now.
func (f Forecast) LessonWarnings(l pool.Lesson, loc *time.Location) []Warning {
	if l.Status == pool.StatusCancelled {
		return nil
	}
	return warnings(f.ShortagesIn(l.Start.Add(-f.Margin), l.End.Add(f.Margin)), loc, "", 0)
}

// RecurringWarnings are the shortages that the occurrences of r in the range
// take part in, one warning per time of the week (in r's zone) and demand.
// The forecast must be of a schedule that holds r as it is now. An
// occurrence already started is a lesson of its own and is not r's any more.
func (f Forecast) RecurringWarnings(r pool.RecurringLesson) ([]Warning, error) {
	loc, err := pool.Zone(r.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("recurring lesson %s: %w", r.ID, err)
	}
	var moments []Shortage
	occurrences := 0
	for i, l := range f.Lessons {
		if l.Kind == schedule.KindOccurrence && l.RecurringID == r.ID {
			occurrences++
			moments = append(moments, f.ShortagesIn(f.slots[i].start, f.slots[i].end)...)
		}
	}
	return warnings(moments, loc, r.WeekType, occurrences), nil
}

// warnings groups moments by weekday, times of day and demand, in the order
// of their first moment. occurrences is how many times the recurring lesson
// meets in the range (0 for a lesson).
func warnings(moments []Shortage, loc *time.Location, wt pool.WeekType, occurrences int) []Warning {
	type key struct {
		weekday    time.Weekday
		start, end string
		demand     int
	}
	var out []Warning
	index := map[key]int{}
	for _, m := range moments {
		start, end := m.Start.In(loc), m.End.In(loc)
		k := key{start.Weekday(), start.Format("15:04"), end.Format("15:04"), m.Demand}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, Warning{Zone: loc, Weekday: k.weekday, StartTime: k.start, EndTime: k.end,
				WeekType: wt, Demand: m.Demand, Capacity: m.Capacity})
		}
		out[i].Moments = append(out[i].Moments, m)
	}
	for i := range out {
		out[i].Message = out[i].sentence(occurrences)
	}
	slices.SortStableFunc(out, func(a, b Warning) int { return a.Moments[0].Start.Compare(b.Moments[0].Start) })
	return out
}

// sentence writes the warning for people.
func (w Warning) sentence(occurrences int) string {
	var b strings.Builder
	dates := w.Dates()
	if w.WeekType == "" {
		fmt.Fprintf(&b, "%s %s %s-%s (%s)", w.Weekday, dates[0], w.StartTime, w.EndTime, w.Zone)
	} else {
		fmt.Fprintf(&b, "%ss %s-%s (%s)", w.Weekday, w.StartTime, w.EndTime, w.Zone)
		if w.WeekType != pool.EveryWeek {
			fmt.Fprintf(&b, " in %s weeks", w.WeekType)
		}
	}
	fmt.Fprintf(&b, ": %s, %s", count(w.Demand, "lesson"), slotsPhrase(w.Capacity))
	if w.WeekType == "" {
		return b.String()
	}
	switch n := len(dates); {
	case n == occurrences && n > 3:
		fmt.Fprintf(&b, ", on all %d of its dates from %s to %s", n, dates[0], dates[n-1])
	case n > 3:
		fmt.Fprintf(&b, ", on %d dates from %s to %s", n, dates[0], dates[n-1])
	default:
		b.WriteString(", on " + listDates(dates))
	}
	return b.String()
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func slotsPhrase(capacity int) string {
	if capacity == 0 {
		return "no Zoom account enabled"
	}
	return count(capacity, "Zoom slot")
}

// listDates writes "d1", "d1 and d2" or "d1, d2 and d3".
func listDates(dates []pool.Date) string {
	s := make([]string, len(dates))
	for i, d := range dates {
		s[i] = d.String()
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}
