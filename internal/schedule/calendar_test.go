package schedule_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

func lesson(id, start string, minutes int) pool.Lesson {
	s := instant(start)
	return pool.Lesson{ID: id, Title: "Lesson " + id, TeacherID: "t1", GroupID: "g1",
		Start: s, End: s.Add(time.Duration(minutes) * time.Minute), Status: pool.StatusScheduled}
}

// materialised is the lesson of r's occurrence on day, as starting it left it.
func materialised(r pool.RecurringLesson, day string, status pool.LessonStatus) pool.Lesson {
	o, err := schedule.OccurrenceOn(r, date(day), anchor)
	if err != nil {
		panic(err)
	}
	l := pool.Lesson{ID: pool.OccurrenceID(r.ID, date(day)), Title: r.Title, TeacherID: r.TeacherID, GroupID: r.GroupID,
		Start: o.Start.UTC(), End: o.End.UTC(), Status: status, RecurringID: r.ID, OccurrenceDate: day}
	if status == pool.StatusLive {
		l.Meeting = &pool.Meeting{ID: "81234567890", JoinURL: "https://zoom.us/j/81234567890?pwd=x", StartURL: "https://zoom.us/s/81234567890?zak=secret"}
	}
	return l
}

type brief struct {
	ID     string
	Kind   schedule.EventKind
	Status pool.LessonStatus
	Start  string
}

func briefs(events []schedule.Event) []brief {
	out := make([]brief, len(events))
	for i, e := range events {
		out[i] = brief{e.ID, e.Kind, e.Status, e.Start.UTC().Format(time.RFC3339)}
	}
	return out
}

func TestEventsMergeLessonsAndOccurrences(t *testing.T) {
	r := series(cancelled("2026-09-21"))
	r.Materialized = []pool.Date{date("2026-09-14")}
	live := materialised(r, "2026-09-14", pool.StatusLive)
	moved := materialised(r, "2026-09-14", pool.StatusScheduled)
	moved.Start, moved.End = instant("2026-10-01T10:00:00Z"), instant("2026-10-01T11:00:00Z")
	stale := r
	stale.Materialized = nil // a read of the series from before the start
	from, to := instant("2026-09-07T00:00:00Z"), instant("2026-09-29T00:00:00Z")

	for _, tc := range []struct {
		name      string
		lessons   []pool.Lesson
		recurring []pool.RecurringLesson
		want      []brief
	}{
		{"a materialised occurrence replaces its twin",
			[]pool.Lesson{lesson("L1", "2026-09-08T12:00:00Z", 60), live}, []pool.RecurringLesson{r},
			[]brief{
				{"r1@2026-09-07", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-07T07:00:00Z"},
				{"L1", schedule.KindLesson, pool.StatusScheduled, "2026-09-08T12:00:00Z"},
				{"r1@2026-09-14", schedule.KindLesson, pool.StatusLive, "2026-09-14T07:00:00Z"},
				{"r1@2026-09-28", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-28T07:00:00Z"},
			}},
		{"a materialised lesson moved out of the range leaves no twin",
			nil, []pool.RecurringLesson{r},
			[]brief{
				{"r1@2026-09-07", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-07T07:00:00Z"},
				{"r1@2026-09-28", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-28T07:00:00Z"},
			}},
		{"a materialised lesson moved within the range shows where it went",
			[]pool.Lesson{moved}, []pool.RecurringLesson{r},
			[]brief{
				{"r1@2026-09-07", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-07T07:00:00Z"},
				{"r1@2026-09-28", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-28T07:00:00Z"},
				{"r1@2026-09-14", schedule.KindLesson, pool.StatusScheduled, "2026-10-01T10:00:00Z"},
			}},
		{"a stale read of the series still shows the lesson once",
			[]pool.Lesson{live}, []pool.RecurringLesson{stale},
			[]brief{
				{"r1@2026-09-07", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-07T07:00:00Z"},
				{"r1@2026-09-14", schedule.KindLesson, pool.StatusLive, "2026-09-14T07:00:00Z"},
				{"r1@2026-09-28", schedule.KindOccurrence, pool.StatusScheduled, "2026-09-28T07:00:00Z"},
			}},
		{"one-off lessons alone",
			[]pool.Lesson{lesson("B", "2026-09-09T08:00:00Z", 30), lesson("A", "2026-09-09T08:00:00Z", 30)}, nil,
			[]brief{
				{"A", schedule.KindLesson, pool.StatusScheduled, "2026-09-09T08:00:00Z"},
				{"B", schedule.KindLesson, pool.StatusScheduled, "2026-09-09T08:00:00Z"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := schedule.Schedule{From: from, To: to, Anchor: anchor, Lessons: tc.lessons, Recurring: tc.recurring}
			events, err := s.Events()
			if err != nil {
				t.Fatal(err)
			}
			if got := briefs(events); !slices.Equal(got, tc.want) {
				t.Errorf("events\n got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestFullCalendarEvents(t *testing.T) {
	r := series(weeks(pool.UpperWeeks))
	r.Materialized = []pool.Date{date("2026-09-14")}
	loc, _ := pool.Zone("America/New_York")
	s := schedule.Schedule{From: instant("2026-09-07T00:00:00Z"), To: instant("2026-10-05T00:00:00Z"), Anchor: anchor, Zone: loc,
		Lessons:   []pool.Lesson{lesson("L1", "2026-09-08T02:00:00Z", 60), materialised(r, "2026-09-14", pool.StatusLive)},
		Recurring: []pool.RecurringLesson{r}}
	events, err := s.Events()
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(s.FullCalendar(events))
	if err != nil {
		t.Fatal(err)
	}
	// L1 starts on Monday evening in New York (a lower week), though on Tuesday in UTC.
	want := `[` +
		`{"id":"L1","title":"Lesson L1","start":"2026-09-07T22:00:00-04:00","end":"2026-09-07T23:00:00-04:00",` +
		`"extendedProps":{"kind":"lesson","lesson_id":"L1","teacher_id":"t1","group_id":"g1","week":"lower","status":"scheduled"}},` +
		`{"id":"r1@2026-09-14","title":"Maths","start":"2026-09-14T03:00:00-04:00","end":"2026-09-14T03:45:00-04:00",` +
		`"extendedProps":{"kind":"lesson","lesson_id":"r1@2026-09-14","recurring_id":"r1","occurrence_date":"2026-09-14","teacher_id":"t1","group_id":"g1",` +
		`"week_type":"upper","week":"upper","status":"live","join_url":"https://zoom.us/j/81234567890?pwd=x"}},` +
		`{"id":"r1@2026-09-28","title":"Maths","start":"2026-09-28T03:00:00-04:00","end":"2026-09-28T03:45:00-04:00",` +
		`"extendedProps":{"kind":"occurrence","recurring_id":"r1","occurrence_date":"2026-09-28","teacher_id":"t1","group_id":"g1",` +
		`"week_type":"upper","week":"upper","status":"scheduled"}}]`
	if string(got) != want {
		t.Errorf("FullCalendar JSON\n got %s\nwant %s", got, want)
	}
}

// recurringLessons are n recurring lessons spread over the week, zones and
// week types, each valid for the whole year and with a few cancelled dates.
func recurringLessons(n int) []pool.RecurringLesson {
	zones := []string{"Europe/Berlin", "America/New_York", "Europe/Moscow", "Asia/Tokyo", "UTC"}
	types := []pool.WeekType{pool.EveryWeek, pool.UpperWeeks, pool.LowerWeeks}
	out := make([]pool.RecurringLesson, n)
	for i := range out {
		out[i] = series(func(r *pool.RecurringLesson) {
			r.ID = fmt.Sprintf("r%d", i)
			r.Weekday, r.StartTime = 1+i%5, pool.TimeOfDay(8*60+i%8*60)
			r.TimeZone, r.WeekType = zones[i%len(zones)], types[i%len(types)]
			r.CancelledDates = []pool.Date{date("2026-12-21"), date("2026-12-28"), date("2027-01-04")}
		})
	}
	return out
}

// BenchmarkExpand500RecurringLessonsOverAYear computes the calendar of 500
// recurring lessons for a year: expansion, merge and sort, no storage. It
// reports milliseconds per calendar next to the goal, under 20 ms, and their
// ratio (below 1 meets it).
func BenchmarkExpand500RecurringLessonsOverAYear(b *testing.B) {
	const goal = 20 * time.Millisecond
	s := schedule.Schedule{From: instant("2026-09-01T00:00:00Z"), To: instant("2027-09-01T00:00:00Z"),
		Anchor: anchor, Recurring: recurringLessons(500)}
	var n, calendars int
	for b.Loop() {
		events, err := s.Events()
		if err != nil {
			b.Fatal(err)
		}
		n = len(events)
		calendars++
	}
	per := b.Elapsed() / time.Duration(calendars)
	b.ReportMetric(float64(n), "events/op")
	b.ReportMetric(float64(per)/float64(time.Millisecond), "ms/calendar")
	b.ReportMetric(float64(per)/float64(goal), "of-goal")
	verdict := "met"
	if per >= goal {
		verdict = "MISSED"
	}
	b.Logf("goal calendar: 500 recurring lessons over a year (%d events) in %.1f ms, %.2f of the goal (under %s): %s",
		n, float64(per)/float64(time.Millisecond), float64(per)/float64(goal), goal, verdict)
}
