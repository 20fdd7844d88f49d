// Package ical writes a schedule as an RFC 5545 iCalendar feed, for calendar
// apps that subscribe to it. Only the calendar function serves the feed, so
// only it links the iCalendar library.
package ical

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"time"

	ics "github.com/arran4/golang-ical"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

const (
	// localLayout writes a wall-clock time for a property with a TZID.
	localLayout = "20060102T150405"
	// uidDomain makes the feed's UIDs globally unique, as RFC 5545 asks.
	uidDomain = "zoom-pool"
)

// Write writes s as an RFC 5545 iCalendar feed named name.
//
// A recurring lesson with occurrences in the range is one VEVENT at its local
// time in its zone (TZID, with a VTIMEZONE built from the zone database), an
// RRULE every week, or every two weeks from an occurrence of the right
// parity, that ends with the range (UNTIL), and an EXDATE for each cancelled
// or materialised date. Each lesson is a VEVENT of its own, in UTC. An RFC
// 5545 client expanding the feed gets the events Events returns; occurrences
// are the same in both because schedule.LocalTime follows RFC 5545's rules.
//
// Every value is cleaned of control characters (cleanCalendar), so no title
// can end a line, and lines longer than 75 octets are folded between UTF-8
// sequences, never inside one.
func Write(w io.Writer, s schedule.Schedule, name string, now time.Time) error {
	cal := ics.NewCalendarFor("Zoom Pool")
	cal.SetProductId("-//Zoom Pool//Calendar//EN")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(name)
	cal.SetXWRCalName(name)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")

	var events []*ics.VEvent
	zones := map[string]*time.Location{}
	recurring := slices.Clone(s.Recurring)
	slices.SortFunc(recurring, func(a, b pool.RecurringLesson) int { return cmp.Compare(a.ID, b.ID) })
	for _, r := range recurring {
		es, loc, err := recurringEvents(s, r, now)
		if err != nil {
			return err
		}
		if len(es) > 0 {
			events = append(events, es...)
			zones[r.TimeZone] = loc
		}
	}
	for _, l := range s.Lessons {
		e := ics.NewEvent("lesson-" + l.ID + "@" + uidDomain)
		e.SetDtStampTime(now)
		e.SetSummary(l.Title)
		e.SetDescription(fmt.Sprintf("Teacher %s, group %s", l.TeacherID, l.GroupID))
		e.SetStartAt(l.Start)
		e.SetEndAt(l.End)
		if l.Status == pool.StatusCancelled {
			e.SetStatus(ics.ObjectStatusCancelled)
		} else {
			e.SetStatus(ics.ObjectStatusConfirmed)
		}
		events = append(events, e)
	}

	names := make([]string, 0, len(zones))
	for name := range zones {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cal.AddVTimezone(vtimezone(name, zones[name], s.From, s.To))
	}
	for _, e := range events {
		cal.AddVEvent(e)
	}
	cleanCalendar(cal)
	return cal.SerializeTo(w, ics.WithNewLineWindows)
}

// recurringEvents are r's VEVENTs for the range: none when r does not meet
// in it, and one for each run of its occurrences that keeps one rhythm, every
// week or every other week. That is one, unless the count of upper and lower
// weeks starts anew in the range (with no configured anchor, a new academic
// year after one of 53 weeks) where an RRULE with INTERVAL=2 would go on in
// the old rhythm. The first run's UID is the series'; a later run's adds the
// date on which it starts, so it names the same run in every feed.
func recurringEvents(s schedule.Schedule, r pool.RecurringLesson, now time.Time) ([]*ics.VEvent, *time.Location, error) {
	all, err := schedule.Slots(r, s.From, s.To, s.Anchor)
	if err != nil {
		return nil, nil, err
	}
	loc, err := pool.Zone(r.TimeZone)
	if err != nil {
		return nil, nil, err
	}
	step := 7
	if r.WeekType != pool.EveryWeek {
		step = 14
	}
	var events []*ics.VEvent
	for run := 0; len(all) > 0; run++ {
		n := 1
		for n < len(all) && all[n].Date.DaysSince(all[n-1].Date) == step {
			n++
		}
		uid := "recurring-" + r.ID
		if run > 0 {
			uid += "." + all[0].Date.String()
		}
		if e := rule(r, loc, uid+"@"+uidDomain, step/7, all[:n], now); e != nil {
			events = append(events, e)
		}
		all = all[n:]
	}
	return events, loc, nil
}

// rule is the VEVENT of r's occurrences in run, which are interval weeks
// apart, or nil when all of them are excluded.
func rule(r pool.RecurringLesson, loc *time.Location, uid string, interval int, run []schedule.Occurrence, now time.Time) *ics.VEvent {
	kept := func(o schedule.Occurrence) bool { return !o.Excluded }
	first, last := slices.IndexFunc(run, kept), -1
	if first < 0 {
		return nil
	}
	for i := len(run) - 1; last < 0; i-- {
		if kept(run[i]) {
			last = i
		}
	}
	tzid := ics.WithTZID(r.TimeZone)
	wallClock := func(d pool.Date) string {
		return fmt.Sprintf("%04d%02d%02dT%02d%02d00", d.Year, d.Month, d.Day, r.StartTime/60, r.StartTime%60)
	}
	e := ics.NewEvent(uid)
	e.SetDtStampTime(now)
	e.SetSummary(r.Title)
	e.SetDescription(fmt.Sprintf("Teacher %s, group %s, %s", r.TeacherID, r.GroupID, schedule.MeetingDays(r)))
	// DTSTART is the nominal wall-clock time, which clients resolve as
	// schedule.LocalTime does even on a night the clocks change; DTEND is the
	// first occurrence's end, so its distance from DTSTART is the exact
	// duration.
	e.SetProperty(ics.ComponentPropertyDtStart, wallClock(run[first].Date), tzid)
	e.SetProperty(ics.ComponentPropertyDtEnd, run[first].End.In(loc).Format(localLayout), tzid)
	e.AddRrule(fmt.Sprintf("FREQ=WEEKLY;INTERVAL=%d;WKST=MO;BYDAY=%s;UNTIL=%s",
		interval, icsWeekdays[r.Weekday-1], run[last].Start.UTC().Format(localLayout+"Z")))
	for _, o := range run[first : last+1] {
		if o.Excluded {
			e.AddExdate(wallClock(o.Date), tzid)
		}
	}
	e.SetStatus(ics.ObjectStatusConfirmed)
	return e
}

var icsWeekdays = [7]string{"MO", "TU", "WE", "TH", "FR", "SA", "SU"}

// vtimezone describes loc from before from until to: the observance in force
// then, and each change of offset after it.
func vtimezone(name string, loc *time.Location, from, to time.Time) *ics.VTimezone {
	tz := ics.NewTimezone(name)
	// Occurrences overlapping the range start at most a day before it.
	at := from.Add(-24 * time.Hour).In(loc)
	onset, next := at.ZoneBounds()
	tz.Components = append(tz.Components, observance(loc, onset, at))
	for !next.IsZero() && next.Before(to) {
		tz.Components = append(tz.Components, observance(loc, next, next))
		_, next = next.In(loc).ZoneBounds()
	}
	return tz
}

// observance is the STANDARD or DAYLIGHT part of a VTIMEZONE for the period of
// loc that begins at onset (zero: it always applied) and holds at.
func observance(loc *time.Location, onset, at time.Time) ics.Component {
	abbrev, to := at.In(loc).Zone()
	from := to
	start := "19700101T000000"
	if !onset.IsZero() {
		_, from = onset.Add(-time.Second).In(loc).Zone()
		// An observance starts at the local time of the offset before it.
		start = onset.In(time.FixedZone("", from)).Format(localLayout)
	}
	var c ics.ComponentBase
	c.SetProperty(ics.ComponentPropertyDtStart, start)
	c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), utcOffset(from))
	c.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), utcOffset(to))
	c.SetProperty(ics.ComponentProperty(ics.PropertyTzname), abbrev)
	if at.In(loc).IsDST() {
		return &ics.Daylight{ComponentBase: c}
	}
	return &ics.Standard{ComponentBase: c}
}

// utcOffset writes an offset in seconds as RFC 5545's UTC-OFFSET: +0100, -0330.
func utcOffset(secs int) string {
	sign := '+'
	if secs < 0 {
		sign, secs = '-', -secs
	}
	s := fmt.Sprintf("%c%02d%02d", sign, secs/3600, secs/60%60)
	if secs%60 != 0 {
		s += fmt.Sprintf("%02d", secs%60)
	}
	return s
}
