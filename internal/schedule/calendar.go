package schedule

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"zoompool/internal/pool"
)

// Schedule is the calendar of the range [From, To): the lessons that overlap
// it and the recurring lessons that may meet in it.
type Schedule struct {
	From, To time.Time
	// Anchor is the configured Monday of an upper week (UPPER_WEEK_ANCHOR).
	// When it is zero, each date is placed by its own academic year's
	// DefaultAnchor.
	Anchor pool.Date
	// Zone is the zone the calendar is shown in: of FullCalendar's times, and
	// of the day that decides a one-off lesson's week. UTC when nil.
	Zone *time.Location
	// Lessons overlap the range; materialised occurrences among them.
	Lessons []pool.Lesson
	// Recurring lessons may have occurrences in the range, or none.
	Recurring []pool.RecurringLesson
}

func (s Schedule) zone() *time.Location {
	if s.Zone == nil {
		return time.UTC
	}
	return s.Zone
}

// EventKind tells lessons from virtual occurrences.
type EventKind string

// Event kinds.
const (
	KindLesson     EventKind = "lesson"
	KindOccurrence EventKind = "occurrence"
)

// Event is one entry of the calendar: a stored lesson, or a virtual
// occurrence of a recurring lesson.
type Event struct {
	// ID is the lesson's id, or the occurrence's OccurrenceID, which is also the
	// id of the lesson it becomes when started. The start route takes both.
	ID         string
	Kind       EventKind
	Title      string
	Start, End time.Time
	TeacherID  string
	GroupID    string
	Status     pool.LessonStatus
	// RecurringID and OccurrenceDate are set on occurrences and on lessons that
	// materialise one.
	RecurringID    string
	OccurrenceDate pool.Date
	// WeekType is the series' week type, when the event belongs to one read
	// with the schedule.
	WeekType pool.WeekType
	// Week is the parity (upper or lower) of the week the event falls in: of
	// its occurrence date, or of a one-off lesson's start day in the zone.
	Week pool.WeekType
	// JoinURL is set on live lessons.
	JoinURL string
}

// Events returns the lessons and the occurrences of the recurring lessons in
// the range, sorted by start (then id). An occurrence that was cancelled
// produces nothing; one that was materialised is shown only as its lesson,
// and not at all when that lesson was moved out of the range.
func (s Schedule) Events() ([]Event, error) {
	type occurrence struct {
		recurringID string
		date        pool.Date
	}
	// The recurring lessons record their materialised dates; the lessons read
	// with them are checked too, as the two reads are not one snapshot.
	var materialised map[occurrence]bool
	var weekTypes map[string]pool.WeekType // of the series, by id
	for _, l := range s.Lessons {
		if !l.Materializes() {
			continue
		}
		if materialised == nil {
			materialised = map[occurrence]bool{}
			weekTypes = make(map[string]pool.WeekType, len(s.Recurring))
			for _, r := range s.Recurring {
				weekTypes[r.ID] = r.WeekType
			}
		}
		d, _ := pool.ParseDate(l.OccurrenceDate) // Materializes checked it
		materialised[occurrence{l.RecurringID, d}] = true
	}

	// What is sorted are small records of the lessons' and occurrences'
	// starts, pointing to their ids and sources: an Event is large, and a
	// school's series make tens of thousands of them a year.
	n := len(s.Lessons)
	for _, r := range s.Recurring {
		n += slotsAbout(r, s.From, s.To)
	}
	refs := make([]eventRef, 0, n)
	ids := make([]string, 0, n)
	sources := make([]eventSource, 0, n)
	for i, l := range s.Lessons {
		refs = append(refs, eventRef{sec: l.Start.Unix(), nsec: int32(l.Start.Nanosecond()), i: int32(len(ids))})
		ids = append(ids, l.ID)
		sources = append(sources, eventSource{series: -1, index: int32(i)})
	}
	zones := make([]*time.Location, len(s.Recurring))
	var buf []byte
	var ends []int
	for i, r := range s.Recurring {
		loc, err := pool.Zone(r.TimeZone)
		if err != nil {
			return nil, fmt.Errorf("recurring lesson %s: %w", r.ID, err)
		}
		zones[i] = loc
		// The ids of a series' occurrences share one string.
		buf, ends = buf[:0], ends[:0]
		firstID := len(ids)
		eachSlot(r, loc, s.From, s.To, s.Anchor, func(o Occurrence) {
			if o.Excluded || materialised[occurrence{r.ID, o.Date}] {
				return
			}
			buf = appendOccurrenceID(buf, r.ID, o.Date)
			ends = append(ends, len(buf))
			// Occurrences start on a whole minute: their seconds say it all.
			refs = append(refs, eventRef{sec: o.Start.Unix(), i: int32(len(ids))})
			ids = append(ids, "")
			sources = append(sources, eventSource{series: int32(i), index: int32(dayNumber(o.Date)), upper: o.Week == pool.UpperWeeks})
		})
		all, from := string(buf), 0
		for k, end := range ends {
			ids[firstID+k] = all[from:end]
			from = end
		}
	}
	sortEvents(refs, ids)

	events := make([]Event, len(refs))
	for k, ref := range refs {
		e, src := &events[k], sources[ref.i]
		if src.series < 0 {
			s.lessonEvent(e, s.Lessons[src.index], weekTypes)
			continue
		}
		r := &s.Recurring[src.series]
		start := time.Unix(ref.sec, 0).In(zones[src.series])
		week := pool.LowerWeeks
		if src.upper {
			week = pool.UpperWeeks
		}
		*e = Event{ID: ids[ref.i], Kind: KindOccurrence, Title: r.Title,
			Start: start, End: start.Add(time.Duration(r.DurationMinutes) * time.Minute),
			TeacherID: r.TeacherID, GroupID: r.GroupID, Status: pool.StatusScheduled,
			RecurringID: r.ID, OccurrenceDate: dateOfDay(int(src.index)), WeekType: r.WeekType, Week: week}
	}
	return events, nil
}

// slotsAbout estimates how many slots r has in [from, to), to size buffers.
func slotsAbout(r pool.RecurringLesson, from, to time.Time) int {
	n := int(to.Sub(from)/(7*24*time.Hour)) + 2
	if r.WeekType != pool.EveryWeek {
		n = n/2 + 2
	}
	return n
}

// eventRef is an event to sort: its start, and its index in the id and
// source slices. It holds no pointer, so sorting moves 16 bytes and passes
// no write barrier.
type eventRef struct {
	sec     int64
	nsec, i int32
}

// eventSource is lesson index (series < 0), or the occurrence of series on
// day number index, in an upper week or not.
type eventSource struct {
	series, index int32
	upper         bool
}

// sortEvents sorts refs by start, then id. The events of a range spread over
// its days, so they are put in order of their day first (a counting sort),
// and each day's few events are sorted then.
func sortEvents(refs []eventRef, ids []string) {
	byStartAndID := func(a, b eventRef) int {
		return cmp.Or(cmp.Compare(a.sec, b.sec), cmp.Compare(a.nsec, b.nsec), strings.Compare(ids[a.i], ids[b.i]))
	}
	if len(refs) < 2 {
		return
	}
	const day = 24 * 60 * 60
	lo, hi := refs[0].sec, refs[0].sec
	for _, r := range refs {
		lo, hi = min(lo, r.sec), max(hi, r.sec)
	}
	days := (hi-lo)/day + 1
	if days > int64(len(refs))+1000 {
		slices.SortFunc(refs, byStartAndID) // a few events far apart
		return
	}
	starts := make([]int, days+1) // of each day's events in the sorted order
	for _, r := range refs {
		starts[(r.sec-lo)/day+1]++
	}
	for d := 1; d < len(starts); d++ {
		starts[d] += starts[d-1]
	}
	sorted := make([]eventRef, len(refs))
	next := slices.Clone(starts[:days])
	for _, r := range refs {
		d := (r.sec - lo) / day
		sorted[next[d]] = r
		next[d]++
	}
	for d := range days {
		slices.SortFunc(sorted[starts[d]:starts[d+1]], byStartAndID)
	}
	copy(refs, sorted)
}

// lessonEvent fills e with lesson l; weekTypes are the series' week types
// by id.
func (s Schedule) lessonEvent(e *Event, l pool.Lesson, weekTypes map[string]pool.WeekType) {
	*e = Event{ID: l.ID, Kind: KindLesson, Title: l.Title, Start: l.Start, End: l.End,
		TeacherID: l.TeacherID, GroupID: l.GroupID, Status: l.Status,
		Week: WeekOf(pool.DateOf(l.Start.In(s.zone())), s.Anchor)}
	if l.Status == pool.StatusLive && l.Meeting != nil {
		e.JoinURL = l.Meeting.JoinURL
	}
	if l.Materializes() {
		d, _ := pool.ParseDate(l.OccurrenceDate) // Materializes checked it
		e.RecurringID, e.OccurrenceDate, e.Week = l.RecurringID, d, WeekOf(d, s.Anchor)
		e.WeekType = weekTypes[l.RecurringID]
	}
}

// appendOccurrenceID appends pool.OccurrenceID(recurringID, d) to b.
func appendOccurrenceID(b []byte, recurringID string, d pool.Date) []byte {
	b = append(b, recurringID...)
	b = append(b, '@')
	if d.Year < 0 || d.Year > 9999 {
		return d.AppendFormat(b)
	}
	return append(b, byte('0'+d.Year/1000), byte('0'+d.Year/100%10), byte('0'+d.Year/10%10), byte('0'+d.Year%10), '-',
		byte('0'+d.Month/10), byte('0'+d.Month%10), '-', byte('0'+d.Day/10), byte('0'+d.Day%10))
}

// FullCalendarEvent is an event object of a FullCalendar JSON event source.
type FullCalendarEvent struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	Start         string     `json:"start"`
	End           string     `json:"end"`
	ExtendedProps EventProps `json:"extendedProps"`
}

// EventProps are a FullCalendarEvent's extendedProps.
type EventProps struct {
	Kind           EventKind `json:"kind"`
	LessonID       string    `json:"lesson_id,omitempty"`
	RecurringID    string    `json:"recurring_id,omitempty"`
	OccurrenceDate string    `json:"occurrence_date,omitempty"`
	TeacherID      string    `json:"teacher_id"`
	GroupID        string    `json:"group_id"`
	WeekType       string    `json:"week_type,omitempty"`
	Week           string    `json:"week"`
	Status         string    `json:"status"`
	JoinURL        string    `json:"join_url,omitempty"`
}

// FullCalendar returns the events as FullCalendar event objects, with RFC
// 3339 times in the schedule's zone.
func (s Schedule) FullCalendar(events []Event) []FullCalendarEvent {
	out := make([]FullCalendarEvent, len(events))
	for i, e := range events {
		out[i] = FullCalendarEvent{
			ID: e.ID, Title: e.Title,
			Start: e.Start.In(s.zone()).Format(time.RFC3339), End: e.End.In(s.zone()).Format(time.RFC3339),
			ExtendedProps: EventProps{Kind: e.Kind, RecurringID: e.RecurringID, OccurrenceDate: e.OccurrenceDate.String(),
				TeacherID: e.TeacherID, GroupID: e.GroupID, WeekType: string(e.WeekType), Week: string(e.Week),
				Status: string(e.Status), JoinURL: e.JoinURL},
		}
		if e.Kind == KindLesson {
			out[i].ExtendedProps.LessonID = e.ID
		}
	}
	return out
}
