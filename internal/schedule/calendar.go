package schedule

import (
	"cmp"
	"slices"
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
	series := make(map[string]*pool.RecurringLesson, len(s.Recurring))
	for i := range s.Recurring {
		series[s.Recurring[i].ID] = &s.Recurring[i]
	}
	type occurrence struct {
		recurringID string
		date        pool.Date
	}
	// The recurring lessons record their materialised dates; the lessons read
	// with them are checked too, as the two reads are not one snapshot.
	materialised := map[occurrence]bool{}
	expanded := make([][]Occurrence, len(s.Recurring))
	n := len(s.Lessons)
	for i, r := range s.Recurring {
		var err error
		if expanded[i], err = Expand(r, s.From, s.To, s.Anchor); err != nil {
			return nil, err
		}
		n += len(expanded[i])
	}
	events := make([]Event, 0, n)
	for _, l := range s.Lessons {
		e := Event{ID: l.ID, Kind: KindLesson, Title: l.Title, Start: l.Start, End: l.End,
			TeacherID: l.TeacherID, GroupID: l.GroupID, Status: l.Status,
			Week: WeekOf(pool.DateOf(l.Start.In(s.zone())), s.Anchor)}
		if l.Status == pool.StatusLive && l.Meeting != nil {
			e.JoinURL = l.Meeting.JoinURL
		}
		if l.Materializes() {
			d, _ := pool.ParseDate(l.OccurrenceDate) // Materializes checked it
			materialised[occurrence{l.RecurringID, d}] = true
			e.RecurringID, e.OccurrenceDate, e.Week = l.RecurringID, d, WeekOf(d, s.Anchor)
			if r := series[l.RecurringID]; r != nil {
				e.WeekType = r.WeekType
			}
		}
		events = append(events, e)
	}
	for i, r := range s.Recurring {
		for _, o := range expanded[i] {
			if materialised[occurrence{r.ID, o.Date}] {
				continue
			}
			events = append(events, Event{ID: pool.OccurrenceID(r.ID, o.Date), Kind: KindOccurrence,
				Title: r.Title, Start: o.Start, End: o.End, TeacherID: r.TeacherID, GroupID: r.GroupID,
				Status: pool.StatusScheduled, RecurringID: r.ID, OccurrenceDate: o.Date,
				WeekType: r.WeekType, Week: o.Week})
		}
	}
	slices.SortFunc(events, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return events, nil
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
