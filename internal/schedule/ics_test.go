package schedule_test

import (
	"bytes"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
	"github.com/teambition/rrule-go"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
	"zoompool/internal/schedule/ical"
)

// icsEvent is an event as a calendar client sees it after expanding the feed.
type icsEvent struct {
	Title      string
	Start, End time.Time
}

// ExpandICS parses an iCalendar feed with golang-ical and expands its
// recurring events with rrule-go, an RFC 5545 implementation of its own, as a
// subscribing client would. It keys the events by calendar event id: a
// lesson's UID names it, an occurrence is its series' id (the UID up to a
// dot, which starts a later run's date) and local date.
func expandICS(t testing.TB, feed []byte) map[string]icsEvent {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(feed))
	if err != nil {
		t.Fatalf("parse the feed: %v\n%s", err, feed)
	}
	out := map[string]icsEvent{}
	add := func(id string, e icsEvent) {
		if _, dup := out[id]; dup {
			t.Errorf("the feed has %s twice", id)
		}
		out[id] = e
	}
	for _, ev := range cal.Events() {
		uid := strings.TrimSuffix(ev.Id(), "@zoom-pool")
		summary := ev.GetProperty(ics.ComponentPropertySummary).Value
		start, err1 := ev.GetStartAt()
		end, err2 := ev.GetEndAt()
		if err1 != nil || err2 != nil {
			t.Fatalf("event %s: DTSTART %v, DTEND %v", uid, err1, err2)
		}
		rr := ev.GetProperty(ics.ComponentPropertyRrule)
		if rr == nil {
			add(strings.TrimPrefix(uid, "lesson-"), icsEvent{summary, start, end})
			continue
		}
		dtstart := ev.GetProperty(ics.ComponentPropertyDtStart)
		tzid := dtstart.ICalParameters["TZID"][0]
		lines := []string{"DTSTART;TZID=" + tzid + ":" + dtstart.Value, "RRULE:" + rr.Value}
		for _, ex := range ev.GetProperties(ics.ComponentPropertyExdate) {
			lines = append(lines, "EXDATE;TZID="+ex.ICalParameters["TZID"][0]+":"+ex.Value)
		}
		set, err := rrule.StrSliceToRRuleSetInLoc(lines, time.UTC)
		if err != nil {
			t.Fatalf("event %s: %v\n%s", uid, err, strings.Join(lines, "\n"))
		}
		for _, s := range set.All() {
			recurringID, _, _ := strings.Cut(strings.TrimPrefix(uid, "recurring-"), ".")
			id := pool.OccurrenceID(recurringID, pool.DateOf(s))
			add(id, icsEvent{summary, s, s.Add(end.Sub(start))})
		}
	}
	return out
}

func TestICSRoundTripsTheEvents(t *testing.T) {
	berlin := series(weeks(pool.UpperWeeks), cancelled("2026-10-12"), func(r *pool.RecurringLesson) {
		r.Title = `Physics; "waves", lab\2`
		r.Materialized = []pool.Date{date("2026-11-23")}
	})
	newYork := series(zone("America/New_York"), at(3, "16:30"), func(r *pool.RecurringLesson) { r.ID = "ny" })
	moscow := series(zone("Europe/Moscow"), weeks(pool.LowerWeeks), valid("2026-09-01", "2026-12-20"), func(r *pool.RecurringLesson) { r.ID = "msk" })
	outside := series(valid("2027-09-01", ""), func(r *pool.RecurringLesson) { r.ID = "later" })
	cancelledLesson := lesson("C", "2026-10-01T10:00:00Z", 45)
	cancelledLesson.Status = pool.StatusCancelled
	s := schedule.Schedule{
		From: instant("2026-09-01T00:00:00Z"), To: instant("2027-04-15T00:00:00Z"), Anchor: anchor,
		Lessons: []pool.Lesson{lesson("L1", "2026-09-08T12:00:00Z", 60), cancelledLesson,
			materialised(berlin, "2026-11-23", pool.StatusEnded)},
		Recurring: []pool.RecurringLesson{berlin, newYork, moscow, outside},
	}
	feed := checkICSAgrees(t, s, instant("2026-11-30T09:00:00Z"))
	if got := strings.Count(feed, "BEGIN:VEVENT"); got != 6 {
		t.Errorf("the feed has %d VEVENTs, want one for each series that meets in the range and one for each lesson", got)
	}
}

// Without a configured anchor, parity restarts with the academic year: a
// feed made in September 2030 shows the upper weeks of September 2031 as the
// calendar shows them read then, one RRULE for each run of equally spaced
// weeks.
func TestICSAcrossAcademicYears(t *testing.T) {
	upper := series(weeks(pool.UpperWeeks), valid("2030-09-01", ""), cancelled("2031-09-15"), func(r *pool.RecurringLesson) { r.ID = "up" })
	lower := series(weeks(pool.LowerWeeks), valid("2030-09-01", ""), at(3, "14:00"), zone("America/New_York"), func(r *pool.RecurringLesson) { r.ID = "low" })
	every := series(valid("2030-09-01", ""), at(5, "08:00"), func(r *pool.RecurringLesson) { r.ID = "all" })
	recurring := []pool.RecurringLesson{upper, lower, every}
	s := schedule.Schedule{From: instant("2030-09-01T00:00:00Z"), To: instant("2031-10-15T00:00:00Z"), Recurring: recurring}
	feed := checkICSAgrees(t, s, instant("2030-09-15T09:00:00Z"))
	for uid, want := range map[string]int{"recurring-up": 2, "recurring-low": 2, "recurring-all": 1} {
		if got := strings.Count(feed, "UID:"+uid); got != want {
			t.Errorf("%s has %d VEVENTs, want %d", uid, got, want)
		}
	}
	for _, line := range []string{"UID:recurring-up.2031-09-01@zoom-pool\r\n", "UID:recurring-low.2031-09-10@zoom-pool\r\n"} {
		if !strings.Contains(feed, line) {
			t.Errorf("the feed lacks %q", line)
		}
	}

	// The same weeks, read a year later.
	later := schedule.Schedule{From: instant("2031-08-20T00:00:00Z"), To: instant("2031-10-15T00:00:00Z"), Recurring: recurring}
	events, err := later.Events()
	if err != nil {
		t.Fatal(err)
	}
	got := expandICS(t, []byte(feed))
	var ups []string
	for _, e := range events {
		if g, ok := got[e.ID]; !ok || !g.Start.Equal(e.Start) {
			t.Errorf("%s starts %s in the calendar of 2031 but %v in the feed of 2030", e.ID, e.Start, g.Start)
		}
		if e.RecurringID == "up" {
			ups = append(ups, e.OccurrenceDate.String())
		}
	}
	if want := []string{"2031-08-25", "2031-09-01", "2031-09-29", "2031-10-13"}; !slices.Equal(ups, want) {
		t.Errorf("upper-week lessons %v, want %v", ups, want)
	}
}

// checkICSAgrees writes s as a feed at now and checks that a client
// expanding it gets exactly the events of the JSON calendar; it returns the
// feed.
func checkICSAgrees(t *testing.T, s schedule.Schedule, now time.Time) string {
	t.Helper()
	var feed bytes.Buffer
	if err := ical.Write(&feed, s, "Zoom Pool", now); err != nil {
		t.Fatal(err)
	}

	got := expandICS(t, feed.Bytes())
	events, err := s.Events()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]icsEvent{}
	for _, e := range events {
		want[e.ID] = icsEvent{e.Title, e.Start, e.End}
	}
	if len(want) < 50 {
		t.Fatalf("only %d events to compare; the schedule should span months of three series", len(want))
	}
	for _, id := range slices.Sorted(maps.Keys(want)) {
		g, ok := got[id]
		switch {
		case !ok:
			t.Errorf("%s is in the calendar but not in the feed", id)
		case g.Title != want[id].Title || !g.Start.Equal(want[id].Start) || !g.End.Equal(want[id].End):
			t.Errorf("%s: feed has %q %s-%s, calendar %q %s-%s", id, g.Title, g.Start.UTC(), g.End.UTC(),
				want[id].Title, want[id].Start.UTC(), want[id].End.UTC())
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s is in the feed but not in the calendar", id)
		}
	}
	return feed.String()
}

func TestICSDescribesSeriesAndZones(t *testing.T) {
	r := series(weeks(pool.LowerWeeks), cancelled("2026-03-23"))
	s := schedule.Schedule{From: instant("2026-03-01T00:00:00Z"), To: instant("2026-11-01T00:00:00Z"), Anchor: anchor,
		Recurring: []pool.RecurringLesson{r}}
	var feed bytes.Buffer
	if err := ical.Write(&feed, s, "Zoom Pool", instant("2026-02-20T09:00:00Z")); err != nil {
		t.Fatal(err)
	}
	text := feed.String()
	if strings.Contains(strings.ReplaceAll(text, "\r\n", ""), "\n") {
		t.Error("the feed has lines not ended by CRLF")
	}
	// 2026-03-09 is the first Monday of a lower week in the range (the weeks
	// of 2026-03-02 and 2026-03-16 are upper); the last is 2026-10-19.
	for _, line := range []string{
		"BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nBEGIN:STANDARD\r\nDTSTART:20251026T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n" +
			"BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n" +
			"BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
		"UID:recurring-r1@zoom-pool\r\n",
		"DTSTART;TZID=Europe/Berlin:20260309T090000\r\n",
		"DTEND;TZID=Europe/Berlin:20260309T094500\r\n",
		"RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=MO;BYDAY=MO;UNTIL=20261019T070000Z\r\n",
		"EXDATE;TZID=Europe/Berlin:20260323T090000\r\n",
		"VERSION:2.0\r\n",
		"METHOD:PUBLISH\r\n",
	} {
		if !strings.Contains(text, line) {
			t.Errorf("the feed lacks\n%s\nfeed:\n%s", line, text)
		}
	}
}

func TestICSOfAnEmptyRange(t *testing.T) {
	s := schedule.Schedule{From: instant("2026-09-01T00:00:00Z"), To: instant("2026-09-02T00:00:00Z"), Anchor: anchor,
		Recurring: []pool.RecurringLesson{series(at(3, "09:00"))}}
	var feed bytes.Buffer
	if err := ical.Write(&feed, s, "Zoom Pool", instant("2026-09-01T00:00:00Z")); err != nil {
		t.Fatal(err)
	}
	if got := expandICS(t, feed.Bytes()); len(got) != 0 {
		t.Errorf("a day without lessons has events %v", got)
	}
	if strings.Contains(feed.String(), "VTIMEZONE") {
		t.Errorf("a feed without events describes a zone:\n%s", feed.String())
	}
}

// No text can break the feed's lines: titles, ids and names with bare CRs,
// LFs, NULs and other control characters, invalid UTF-8, and long multi-byte
// titles come out as CRLF-ended lines of at most 75 octets of valid UTF-8
// without control characters, folded between characters, and read back as
// the same titles with their line breaks and without the rest.
func TestICSWithHostileText(t *testing.T) {
	long := strings.Repeat("Grüße ", 20) + strings.Repeat("ü", 70) + strings.Repeat("🙂", 40) + strings.Repeat("日本", 30)
	for _, tc := range []struct{ title, want string }{
		{"Evil\rEND:VEVENT\rBEGIN:VEVENT\rSUMMARY:Injected\rDTSTART:20260907T090000Z\rEND:VEVENT\rBEGIN:VEVENT",
			"Evil\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Injected\nDTSTART:20260907T090000Z\nEND:VEVENT\nBEGIN:VEVENT"},
		{"Evil\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:Injected", "Evil\nEND:VEVENT\nBEGIN:VEVENT\nSUMMARY:Injected"},
		{"Evil\nEND:VCALENDAR", "Evil\nEND:VCALENDAR"},
		{"NUL\x00byte", "NULbyte"},
		{"bell\x07 escape\x1b[31m delete\x7f", "bell escape[31m delete"},
		{"C1 \u0085next \u009bcsi", "C1 \nnext csi"},
		{"lines\u2028and\u2029paragraphs", "lines\nand\nparagraphs"},
		{"invalid \xff\xfe\xc3 UTF-8", "invalid \ufffd\ufffd\ufffd UTF-8"},
		{"tab\tstays", "tab\tstays"},
		{`semi;colon,comma\backslash:colon "quoted"`, `semi;colon,comma\backslash:colon "quoted"`},
		{long, long},
	} {
		t.Run(strconv.Quote(tc.title[:min(len(tc.title), 20)]), func(t *testing.T) {
			r := series(func(r *pool.RecurringLesson) {
				r.Title, r.TeacherID, r.GroupID = tc.title, "t\r1\x00", "g\n1"
			})
			l := lesson("L1", "2026-09-08T12:00:00Z", 60)
			l.Title, l.TeacherID, l.GroupID = tc.title, r.TeacherID, r.GroupID
			s := schedule.Schedule{From: instant("2026-09-01T00:00:00Z"), To: instant("2026-10-01T00:00:00Z"), Anchor: anchor,
				Lessons: []pool.Lesson{l}, Recurring: []pool.RecurringLesson{r}}
			var feed bytes.Buffer
			if err := ical.Write(&feed, s, "Zoom Pool, teacher t\r\nEND:VCALENDAR", instant("2026-09-01T00:00:00Z")); err != nil {
				t.Fatal(err)
			}
			text := feed.String()
			if !strings.HasSuffix(text, "END:VCALENDAR\r\n") {
				t.Fatalf("the feed does not end with END:VCALENDAR and CRLF:\n%q", text)
			}
			lines := strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")
			components := map[string]int{}
			for i, line := range lines {
				switch {
				case len(line) > 75:
					t.Errorf("line %d has %d octets: %q", i+1, len(line), line)
				case !utf8.ValidString(line):
					t.Errorf("line %d is not UTF-8 (a character split by folding?): %q", i+1, line)
				case strings.ContainsFunc(line, func(r rune) bool { return r != '\t' && (r < 0x20 || r >= 0x7f && r <= 0x9f) }):
					t.Errorf("line %d holds a control character: %q", i+1, line)
				case strings.HasPrefix(line, "BEGIN:") || strings.HasPrefix(line, "END:"):
					components[line]++
				case line == "" || strings.HasPrefix(line, "SUMMARY:Injected") || strings.HasPrefix(line, "DTSTART:20260907"):
					t.Errorf("line %d was injected: %q", i+1, line)
				}
			}
			want := map[string]int{"BEGIN:VCALENDAR": 1, "END:VCALENDAR": 1, "BEGIN:VEVENT": 2, "END:VEVENT": 2,
				"BEGIN:VTIMEZONE": 1, "END:VTIMEZONE": 1, "BEGIN:DAYLIGHT": 1, "END:DAYLIGHT": 1}
			if !maps.Equal(components, want) {
				t.Errorf("components %v, want %v", components, want)
			}

			cal, err := ics.ParseCalendar(strings.NewReader(text))
			if err != nil {
				t.Fatalf("parse the feed: %v", err)
			}
			for _, e := range cal.Events() {
				if got := e.GetProperty(ics.ComponentPropertySummary).Value; got != tc.want {
					t.Errorf("%s is titled\n%q, want\n%q", e.Id(), got, tc.want)
				}
				if got := e.GetProperty(ics.ComponentPropertyDescription).Value; !strings.HasPrefix(got, "Teacher t\n1, group g\n1") {
					t.Errorf("%s is described %q", e.Id(), got)
				}
			}
			if got := cal.CalendarProperties; !slices.ContainsFunc(got, func(p ics.CalendarProperty) bool {
				return p.IANAToken == "X-WR-CALNAME" && p.Value == "Zoom Pool, teacher t\nEND:VCALENDAR"
			}) {
				t.Errorf("calendar properties %v lack the name with its line break", got)
			}
		})
	}
}
