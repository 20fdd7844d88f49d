package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"zoompool/internal/auth/feedlink"
	"zoompool/internal/forecast"
	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// LessonStore is the storage of lessons the calendar function needs.
type LessonStore interface {
	pool.LessonKeeper
	// Lessons returns the lessons overlapping the query's range, sorted by start.
	Lessons(ctx context.Context, q pool.LessonQuery) ([]pool.Lesson, error)
	// LessonsPage returns up to limit of those lessons, in that order, after
	// the page whose cursor is cursor ("" for the first), and the cursor of
	// the next page ("" when none follows). A malformed cursor is EINVALID.
	LessonsPage(ctx context.Context, q pool.LessonQuery, cursor string, limit int) ([]pool.Lesson, string, error)
}

// Calendar is what the calendar function's handler needs.
type Calendar struct {
	Lessons   LessonStore
	Recurring RecurringStore
	// Anchor is the configured upper-week anchor (UPPER_WEEK_ANCHOR); zero
	// places each date by its own academic year's schedule.DefaultAnchor.
	Anchor pool.Date
	// Feeds signs the private links of the iCalendar feed; nil switches
	// the feed off.
	Feeds *feedlink.Keyring
	// ICS writes the iCalendar feed (ical.Write, which only the calendar
	// function links); nil switches the feed off.
	ICS func(w io.Writer, s schedule.Schedule, name string, now time.Time) error
	// Users keeps the version of each user's feed links.
	Users FeedVersions
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
	// Forecast computes the capacity route's forecasts and the warnings of
	// lessons and recurring lessons as they are written.
	Forecast *forecast.Planner
	// WarningsTimeout bounds the reads behind a write's warnings;
	// the constant WarningsTimeout when zero.
	WarningsTimeout time.Duration
}

// DefaultListSpan is how far ahead GET /api/schedule/lessons looks when the
// request gives no end.
const DefaultListSpan = 7 * 24 * time.Hour

// NewCalendar returns the calendar function's handler:
//
//	GET, POST /api/schedule/lessons
//	GET, PATCH, DELETE /api/schedule/lessons/{id}
//	GET, POST /api/schedule/recurring-lessons
//	GET, PATCH, DELETE /api/schedule/recurring-lessons/{id}
//	POST /api/schedule/recurring-lessons/{id}/cancelled-dates
//	GET /api/schedule/calendar
//	GET /api/schedule/calendar.ics (no sign-in: a signed link)
//	GET, DELETE /api/schedule/calendar/feed-url
//	GET /api/schedule/capacity
func NewCalendar(c Calendar) *Router {
	now := c.Now
	if now == nil {
		now = time.Now
	}
	rt := NewRouter(c.Log)
	rt.handle(http.MethodGet, "/api/schedule/lessons", func(w http.ResponseWriter, r *http.Request) error {
		q, err := lessonQuery(r, now())
		if err != nil {
			return err
		}
		cursor, limit, err := pageRequest(r)
		if err != nil {
			return err
		}
		lessons, next, err := c.Lessons.LessonsPage(r.Context(), q, cursor, limit)
		if err != nil {
			return err
		}
		caller := CallerOf(r)
		out := make([]lessonJSON, len(lessons))
		for i, l := range lessons {
			out[i] = caller.lessonJSON(l)
		}
		setNextPage(w, r, next)
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	rt.handle(http.MethodPost, "/api/schedule/lessons", func(w http.ResponseWriter, r *http.Request) error {
		var in lessonInput
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		caller := CallerOf(r)
		l := pool.Lesson{ID: in.ID.orNew(), Status: pool.StatusScheduled, TeacherID: caller.defaultTeacher()}
		if err := in.apply(&l); err != nil {
			return err
		}
		if err := caller.mayKeep("a lesson", l.TeacherID); err != nil {
			return err
		}
		if err := l.Validate(); err != nil {
			return err
		}
		l, err := c.Lessons.PutLesson(r.Context(), l)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/api/schedule/lessons/"+l.ID+"/")
		writeJSON(w, http.StatusCreated, c.lessonWithWarnings(r, l))
		return nil
	})
	rt.handle(http.MethodGet, "/api/schedule/lessons/{id}", func(w http.ResponseWriter, r *http.Request) error {
		l, err := c.Lessons.Lesson(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, CallerOf(r).lessonJSON(l))
		return nil
	})
	rt.handle(http.MethodPatch, "/api/schedule/lessons/{id}", func(w http.ResponseWriter, r *http.Request) error {
		var in lessonInput
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		caller := CallerOf(r)
		l, err := pool.EditLesson(r.Context(), c.Lessons, r.PathValue("id"), func(l *pool.Lesson) error {
			what := "lesson " + l.ID
			if err := caller.mayEdit(what, l.TeacherID); err != nil {
				return err
			}
			if l.Status == pool.StatusCancelled {
				return pool.Conflictf("lesson_cancelled", "lesson %s was cancelled and cannot be changed", l.ID)
			}
			if err := in.apply(l); err != nil {
				return err
			}
			return caller.mayKeep(what, l.TeacherID)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c.lessonWithWarnings(r, l))
		return nil
	})
	rt.handle(http.MethodDelete, "/api/schedule/lessons/{id}", func(w http.ResponseWriter, r *http.Request) error {
		caller := CallerOf(r)
		l, err := pool.CancelLesson(r.Context(), c.Lessons, r.PathValue("id"), now(), func(l *pool.Lesson) error {
			if err := caller.mayEdit("lesson "+l.ID, l.TeacherID); err != nil {
				return err
			}
			return pool.Cancel(l)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, caller.lessonJSON(l))
		return nil
	})
	c.recurringRoutes(rt)
	c.calendarRoutes(rt, now)
	c.feedRoutes(rt)
	c.capacityRoutes(rt, now)
	return rt
}

// lessonQuery reads ?start=&end=&teacher_id=&group_id=. Without start the list
// begins today (UTC); without end it spans DefaultListSpan.
func lessonQuery(r *http.Request, now time.Time) (pool.LessonQuery, error) {
	return rangeQuery(r, time.UTC, now.UTC().Truncate(24*time.Hour), DefaultListSpan)
}

// rangeQuery reads ?start=&end=&teacher_id=&group_id=, with dates and times
// without an offset in loc. Without start the range begins at from; without
// end it spans span.
func rangeQuery(r *http.Request, loc *time.Location, from time.Time, span time.Duration) (pool.LessonQuery, error) {
	v := r.URL.Query()
	q := pool.LessonQuery{TeacherID: v.Get("teacher_id"), GroupID: v.Get("group_id")}
	var err error
	if q.From, err = parseInstant("start", v.Get("start"), from, loc); err != nil {
		return q, err
	}
	if q.To, err = parseInstant("end", v.Get("end"), q.From.Add(span), loc); err != nil {
		return q, err
	}
	return q, q.Validate()
}

// parseInstant parses an RFC 3339 date-time; a date-time without an offset
// (as FullCalendar sends them with a named time zone), meaning that time in
// loc; or a date, meaning its midnight in loc.
func parseInstant(name, s string, def time.Time, loc *time.Location) (time.Time, error) {
	if s == "" {
		return def, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return schedule.LocalTime(pool.DateOf(t), pool.TimeOfDay(t.Hour()*60+t.Minute()), loc).Add(time.Duration(t.Second()) * time.Second).UTC(), nil
		}
	}
	return time.Time{}, pool.Invalidf("%s must be an RFC 3339 date-time such as 2026-11-30T09:00:00Z, or a date such as 2026-11-30; got %q", name, s)
}

// lessonInput is the body of POST and PATCH; absent fields are nil.
type lessonInput struct {
	ID        *flexID `json:"id"`
	Title     *string `json:"title"`
	TeacherID *flexID `json:"teacher_id"`
	GroupID   *flexID `json:"group_id"`
	StartTime *string `json:"start_time"`
	EndTime   *string `json:"end_time"`
	Topics    *string `json:"topics"`
}

// apply copies the fields present in the input onto l. The id of an existing
// lesson never changes.
func (in lessonInput) apply(l *pool.Lesson) error {
	if in.Title != nil {
		l.Title = *in.Title
	}
	if in.TeacherID != nil {
		l.TeacherID = string(*in.TeacherID)
	}
	if in.GroupID != nil {
		l.GroupID = string(*in.GroupID)
	}
	if in.Topics != nil {
		l.Topics = *in.Topics
	}
	for _, f := range []struct {
		name string
		in   *string
		out  *time.Time
	}{{"start_time", in.StartTime, &l.Start}, {"end_time", in.EndTime, &l.End}} {
		if f.in == nil {
			continue
		}
		t, err := time.Parse(time.RFC3339, *f.in)
		if err != nil {
			return pool.Invalidf("%s must be an RFC 3339 date-time with a time zone, such as 2026-11-30T09:00:00+01:00; got %q", f.name, *f.in)
		}
		*f.out = t.UTC().Truncate(time.Second)
	}
	return nil
}

// flexID is an id sent as a JSON string or, as the old frontend's numeric
// primary keys were, as a whole number.
type flexID string

func (id *flexID) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*id = flexID(s)
		return nil
	}
	var n int64
	if err := json.Unmarshal(b, &n); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflectString}
	}
	*id = flexID(strconv.FormatInt(n, 10))
	return nil
}

func (id *flexID) orNew() string {
	if id == nil || *id == "" {
		return pool.NewID()
	}
	return string(*id)
}

type lessonJSON struct {
	ID            string  `json:"id"`
	Title         string  `json:"title"`
	TeacherID     string  `json:"teacher_id"`
	GroupID       string  `json:"group_id"`
	StartTime     string  `json:"start_time"`
	EndTime       string  `json:"end_time"`
	Topics        string  `json:"topics"`
	Status        string  `json:"status"`
	ZoomMeetingID *string `json:"zoom_meeting_id"`
	ZoomStartURL  *string `json:"zoom_start_url"`
	// ZoomStartURLAt is when Zoom issued the host link; its host key lasts
	// about two hours, and starting the lesson again renews it.
	ZoomStartURLAt *string `json:"zoom_start_url_issued_at"`
	ZoomJoinURL    *string `json:"zoom_join_url"`
	ZoomPassword   *string `json:"zoom_password"`
	ZoomAccount    *string `json:"zoom_account_used"`
	ZoomAccountNm  *string `json:"zoom_account_name"`
	EndedAt        *string `json:"ended_at"`
	RecurringID    *string `json:"recurring_id,omitempty"`
	OccurrenceDate *string `json:"occurrence_date,omitempty"`
}

func newLessonJSON(l pool.Lesson) lessonJSON {
	j := lessonJSON{
		ID: l.ID, Title: l.Title, TeacherID: l.TeacherID, GroupID: l.GroupID,
		StartTime: l.Start.UTC().Format(time.RFC3339), EndTime: l.End.UTC().Format(time.RFC3339),
		Topics: l.Topics, Status: string(l.Status),
		ZoomAccount: nonEmpty(l.AccountID), ZoomAccountNm: nonEmpty(l.AccountName),
		RecurringID: nonEmpty(l.RecurringID), OccurrenceDate: nonEmpty(l.OccurrenceDate),
	}
	if m := l.Meeting; m != nil {
		j.ZoomMeetingID, j.ZoomStartURL, j.ZoomJoinURL, j.ZoomPassword = &m.ID, &m.StartURL, &m.JoinURL, &m.Password
		if !m.StartURLAt.IsZero() {
			s := m.StartURLAt.UTC().Format(time.RFC3339)
			j.ZoomStartURLAt = &s
		}
	}
	if !l.EndedAt.IsZero() {
		s := l.EndedAt.UTC().Format(time.RFC3339)
		j.EndedAt = &s
	}
	return j
}

// lessonJSON is lesson l as the caller may see it: the host link
// (zoom_start_url) only for admins and the lesson's own teacher.
func (c Caller) lessonJSON(l pool.Lesson) lessonJSON {
	j := newLessonJSON(l)
	if !c.seesStartURL(l.TeacherID) {
		j.ZoomStartURL, j.ZoomStartURLAt = nil, nil
	}
	return j
}

// defaultTeacher is the teacher_id of what a teacher creates without naming one.
func (c Caller) defaultTeacher() string {
	if c.IsTeacher() && !c.IsAdmin() {
		return c.TeacherID
	}
	return ""
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
