package forecast_test

import (
	"fmt"
	"testing"
	"time"

	"zoompool/internal/forecast"
	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// goal is the most compute the forecast of a term may take.
const goal = 100 * time.Millisecond

// term is a school's term: 500 recurring lessons spread over the school
// week, its zones and week types, with a few cancelled dates each, 2,000
// one-off lessons, and 8 accounts with 12 slots, which is too few at the
// busiest times.
func term(from, to time.Time) (schedule.Schedule, []pool.Account) {
	zones := []string{"Europe/Berlin", "Europe/Berlin", "Europe/London", "America/New_York", "UTC"}
	types := []pool.WeekType{pool.EveryWeek, pool.UpperWeeks, pool.LowerWeeks}
	s := schedule.Schedule{From: from, To: to, Anchor: anchor, Zone: zone("Europe/Berlin")}
	for i := range 500 {
		s.Recurring = append(s.Recurring, weekly(fmt.Sprintf("r%d", i), func(r *pool.RecurringLesson) {
			r.Weekday, r.StartTime, r.DurationMinutes = 1+i%5, pool.TimeOfDay(8*60+(i*35)%(8*60)), 45+i%4*15
			r.TimeZone, r.WeekType = zones[i%len(zones)], types[i%len(types)]
			r.ValidFrom = pool.DateOf(from)
			r.CancelledDates = []pool.Date{date("2026-12-21"), date("2026-12-28"), date("2027-01-04")}
		}))
	}
	days := int(to.Sub(from) / (24 * time.Hour))
	for i := range 2000 {
		start := from.Add(time.Duration(i*7919%days)*24*time.Hour + time.Duration(7*60+i*37%(10*60))*time.Minute)
		s.Lessons = append(s.Lessons, pool.Lesson{ID: fmt.Sprintf("l%d", i), Title: "Lesson", TeacherID: "t", GroupID: "g",
			Start: start, End: start.Add(time.Duration(30+i%6*15) * time.Minute), Status: pool.StatusScheduled})
	}
	capacities := make([]int, 8)
	for i := range capacities {
		capacities[i] = 1 + i%2
	}
	return s, accounts(capacities...)
}

// BenchmarkForecastTerm computes the whole answer of the capacity route for
// a term of five months (expansion, merge, the sweep, the shortages with
// their lessons, and the days), and reports its time next to the goal: the
// time it took, and the CPU time the process spent meanwhile (garbage
// collection included), which a machine busy with other work inflates less;
// of-goal is the CPU time's share of the goal where it can be read.
func BenchmarkForecastTerm(b *testing.B) {
	from := instant("2026-09-01T00:00:00Z")
	s, accts := term(from, from.AddDate(0, 5, 0))
	var shortages, lessons int
	cpu0, cpuOK := cpuTime()
	t0 := time.Now()
	for b.Loop() {
		f, err := forecast.New(s, accts, from, 0)
		if err != nil {
			b.Fatal(err)
		}
		shortages, lessons = len(f.Shortages()), len(f.Lessons)
		_ = f.Days()
	}
	perOp := func(d time.Duration) float64 { return float64(d) / float64(b.N) / float64(time.Millisecond) }
	compute := perOp(time.Since(t0))
	b.ReportMetric(compute, "ms/forecast")
	if cpu1, ok := cpuTime(); cpuOK && ok {
		compute = perOp(cpu1 - cpu0)
		b.ReportMetric(compute, "cpu-ms/forecast")
	}
	b.ReportMetric(float64(goal.Milliseconds()), "goal-ms")
	b.ReportMetric(compute/float64(goal.Milliseconds()), "of-goal")
	b.ReportMetric(float64(lessons), "lessons")
	b.ReportMetric(float64(shortages), "shortages")
}

// BenchmarkRecurringWarningYear computes what a change to a recurring lesson
// costs in compute on top of its reads: the forecast of a year of the term's
// schedule, and the warnings of one of its recurring lessons.
func BenchmarkRecurringWarningYear(b *testing.B) {
	from := instant("2026-09-01T00:00:00Z")
	s, accts := term(from, from.Add(forecast.WarningSpan))
	r := s.Recurring[0]
	var warnings int
	for b.Loop() {
		f, err := forecast.New(s, accts, from, 0)
		if err != nil {
			b.Fatal(err)
		}
		ws, err := f.RecurringWarnings(r)
		if err != nil {
			b.Fatal(err)
		}
		warnings = len(ws)
	}
	b.ReportMetric(float64(warnings), "warnings")
}
