package pool_test

import (
	"testing"
	"time"

	"zoompool/internal/pool"
)

func TestParseTimeOfDay(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want pool.TimeOfDay
		ok   bool
	}{
		{"09:30", 9*60 + 30, true},
		{"00:00", 0, true},
		{"23:59", 23*60 + 59, true},
		{"09:30:00", 9*60 + 30, true}, // as Django's TimeField writes it
		{"09:30:15", 0, false},
		{"24:00", 0, false},
		{"9:30", 0, false},
		{"09:60", 0, false},
		{"0930", 0, false},
		{"", 0, false},
	} {
		got, err := pool.ParseTimeOfDay(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in[:5] {
			t.Errorf("%q reads back as %q", tc.in, got)
		}
	}
}

func TestOccurrenceIDs(t *testing.T) {
	d := pool.Date{Year: 2026, Month: time.September, Day: 7}
	id := pool.OccurrenceID("alg-9b", d)
	if rid, got, ok := pool.ParseOccurrenceID(id); id != "alg-9b@2026-09-07" || !ok || rid != "alg-9b" || got != d {
		t.Errorf("%q parses as %q %v %v", id, rid, got, ok)
	}
	for _, bad := range []string{"alg-9b", "alg-9b@", "@2026-09-07", "alg-9b@2026-9-7", "alg-9b@2026-02-30", "a b@2026-09-07", "a@b@2026-09-07"} {
		if _, _, ok := pool.ParseOccurrenceID(bad); ok {
			t.Errorf("%q parsed as an occurrence id", bad)
		}
	}
	// Only a lesson that materialises the occurrence may carry its id.
	start := time.Date(2026, 9, 7, 7, 0, 0, 0, time.UTC)
	l := pool.Lesson{ID: id, Title: "Algebra", TeacherID: "t", GroupID: "g", Start: start, End: start.Add(time.Hour),
		RecurringID: "alg-9b", OccurrenceDate: "2026-09-07"}
	if err := l.Validate(); err != nil {
		t.Errorf("materialised lesson: %v", err)
	}
	l.OccurrenceDate = "2026-09-14"
	if err := l.Validate(); err == nil {
		t.Error("a lesson with another occurrence's id was accepted")
	}
	l.RecurringID, l.OccurrenceDate = "", ""
	if err := l.Validate(); err == nil {
		t.Error("a one-off lesson with an '@' in its id was accepted")
	}
}

func TestDates(t *testing.T) {
	d, err := pool.ParseDate("2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if got := d.AddDays(1); got.String() != "2027-01-01" || got.DaysSince(d) != 1 || !got.After(d) {
		t.Errorf("the day after %s is %s", d, got)
	}
	if d.ISOWeekday() != 4 || d.Monday().String() != "2026-12-28" {
		t.Errorf("%s is weekday %d in the week of %s; want 4 (Thursday), 2026-12-28", d, d.ISOWeekday(), d.Monday())
	}
	if sunday := d.AddDays(3); sunday.ISOWeekday() != 7 || sunday.Monday() != d.AddDays(-3) {
		t.Errorf("%s is weekday %d in the week of %s", sunday, sunday.ISOWeekday(), sunday.Monday())
	}
	if (pool.Date{}).String() != "" {
		t.Error("the zero date is not written as empty")
	}
}
