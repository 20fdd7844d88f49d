package schedule_test

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

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
// lesson's UID names it, an occurrence is its series' id and local date.
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
			id := pool.OccurrenceID(strings.TrimPrefix(uid, "recurring-"), pool.DateOf(s))
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
	var feed bytes.Buffer
	if err := ical.Write(&feed, s, "Zoom Pool", instant("2026-11-30T09:00:00Z")); err != nil {
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
