package schedule_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// anchor starts the first upper week of the 2026/27 term: the Monday of the
// week that holds 1 September 2026.
var anchor = date("2026-08-31")

func date(s string) pool.Date {
	d, err := pool.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func instant(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// series is a Monday 09:00 lesson of 45 minutes in Europe/Berlin from
// 2026-01-01 on, changed by the options.
func series(opts ...func(*pool.RecurringLesson)) pool.RecurringLesson {
	r := pool.RecurringLesson{ID: "r1", Title: "Maths", TeacherID: "t1", GroupID: "g1",
		Weekday: 1, StartTime: 9 * 60, DurationMinutes: 45, TimeZone: "Europe/Berlin",
		WeekType: pool.EveryWeek, ValidFrom: date("2026-01-01")}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func weeks(wt pool.WeekType) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) { r.WeekType = wt }
}

func zone(name string) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) { r.TimeZone = name }
}

func at(weekday int, hhmm string) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) {
		t, err := pool.ParseTimeOfDay(hhmm)
		if err != nil {
			panic(err)
		}
		r.Weekday, r.StartTime = weekday, t
	}
}

func valid(from, until string) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) {
		r.ValidFrom = date(from)
		if until != "" {
			r.ValidUntil = date(until)
		}
	}
}

func cancelled(dates ...string) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) {
		for _, d := range dates {
			r.CancelledDates = append(r.CancelledDates, date(d))
		}
	}
}

func TestExpand(t *testing.T) {
	for _, tc := range []struct {
		name     string
		r        pool.RecurringLesson
		from, to string
		// want are the occurrences' starts in UTC.
		want []string
	}{
		{"every week around the anchor", series(), "2026-08-17T00:00:00Z", "2026-09-22T00:00:00Z",
			[]string{"2026-08-17T07:00:00Z", "2026-08-24T07:00:00Z", "2026-08-31T07:00:00Z", "2026-09-07T07:00:00Z", "2026-09-14T07:00:00Z", "2026-09-21T07:00:00Z"}},
		{"upper weeks around the anchor", series(weeks(pool.UpperWeeks)), "2026-08-17T00:00:00Z", "2026-09-22T00:00:00Z",
			[]string{"2026-08-17T07:00:00Z", "2026-08-31T07:00:00Z", "2026-09-14T07:00:00Z"}},
		{"lower weeks around the anchor", series(weeks(pool.LowerWeeks)), "2026-08-17T00:00:00Z", "2026-09-22T00:00:00Z",
			[]string{"2026-08-24T07:00:00Z", "2026-09-07T07:00:00Z", "2026-09-21T07:00:00Z"}},
		{"upper Thursdays", series(weeks(pool.UpperWeeks), at(4, "09:00")), "2026-08-31T00:00:00Z", "2026-09-30T00:00:00Z",
			[]string{"2026-09-03T07:00:00Z", "2026-09-17T07:00:00Z"}},
		// 2026 has an ISO week 53: counting ISO week numbers would make the weeks
		// of 28 December and 4 January both odd.
		{"upper weeks across New Year", series(weeks(pool.UpperWeeks)), "2026-12-14T00:00:00Z", "2027-01-19T00:00:00Z",
			[]string{"2026-12-21T08:00:00Z", "2027-01-04T08:00:00Z", "2027-01-18T08:00:00Z"}},
		{"lower weeks across New Year", series(weeks(pool.LowerWeeks)), "2026-12-14T00:00:00Z", "2027-01-19T00:00:00Z",
			[]string{"2026-12-14T08:00:00Z", "2026-12-28T08:00:00Z", "2027-01-11T08:00:00Z"}},
		{"valid_from and valid_until are inclusive", series(valid("2026-09-07", "2026-09-21")), "2026-08-31T00:00:00Z", "2026-10-06T00:00:00Z",
			[]string{"2026-09-07T07:00:00Z", "2026-09-14T07:00:00Z", "2026-09-21T07:00:00Z"}},
		{"validity between meeting days", series(valid("2026-09-08", "2026-09-20")), "2026-08-31T00:00:00Z", "2026-10-06T00:00:00Z",
			[]string{"2026-09-14T07:00:00Z"}},
		{"validity is in the lesson's zone", series(zone("Pacific/Auckland"), valid("2026-09-07", "2026-09-07")), "2026-09-01T00:00:00Z", "2026-09-30T00:00:00Z",
			[]string{"2026-09-06T21:00:00Z"}},
		{"upper weeks starting in a lower week", series(weeks(pool.UpperWeeks), valid("2026-09-07", "")), "2026-08-31T00:00:00Z", "2026-09-30T00:00:00Z",
			[]string{"2026-09-14T07:00:00Z", "2026-09-28T07:00:00Z"}},
		{"cancelled dates", series(cancelled("2026-09-14", "2026-09-15")), "2026-09-07T00:00:00Z", "2026-09-22T00:00:00Z",
			[]string{"2026-09-07T07:00:00Z", "2026-09-21T07:00:00Z"}},
		{"end is exclusive", series(), "2026-09-07T00:00:00Z", "2026-09-14T07:00:00Z",
			[]string{"2026-09-07T07:00:00Z"}},
		{"a lesson running into the range", series(zone("UTC"), at(1, "23:30")), "2026-09-08T00:00:00Z", "2026-09-15T00:00:00Z",
			[]string{"2026-09-07T23:30:00Z", "2026-09-14T23:30:00Z"}},
		{"a lesson that ended as the range starts", series(zone("UTC"), at(1, "23:00")), "2026-09-08T00:00:00Z", "2026-09-14T00:00:00Z",
			nil},
		// The clocks go forward on 29 March and back on 25 October 2026 in
		// Berlin, on 8 March and 1 November in New York: 09:00 stays 09:00.
		{"Berlin, spring", series(), "2026-03-16T00:00:00Z", "2026-04-07T00:00:00Z",
			[]string{"2026-03-16T08:00:00Z", "2026-03-23T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-06T07:00:00Z"}},
		{"Berlin, autumn", series(), "2026-10-19T00:00:00Z", "2026-11-03T00:00:00Z",
			[]string{"2026-10-19T07:00:00Z", "2026-10-26T08:00:00Z", "2026-11-02T08:00:00Z"}},
		{"New York, spring", series(zone("America/New_York")), "2026-03-01T00:00:00Z", "2026-03-17T00:00:00Z",
			[]string{"2026-03-02T14:00:00Z", "2026-03-09T13:00:00Z", "2026-03-16T13:00:00Z"}},
		{"New York, autumn", series(zone("America/New_York")), "2026-10-26T00:00:00Z", "2026-11-10T00:00:00Z",
			[]string{"2026-10-26T13:00:00Z", "2026-11-02T14:00:00Z", "2026-11-09T14:00:00Z"}},
		{"Moscow keeps UTC+3", series(zone("Europe/Moscow")), "2026-03-23T00:00:00Z", "2026-04-07T00:00:00Z",
			[]string{"2026-03-23T06:00:00Z", "2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z"}},
		{"Moscow in autumn", series(zone("Europe/Moscow")), "2026-10-19T00:00:00Z", "2026-11-03T00:00:00Z",
			[]string{"2026-10-19T06:00:00Z", "2026-10-26T06:00:00Z", "2026-11-02T06:00:00Z"}},
		// On the nights the clocks change: 02:30 does not exist on 29 March
		// (read as 03:30 CEST) and happens twice on 25 October (the first).
		{"Berlin, a time the clocks skip", series(at(7, "02:30")), "2026-03-22T00:00:00Z", "2026-04-06T00:00:00Z",
			[]string{"2026-03-22T01:30:00Z", "2026-03-29T01:30:00Z", "2026-04-05T00:30:00Z"}},
		{"Berlin, a time the clocks repeat", series(at(7, "02:30")), "2026-10-18T00:00:00Z", "2026-11-02T00:00:00Z",
			[]string{"2026-10-18T00:30:00Z", "2026-10-25T00:30:00Z", "2026-11-01T01:30:00Z"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := schedule.Expand(tc.r, instant(tc.from), instant(tc.to), anchor)
			if err != nil {
				t.Fatal(err)
			}
			var starts []string
			for _, o := range got {
				starts = append(starts, o.Start.UTC().Format(time.RFC3339))
				if d := o.End.Sub(o.Start); d != 45*time.Minute {
					t.Errorf("occurrence on %s lasts %s, want 45m", o.Date, d)
				}
				if local := pool.DateOf(o.Start); local != o.Date {
					t.Errorf("occurrence dated %s starts on local day %s", o.Date, local)
				}
			}
			if !slices.Equal(starts, tc.want) {
				t.Errorf("starts\n got %v\nwant %v", starts, tc.want)
			}
		})
	}
}

// Without a configured anchor, upper and lower weeks restart with each
// academic year: after the 53-week year 2030/31, 25 August and 1 September
// 2031 are both upper weeks.
func TestExpandWithoutAnchor(t *testing.T) {
	for _, tc := range []struct {
		wt   pool.WeekType
		want []string
	}{
		{pool.UpperWeeks, []string{"2031-08-11", "2031-08-25", "2031-09-01", "2031-09-15", "2031-09-29"}},
		{pool.LowerWeeks, []string{"2031-08-04", "2031-08-18", "2031-09-08", "2031-09-22"}},
		{pool.EveryWeek, []string{"2031-08-04", "2031-08-11", "2031-08-18", "2031-08-25", "2031-09-01", "2031-09-08", "2031-09-15", "2031-09-22", "2031-09-29"}},
	} {
		t.Run(string(tc.wt), func(t *testing.T) {
			got, err := schedule.Expand(series(weeks(tc.wt)), instant("2031-08-01T00:00:00Z"), instant("2031-10-01T00:00:00Z"), pool.Date{})
			if err != nil {
				t.Fatal(err)
			}
			var days []string
			for _, o := range got {
				days = append(days, o.Date.String())
				if want := schedule.WeekOf(o.Date, pool.Date{}); o.Week != want {
					t.Errorf("occurrence on %s is in a %s week, want %s", o.Date, o.Week, want)
				}
			}
			if !slices.Equal(days, tc.want) {
				t.Errorf("occurrences\n got %v\nwant %v", days, tc.want)
			}
		})
	}
}

func TestLocalTimeKeepsTheWallClock(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Europe/Moscow", "Australia/Lord_Howe", "Asia/Kolkata"} {
		loc, err := pool.Zone(name)
		if err != nil {
			t.Fatal(err)
		}
		for d := date("2026-01-01"); d.Before(date("2027-01-01")); d = d.AddDays(1) {
			got := schedule.LocalTime(d, 9*60+15, loc)
			if h, m, _ := got.In(loc).Clock(); h != 9 || m != 15 || pool.DateOf(got.In(loc)) != d {
				t.Fatalf("%s %s 09:15 = %s", name, d, got.In(loc))
			}
		}
	}
}

func TestWeekOf(t *testing.T) {
	for _, tc := range []struct {
		day  string
		want pool.WeekType
	}{
		{"2026-08-31", pool.UpperWeeks}, // the anchor
		{"2026-09-06", pool.UpperWeeks}, // its Sunday
		{"2026-09-07", pool.LowerWeeks},
		{"2026-08-30", pool.LowerWeeks}, // the Sunday before
		{"2026-08-17", pool.UpperWeeks},
		{"2025-09-01", pool.UpperWeeks}, // 52 weeks earlier
		{"2027-08-30", pool.UpperWeeks}, // 52 weeks later
		{"2027-09-06", pool.LowerWeeks},
	} {
		if got := schedule.WeekOf(date(tc.day), anchor); got != tc.want {
			t.Errorf("week of %s = %s, want %s", tc.day, got, tc.want)
		}
	}
}

func TestDefaultAnchor(t *testing.T) {
	for _, tc := range []struct{ day, want string }{
		{"2026-11-30", "2026-08-31"}, // 1 September 2026 is a Tuesday
		{"2027-01-10", "2026-08-31"},
		{"2026-08-30", "2025-09-01"}, // the Sunday before the week of 1 September
		{"2026-08-31", "2026-08-31"}, // an academic year starts on the Monday of that week
		{"2026-09-01", "2026-08-31"},
		{"2027-09-15", "2027-08-30"},
		{"2030-10-01", "2030-08-26"}, // 1 September 2030 is a Sunday: its week began on 26 August
		{"2031-08-31", "2030-08-26"}, // the last day of a 53-week academic year
		{"2031-09-01", "2031-09-01"},
	} {
		if got := schedule.DefaultAnchor(date(tc.day)); got != date(tc.want) {
			t.Errorf("the academic year of %s starts on %s, want %s", tc.day, got, tc.want)
		}
	}
}

// Without a configured anchor a date's parity is that of its own academic
// year, whichever day the calendar is read on: 2031-09-01 starts an academic
// year (upper) right after the 53rd week of the one before (upper too).
func TestWeekOfWithoutAnchor(t *testing.T) {
	for _, tc := range []struct {
		day  string
		want pool.WeekType
	}{
		{"2030-08-26", pool.UpperWeeks},
		{"2030-09-02", pool.LowerWeeks},
		{"2031-08-18", pool.LowerWeeks}, // week 52 of 53
		{"2031-08-25", pool.UpperWeeks}, // week 53 of 53
		{"2031-08-31", pool.UpperWeeks},
		{"2031-09-01", pool.UpperWeeks}, // week 1 of the next
		{"2031-09-07", pool.UpperWeeks},
		{"2031-09-08", pool.LowerWeeks},
		{"2026-08-31", pool.UpperWeeks}, // 2025/26 had 52 weeks: parity runs on
		{"2026-08-24", pool.LowerWeeks},
	} {
		if got := schedule.WeekOf(date(tc.day), pool.Date{}); got != tc.want {
			t.Errorf("week of %s = %s, want %s", tc.day, got, tc.want)
		}
	}

	// Over four decades: each academic year starts upper, weeks alternate
	// within it, all days of a week agree, and a year has 52 or 53 weeks.
	var prev pool.WeekType
	for d := date("2000-08-28"); d.Before(date("2040-09-03")); d = d.AddDays(1) {
		got := schedule.WeekOf(d, pool.Date{})
		a := schedule.DefaultAnchor(d)
		if want := schedule.WeekOf(d, a); got != want {
			t.Fatalf("week of %s = %s, but %s counted from its anchor %s", d, got, want, a)
		}
		switch {
		case d.ISOWeekday() != 1:
			if got != prev {
				t.Fatalf("%s is in a %s week, the day before in a %s week", d, got, prev)
			}
		case d == a:
			if got != pool.UpperWeeks {
				t.Fatalf("the academic year starting %s starts with a %s week", d, got)
			}
			if weeks := d.DaysSince(schedule.DefaultAnchor(d.AddDays(-1))) / 7; weeks != 52 && weeks != 53 {
				t.Fatalf("the academic year before %s has %d weeks", d, weeks)
			}
		case got == prev:
			t.Fatalf("the weeks of %s and %s are both %s", d.AddDays(-7), d, got)
		}
		prev = got
	}
}

func TestOccurrenceOn(t *testing.T) {
	r := series(weeks(pool.UpperWeeks), valid("2026-09-01", "2027-06-30"), cancelled("2026-09-14"))
	r.Materialized = []pool.Date{date("2026-09-28")}
	for _, tc := range []struct {
		day     string
		kind    pool.Kind
		mention string
	}{
		{"2026-08-31", pool.KindNotFound, "runs from 2026-09-01 to 2027-06-30"},
		{"2026-09-15", pool.KindNotFound, "is a Tuesday"},
		{"2026-09-21", pool.KindNotFound, "lower week"},
		{"2026-09-14", pool.KindConflict, "cancelled"},
	} {
		_, err := schedule.OccurrenceOn(r, date(tc.day), anchor)
		if pool.ErrorKind(err) != tc.kind || !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("%s: got %v, want kind %d mentioning %q", tc.day, err, tc.kind, tc.mention)
		}
	}
	o, err := schedule.OccurrenceOn(r, date("2026-09-28"), anchor)
	if err != nil || !o.Excluded || !o.Start.Equal(instant("2026-09-28T07:00:00Z")) {
		t.Errorf("materialised occurrence: %+v, %v", o, err)
	}
}
