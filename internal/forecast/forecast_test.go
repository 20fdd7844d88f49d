package forecast_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"zoompool/internal/forecast"
	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// anchor starts an upper week: the Monday of the week holding 1 September 2026.
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

func zone(name string) *time.Location {
	loc, err := pool.Zone(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// lesson is a scheduled lesson from start (RFC 3339) for minutes.
func lesson(id, start string, minutes int) pool.Lesson {
	s := instant(start)
	return pool.Lesson{ID: id, Title: "Lesson " + id, TeacherID: "teacher-" + id, GroupID: "g1",
		Start: s, End: s.Add(time.Duration(minutes) * time.Minute), Status: pool.StatusScheduled}
}

// weekly is a recurring lesson on Mondays at 09:00 Berlin time for 45
// minutes, valid from 1 September 2026 on, changed by opts.
func weekly(id string, opts ...func(*pool.RecurringLesson)) pool.RecurringLesson {
	r := pool.RecurringLesson{ID: id, Title: "Series " + id, TeacherID: "teacher-" + id, GroupID: "g1",
		Weekday: 1, StartTime: 9 * 60, DurationMinutes: 45, TimeZone: "Europe/Berlin", WeekType: pool.EveryWeek,
		ValidFrom: date("2026-09-01")}
	for _, o := range opts {
		o(&r)
	}
	return r
}

func weeks(wt pool.WeekType) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) { r.WeekType = wt }
}

func at(weekday int, hhmm string, minutes int, tz string) func(*pool.RecurringLesson) {
	return func(r *pool.RecurringLesson) {
		t, err := pool.ParseTimeOfDay(hhmm)
		if err != nil {
			panic(err)
		}
		r.Weekday, r.StartTime, r.DurationMinutes, r.TimeZone = weekday, t, minutes, tz
	}
}

// accounts are enabled accounts "1", "2", ... of the given capacities.
func accounts(capacities ...int) []pool.Account {
	out := make([]pool.Account, len(capacities))
	for i, c := range capacities {
		out[i] = pool.Account{ID: fmt.Sprint(i + 1), Name: fmt.Sprintf("Zoom Account %d", i+1), Capacity: c, Enabled: true}
	}
	return out
}

// plan is a forecast input: a range, its lessons and series, and a pool.
type plan struct {
	from, to  string
	zone      string
	lessons   []pool.Lesson
	recurring []pool.RecurringLesson
	accounts  []pool.Account
	margin    time.Duration
	// at is when the forecast is made, for the accounts' daily limits; the
	// range's start when empty.
	at string
}

func (p plan) now() time.Time {
	if p.at != "" {
		return instant(p.at)
	}
	return instant(p.from)
}

func (p plan) forecast(t testing.TB) forecast.Forecast {
	t.Helper()
	s := schedule.Schedule{From: instant(p.from), To: instant(p.to), Anchor: anchor,
		Lessons: p.lessons, Recurring: p.recurring}
	if p.zone != "" {
		s.Zone = zone(p.zone)
	}
	f, err := forecast.New(s, p.accounts, p.now(), p.margin)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// each maps xs to strings.
func each[T any](xs []T, f func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

// briefs writes shortages as "start-end demand/capacity [lesson ids]", in UTC.
func briefs(ss []forecast.Shortage) []string {
	return each(ss, func(s forecast.Shortage) string {
		return fmt.Sprintf("%s-%s %d/%d %v", s.Start.UTC().Format("2006-01-02T15:04"), s.End.UTC().Format("15:04"),
			s.Demand, s.Capacity, each(s.Lessons, func(l forecast.Lesson) string { return l.ID }))
	})
}

func TestShortages(t *testing.T) {
	cancelled := lesson("cancelled", "2026-12-01T10:00:00Z", 60)
	cancelled.Status = pool.StatusCancelled
	ended := lesson("ended", "2026-12-01T10:00:00Z", 60)
	ended.Status = pool.StatusEnded
	disabled := accounts(1, 2)
	disabled[1].Enabled = false

	for _, tc := range []struct {
		name string
		plan plan
		want []string
	}{
		{"lessons that touch need one slot",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T11:00:00Z", 60)}, accounts: accounts(1)},
			nil},
		{"lessons that overlap by a minute need two",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 61), lesson("b", "2026-12-01T11:00:00Z", 60)}, accounts: accounts(1)},
			[]string{"2026-12-01T11:00-11:01 2/1 [a b]"}},
		{"a capacity-2 account hosts two lessons at once",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T10:00:00Z", 60)}, accounts: accounts(2)},
			nil},
		{"and not three",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T10:00:00Z", 60),
				lesson("c", "2026-12-01T10:30:00Z", 60)}, accounts: accounts(2)},
			[]string{"2026-12-01T10:30-11:00 3/2 [a b c]"}},
		{"a disabled account's capacity does not count",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T10:00:00Z", 60)}, accounts: disabled},
			[]string{"2026-12-01T10:00-11:00 2/1 [a b]"}},
		{"no enabled account: every lesson is short of one",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60)}},
			[]string{"2026-12-01T10:00-11:00 1/0 [a]"}},
		{"a cancelled lesson does not count, an ended one does",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), cancelled, ended}, accounts: accounts(1)},
			[]string{"2026-12-01T10:00-11:00 2/1 [a ended]"}},
		{"one interval while demand stays over capacity, with its peak and every lesson in it",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 120), lesson("b", "2026-12-01T10:00:00Z", 60),
				lesson("c", "2026-12-01T11:00:00Z", 60), lesson("d", "2026-12-01T10:30:00Z", 60), lesson("e", "2026-12-01T13:00:00Z", 60)},
				accounts: accounts(1)},
			[]string{"2026-12-01T10:00-12:00 3/1 [a b d c]"}},
		{"the margin widens each lesson on both sides",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T11:05:00Z", 60)},
				accounts: accounts(1), margin: 5 * time.Minute},
			[]string{"2026-12-01T11:00-11:05 2/1 [a b]"}},
		{"a margin too short to make them meet",
			plan{lessons: []pool.Lesson{lesson("a", "2026-12-01T10:00:00Z", 60), lesson("b", "2026-12-01T11:05:00Z", 60)},
				accounts: accounts(1), margin: 2*time.Minute + 30*time.Second},
			nil},
		{"shortages are cut to the range; lessons outside it by less than the margin count",
			plan{from: "2026-12-01T10:30:00Z", to: "2026-12-01T11:30:00Z", margin: 10 * time.Minute, accounts: accounts(1),
				lessons: []pool.Lesson{lesson("a", "2026-12-01T09:00:00Z", 90), lesson("b", "2026-12-01T10:35:00Z", 10),
					lesson("c", "2026-12-01T11:35:00Z", 10), lesson("d", "2026-12-01T11:10:00Z", 10)}},
			[]string{"2026-12-01T10:30-10:40 2/1 [a b]", "2026-12-01T11:25-11:30 2/1 [d c]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.plan
			if p.from == "" {
				p.from, p.to = "2026-12-01T00:00:00Z", "2026-12-02T00:00:00Z"
			}
			if got := briefs(p.forecast(t).Shortages()); !slices.Equal(got, tc.want) {
				t.Errorf("shortages\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// Shortages of recurring lessons: week parity, cancelled and started
// occurrences, and the changes of daylight saving time.
func TestShortagesOfRecurringLessons(t *testing.T) {
	started := weekly("s")
	started.Materialized = []pool.Date{date("2026-10-12")}
	moved := pool.Lesson{ID: pool.OccurrenceID("s", date("2026-10-12")), Title: "Series s", TeacherID: "teacher-s", GroupID: "g1",
		Start: instant("2026-10-12T07:00:00Z"), End: instant("2026-10-12T07:45:00Z"), Status: pool.StatusLive,
		RecurringID: "s", OccurrenceDate: "2026-10-12"}
	movedAway := moved
	movedAway.Start, movedAway.End = instant("2026-10-13T07:00:00Z"), instant("2026-10-13T07:45:00Z")

	for _, tc := range []struct {
		name      string
		recurring []pool.RecurringLesson
		lessons   []pool.Lesson
		want      []string // the UTC days of the shortages
	}{
		{"upper and lower weeks alternate in one slot", []pool.RecurringLesson{weekly("u", weeks(pool.UpperWeeks)), weekly("l", weeks(pool.LowerWeeks))}, nil,
			nil},
		{"a weekly lesson meets both", []pool.RecurringLesson{weekly("u", weeks(pool.UpperWeeks)), weekly("l", weeks(pool.LowerWeeks)), weekly("w")}, nil,
			[]string{"2026-10-05 [l w]", "2026-10-12 [u w]", "2026-10-19 [l w]", "2026-10-26 [u w]", "2026-11-02 [l w]", "2026-11-09 [u w]"}},
		{"two upper-week lessons clash in upper weeks only", []pool.RecurringLesson{weekly("u", weeks(pool.UpperWeeks)), weekly("v", weeks(pool.UpperWeeks))}, nil,
			[]string{"2026-10-12 [u v]", "2026-10-26 [u v]", "2026-11-09 [u v]"}},
		{"a cancelled occurrence frees its slot", []pool.RecurringLesson{weekly("a"), weekly("b", func(r *pool.RecurringLesson) {
			r.CancelledDates = []pool.Date{date("2026-10-19")}
		})}, nil,
			[]string{"2026-10-05 [a b]", "2026-10-12 [a b]", "2026-10-26 [a b]", "2026-11-02 [a b]", "2026-11-09 [a b]"}},
		{"a started occurrence counts once, as its lesson", []pool.RecurringLesson{weekly("a"), started}, []pool.Lesson{moved},
			[]string{"2026-10-05 [a s]", "2026-10-12 [a s@2026-10-12]", "2026-10-19 [a s]", "2026-10-26 [a s]", "2026-11-02 [a s]", "2026-11-09 [a s]"}},
		{"a started occurrence moved elsewhere leaves its slot", []pool.RecurringLesson{weekly("a"), started}, []pool.Lesson{movedAway},
			[]string{"2026-10-05 [a s]", "2026-10-19 [a s]", "2026-10-26 [a s]", "2026-11-02 [a s]", "2026-11-09 [a s]"}},
		// Berlin leaves summer time on 25 October, New York on 1 November: in
		// the week between, 15:00 in Berlin is 14:00 UTC and 09:00 in New
		// York 13:00 UTC, so the two lessons only touch.
		{"zones that change to winter time in different weeks", []pool.RecurringLesson{
			weekly("berlin", at(1, "15:00", 60, "Europe/Berlin")), weekly("new-york", at(1, "09:00", 60, "America/New_York"))}, nil,
			[]string{"2026-10-05 [berlin new-york]", "2026-10-12 [berlin new-york]", "2026-10-19 [berlin new-york]",
				"2026-11-02 [berlin new-york]", "2026-11-09 [berlin new-york]"}},
		// 09:00 in Berlin is 07:00 UTC in summer and 08:00 UTC in winter.
		{"a lesson fixed in UTC meets a Berlin lesson only in winter", []pool.RecurringLesson{weekly("berlin", at(1, "09:00", 60, "Europe/Berlin"))},
			[]pool.Lesson{lesson("utc-summer", "2026-10-19T08:00:00Z", 60), lesson("utc-winter", "2026-10-26T08:00:00Z", 60)},
			[]string{"2026-10-26 [berlin utc-winter]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := plan{from: "2026-10-05T00:00:00Z", to: "2026-11-16T00:00:00Z", recurring: tc.recurring, lessons: tc.lessons,
				accounts: accounts(1)}.forecast(t)
			got := each(f.Shortages(), func(s forecast.Shortage) string {
				return fmt.Sprintf("%s %v", s.Start.UTC().Format(time.DateOnly), each(s.Lessons, cmpID))
			})
			if len(got) == 0 {
				got = nil
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("shortages\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// cmpID is a lesson's id, or the series of an occurrence.
func cmpID(l forecast.Lesson) string {
	if l.Kind == schedule.KindOccurrence {
		return l.RecurringID
	}
	return l.ID
}

func TestCapacityCountsEnabledAccounts(t *testing.T) {
	pool := accounts(1, 2, 2)
	pool[2].Enabled = false
	c := forecast.CapacityOf(pool, time.Now())
	if c.Slots != 3 || len(c.Enabled) != 2 || len(c.Disabled) != 1 || c.Disabled[0].ID != "3" {
		t.Errorf("capacity %+v, want 3 slots of accounts 1 and 2, account 3 disabled", c)
	}
}

// An account at Zoom's daily limit takes no lesson until the limit ends,
// and one that needs an admin's attention none at all: the forecast lists
// both apart, counts the limited one from the end of its limit on, and shows
// the shortages in between, in pieces of constant capacity.
func TestLimitedAndBrokenAccounts(t *testing.T) {
	accts := accounts(1, 2, 1)
	accts[1].LimitedUntil = instant("2026-12-02T00:00:00Z")
	accts[2].Attention = &pool.Attention{Status: 404, Code: 1001, Message: "User does not exist: x."}
	p := plan{from: "2026-12-01T00:00:00Z", to: "2026-12-03T00:00:00Z", at: "2026-12-01T09:00:00Z", accounts: accts,
		lessons: []pool.Lesson{lesson("a", "2026-12-01T23:00:00Z", 120), lesson("b", "2026-12-01T23:30:00Z", 60),
			lesson("c", "2026-12-02T10:00:00Z", 60), lesson("d", "2026-12-02T10:00:00Z", 60)}}
	f := p.forecast(t)
	c := f.Capacity
	if c.Slots != 3 || len(c.Limited) != 1 || c.Limited[0].ID != "2" || len(c.NeedsAttention) != 1 || c.NeedsAttention[0].ID != "3" ||
		len(c.Enabled) != 1 {
		t.Errorf("capacity %+v, want 3 slots: account 1 enabled, 2 limited, 3 needing attention", c)
	}
	if got, want := briefs(f.Shortages()), []string{"2026-12-01T23:30-00:00 2/1 [a b]"}; !slices.Equal(got, want) {
		t.Errorf("shortages\n got %q\nwant %q", got, want)
	}
	days := f.Days()
	if len(days) != 2 || days[0].Capacity != 1 || days[0].Shortfall != 1 || days[1].Capacity != 3 || days[1].Shortfall != 0 {
		t.Errorf("days %+v, want 1 slot and a shortfall of 1 on the first, 3 slots and none on the second", days)
	}
	// A limit that ended before the forecast was made is over.
	p.at = "2026-12-02T01:00:00Z"
	if c := p.forecast(t).Capacity; len(c.Limited) != 0 || len(c.Enabled) != 2 {
		t.Errorf("capacity after the limit ended: %+v, want accounts 1 and 2 enabled", c)
	}
}

// An account disabled from some day on: the forecast made after the change
// shows the smaller capacity, and the shortages it brings.
func TestAccountDisabledMidTerm(t *testing.T) {
	p := plan{from: "2026-10-05T00:00:00Z", to: "2026-10-19T00:00:00Z", accounts: accounts(1, 1),
		recurring: []pool.RecurringLesson{weekly("a"), weekly("b")}}
	if got := p.forecast(t).Shortages(); len(got) != 0 {
		t.Fatalf("two accounts for two lessons: shortages %q", briefs(got))
	}
	p.accounts[1].Enabled = false
	f := p.forecast(t)
	if got, want := briefs(f.Shortages()), []string{"2026-10-05T07:00-07:45 2/1 [a@2026-10-05 b@2026-10-05]",
		"2026-10-12T07:00-07:45 2/1 [a@2026-10-12 b@2026-10-12]"}; !slices.Equal(got, want) {
		t.Errorf("after disabling account 2: shortages\n got %q\nwant %q", got, want)
	}
	if f.Capacity.Slots != 1 || len(f.Capacity.Disabled) != 1 {
		t.Errorf("capacity %+v, want 1 slot and account 2 disabled", f.Capacity)
	}
}

// Days run midnight to midnight in the forecast's zone, 23 or 25 hours long
// when the clocks change.
func TestDays(t *testing.T) {
	f := plan{from: "2026-10-24T00:00:00+02:00", to: "2026-10-27T00:00:00+01:00", zone: "Europe/Berlin", accounts: accounts(1),
		lessons: []pool.Lesson{
			// 23:30 to 00:30 in Berlin on the night of 25 to 26 October.
			lesson("late", "2026-10-25T22:30:00Z", 60),
			// 00:30 to 01:30 CEST on 25 October, before the clocks go back.
			lesson("night-1", "2026-10-24T22:30:00Z", 60), lesson("night-2", "2026-10-24T22:45:00Z", 30),
			lesson("outside", "2026-10-27T00:00:00Z", 30),
		}}.forecast(t)
	var got []string
	for _, d := range f.Days() {
		when := "-"
		if !d.At.IsZero() {
			when = d.At.In(f.Zone).Format("15:04")
		}
		got = append(got, fmt.Sprintf("%s %d %s", d.Date, d.MaxDemand, when))
	}
	want := []string{"2026-10-24 0 -", "2026-10-25 2 00:45", "2026-10-26 1 00:00"}
	if !slices.Equal(got, want) {
		t.Errorf("days\n got %q\nwant %q", got, want)
	}
	if peak, when := f.PeakIn(f.From, f.To); peak != 2 || !when.Equal(instant("2026-10-24T22:45:00Z")) {
		t.Errorf("peak %d at %s, want 2 at 2026-10-24T22:45:00Z", peak, when)
	}
}

func TestOutlook(t *testing.T) {
	f := plan{from: "2026-12-01T00:00:00Z", to: "2026-12-15T00:00:00Z", accounts: accounts(1, 1),
		lessons: []pool.Lesson{
			lesson("a", "2026-12-02T10:00:00Z", 60), lesson("b", "2026-12-02T10:00:00Z", 60), lesson("c", "2026-12-02T10:30:00Z", 60),
			lesson("d", "2026-12-03T10:00:00Z", 60), lesson("e", "2026-12-03T10:00:00Z", 60), lesson("f", "2026-12-03T10:00:00Z", 60),
			lesson("g", "2026-12-03T10:20:00Z", 40), lesson("h", "2026-12-04T10:00:00Z", 60),
		}}.forecast(t)
	o := f.Outlook()
	if o.Shortages != 2 || o.WorstShortfall != 2 || !o.WorstAt.Equal(instant("2026-12-03T10:20:00Z")) ||
		o.PeakDemand != 4 || o.Capacity != 2 || o.Lessons != 8 {
		t.Errorf("outlook %+v, want 2 shortages, the worst 2 short from 2026-12-03T10:20Z, peak 4 of 2, 8 lessons", o)
	}
	if o := (plan{from: "2026-12-01T00:00:00Z", to: "2026-12-15T00:00:00Z", accounts: accounts(1)}).forecast(t).Outlook(); o.Shortages != 0 ||
		o.WorstShortfall != 0 || !o.WorstAt.IsZero() || o.PeakDemand != 0 {
		t.Errorf("outlook of an empty calendar %+v", o)
	}
}

func TestRecurringWarnings(t *testing.T) {
	// Upper weeks from 1 September 2026: 7 Tuesdays to the end of November.
	alg := weekly("alg", at(2, "10:00", 90, "Europe/Berlin"), weeks(pool.UpperWeeks))
	x := weekly("x", at(2, "10:00", 90, "Europe/Berlin"))
	y := weekly("y", at(2, "10:30", 30, "Europe/Berlin"), func(r *pool.RecurringLesson) { r.ValidUntil = date("2026-10-31") })
	z := weekly("z", at(2, "11:00", 30, "Europe/Berlin"))
	everyWeek := alg
	everyWeek.WeekType = pool.EveryWeek

	for _, tc := range []struct {
		name     string
		series   pool.RecurringLesson
		others   []pool.RecurringLesson
		accounts []pool.Account
		want     []string
	}{
		{"every date", alg, []pool.RecurringLesson{x}, accounts(1), []string{
			"Tuesdays 10:00-11:30 (Europe/Berlin) in upper weeks: 2 lessons, 1 Zoom slot, on all 7 of its dates from 2026-09-01 to 2026-11-24"}},
		{"grouped by demand", alg, []pool.RecurringLesson{x, y}, accounts(1), []string{
			"Tuesdays 10:00-11:30 (Europe/Berlin) in upper weeks: 3 lessons, 1 Zoom slot, on 5 dates from 2026-09-01 to 2026-10-27",
			"Tuesdays 10:00-11:30 (Europe/Berlin) in upper weeks: 2 lessons, 1 Zoom slot, on 2026-11-10 and 2026-11-24"}},
		{"grouped by the time of the shortage", alg, []pool.RecurringLesson{x, y, z}, accounts(2), []string{
			"Tuesdays 10:30-11:30 (Europe/Berlin) in upper weeks: 3 lessons, 2 Zoom slots, on 5 dates from 2026-09-01 to 2026-10-27",
			"Tuesdays 11:00-11:30 (Europe/Berlin) in upper weeks: 3 lessons, 2 Zoom slots, on 2026-11-10 and 2026-11-24"}},
		{"every week", everyWeek, []pool.RecurringLesson{y}, accounts(1), []string{
			"Tuesdays 10:30-11:00 (Europe/Berlin): 2 lessons, 1 Zoom slot, on 9 dates from 2026-09-01 to 2026-10-27"}},
		{"no shortage", alg, []pool.RecurringLesson{x}, accounts(2), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := plan{from: "2026-09-01T00:00:00Z", to: "2026-12-01T00:00:00Z", accounts: tc.accounts,
				recurring: append(slices.Clone(tc.others), tc.series)}.forecast(t)
			ws, err := f.RecurringWarnings(tc.series)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range ws {
				got = append(got, w.Message)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("warnings\n got %q\nwant %q", got, tc.want)
			}
		})
	}

	f := plan{from: "2026-09-01T00:00:00Z", to: "2026-12-01T00:00:00Z", accounts: accounts(2),
		recurring: []pool.RecurringLesson{x, y, z, alg}}.forecast(t)
	ws, _ := f.RecurringWarnings(alg)
	if len(ws) == 0 {
		t.Fatal("no warnings")
	}
	w := ws[0]
	dates := w.Dates()
	if w.Weekday != time.Tuesday || w.StartTime != "10:30" || w.EndTime != "11:30" || w.WeekType != pool.UpperWeeks ||
		w.Demand != 3 || w.Capacity != 2 || w.Shortfall() != 1 || len(w.Moments) != 5 || len(dates) != 5 || dates[4] != date("2026-10-27") {
		t.Errorf("structured warning %+v", w)
	}
	if got := each(w.Moments[0].Lessons, cmpID); !slices.Equal(got, []string{"alg", "x", "y", "z"}) {
		t.Errorf("lessons of the first moment %v, want alg, x, y and z", got)
	}
}

func TestLessonWarnings(t *testing.T) {
	l := lesson("new", "2026-12-01T09:00:00Z", 90)
	f := plan{from: "2026-12-01T09:00:00Z", to: "2026-12-01T10:30:00Z", accounts: accounts(1, 1),
		lessons: []pool.Lesson{l, lesson("a", "2026-12-01T09:00:00Z", 45), lesson("b", "2026-12-01T09:30:00Z", 60)}}.forecast(t)
	var got []string
	for _, w := range f.LessonWarnings(l, zone("Europe/Berlin")) {
		got = append(got, w.Message)
	}
	if want := []string{"Tuesday 2026-12-01 10:30-10:45 (Europe/Berlin): 3 lessons, 2 Zoom slots"}; !slices.Equal(got, want) {
		t.Errorf("warnings\n got %q\nwant %q", got, want)
	}
	f = plan{from: "2026-12-01T09:00:00Z", to: "2026-12-01T10:30:00Z", lessons: []pool.Lesson{l}}.forecast(t)
	if ws := f.LessonWarnings(l, time.UTC); len(ws) != 1 || !strings.HasSuffix(ws[0].Message, ": 1 lesson, no Zoom account enabled") {
		t.Errorf("warnings with no account: %+v", ws)
	}
}
