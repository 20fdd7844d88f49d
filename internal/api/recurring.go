package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// RecurringStore is the storage of recurring lessons the calendar function needs.
type RecurringStore interface {
	pool.RecurringWriter
	// RecurringLessons returns the recurring lessons q selects, in no order.
	RecurringLessons(ctx context.Context, q pool.RecurringQuery) ([]pool.RecurringLesson, error)
	// RecurringLessonsPage returns up to limit of them, ordered by their last
	// valid day (open series last) and id, after the page whose cursor is
	// cursor ("" for the first), and the cursor of the next page ("" when none
	// follows). A malformed cursor is EINVALID.
	RecurringLessonsPage(ctx context.Context, q pool.RecurringQuery, cursor string, limit int) ([]pool.RecurringLesson, string, error)
	// DeleteRecurringLessonVersion removes one if it is still at version, or
	// returns pool.ErrRecurringChanged (or recurring_lesson_not_found).
	DeleteRecurringLessonVersion(ctx context.Context, id string, version int) error
}

// recurringRoutes adds the recurring lessons API to rt:
//
//	GET, POST /api/schedule/recurring-lessons
//	GET, PATCH, DELETE /api/schedule/recurring-lessons/{id}
//	POST /api/schedule/recurring-lessons/{id}/cancelled-dates
func (c Calendar) recurringRoutes(rt *Router) {
	const base = "/api/schedule/recurring-lessons"
	rt.handle(http.MethodGet, base, func(w http.ResponseWriter, r *http.Request) error {
		v := r.URL.Query()
		q := pool.RecurringQuery{TeacherID: v.Get("teacher_id"), GroupID: v.Get("group_id")}
		if err := q.Validate(); err != nil {
			return err
		}
		cursor, limit, err := pageRequest(r)
		if err != nil {
			return err
		}
		rs, next, err := c.Recurring.RecurringLessonsPage(r.Context(), q, cursor, limit)
		if err != nil {
			return err
		}
		out := make([]recurringJSON, len(rs))
		for i, rl := range rs {
			out[i] = newRecurringJSON(rl)
		}
		setNextPage(w, r, next)
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	rt.handle(http.MethodPost, base, func(w http.ResponseWriter, r *http.Request) error {
		var in recurringInput
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		caller := CallerOf(r)
		rl := pool.RecurringLesson{ID: in.ID.orNew(), WeekType: pool.EveryWeek, TeacherID: caller.defaultTeacher()}
		if err := in.apply(&rl); err != nil {
			return err
		}
		if err := caller.mayKeep("a recurring lesson", rl.TeacherID); err != nil {
			return err
		}
		if err := rl.Validate(); err != nil {
			return err
		}
		rl, err := c.Recurring.PutRecurringLesson(r.Context(), rl)
		if err != nil {
			return err
		}
		w.Header().Set("Location", base+"/"+rl.ID+"/")
		writeJSON(w, http.StatusCreated, c.recurringWithWarnings(r, rl))
		return nil
	})
	rt.handle(http.MethodGet, base+"/{id}", func(w http.ResponseWriter, r *http.Request) error {
		rl, err := c.Recurring.RecurringLesson(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newRecurringJSON(rl))
		return nil
	})
	rt.handle(http.MethodPatch, base+"/{id}", func(w http.ResponseWriter, r *http.Request) error {
		var in recurringInput
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		caller := CallerOf(r)
		rl, err := pool.EditRecurringLesson(r.Context(), c.Recurring, r.PathValue("id"), func(rl *pool.RecurringLesson) error {
			what := "recurring lesson " + rl.ID
			if err := caller.mayEdit(what, rl.TeacherID); err != nil {
				return err
			}
			if err := in.apply(rl); err != nil {
				return err
			}
			return caller.mayKeep(what, rl.TeacherID)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, c.recurringWithWarnings(r, rl))
		return nil
	})
	rt.handle(http.MethodDelete, base+"/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if err := c.deleteRecurring(r.Context(), CallerOf(r), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	rt.handle(http.MethodPost, base+"/{id}/cancelled-dates", func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Date *string `json:"date"`
		}
		if err := decodeBody(w, r, &in); err != nil {
			return err
		}
		if in.Date == nil {
			return pool.Invalidf(`date is required: the day of the occurrence to cancel, such as "2026-09-14"`)
		}
		d, err := parseDate("date", *in.Date)
		if err != nil {
			return err
		}
		caller := CallerOf(r)
		rl, err := pool.EditRecurringLesson(r.Context(), c.Recurring, r.PathValue("id"), func(rl *pool.RecurringLesson) error {
			if err := caller.mayEdit("recurring lesson "+rl.ID, rl.TeacherID); err != nil {
				return err
			}
			return cancelOccurrence(rl, d, c.Anchor)
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newRecurringJSON(rl))
		return nil
	})
}

// deleteRecurring removes recurring lesson id if the caller may, conditional
// on the version the decision was made on, so that a series given to another
// teacher meanwhile is not deleted by its former one.
func (c Calendar) deleteRecurring(ctx context.Context, caller Caller, id string) error {
	for attempt := 0; ; attempt++ {
		rl, err := c.Recurring.RecurringLesson(ctx, id)
		if err != nil {
			return err
		}
		if err := caller.mayEdit("recurring lesson "+id, rl.TeacherID); err != nil {
			return err
		}
		err = c.Recurring.DeleteRecurringLessonVersion(ctx, id, rl.Version)
		switch {
		case !errors.Is(err, pool.ErrRecurringChanged):
			return err
		case attempt == 7:
			return pool.Busy("recurring lesson "+id, time.Second, err)
		}
		t := time.NewTimer(pool.Backoff(attempt, 10*time.Millisecond, 200*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// cancelOccurrence adds d to rl's cancelled dates if rl meets on d (weeks
// counted from anchor, or d's schedule.DefaultAnchor when it is zero) and its
// occurrence was not started; cancelling twice is harmless.
func cancelOccurrence(rl *pool.RecurringLesson, d pool.Date, anchor pool.Date) error {
	if rl.Cancelled(d) {
		return nil
	}
	o, err := schedule.OccurrenceOn(*rl, d, anchor)
	if pe, ok := errors.AsType[*pool.Error](err); ok && pe.Kind == pool.KindNotFound {
		return pool.Invalidf("%s", pe.Message) // a wrong date in the request, not a missing resource
	}
	switch {
	case err != nil:
		return err
	case o.Excluded:
		id := pool.OccurrenceID(rl.ID, d)
		return pool.Conflictf("occurrence_started", "the occurrence on %s was started and is lesson %s now; cancel that lesson instead (DELETE /api/schedule/lessons/%s/)", d, id, id)
	}
	rl.CancelledDates = pool.SortDates(append(rl.CancelledDates, d))
	return nil
}

// recurringInput is the body of POST and PATCH; absent fields are nil. The id
// of an existing recurring lesson never changes, nor do its materialised dates.
type recurringInput struct {
	ID              *flexID      `json:"id"`
	Title           *string      `json:"title"`
	TeacherID       *flexID      `json:"teacher_id"`
	GroupID         *flexID      `json:"group_id"`
	Weekday         *int         `json:"weekday"`
	StartTime       *string      `json:"start_time"`
	DurationMinutes *int         `json:"duration_minutes"`
	TimeZone        *string      `json:"timezone"`
	WeekType        *string      `json:"week_type"`
	ValidFrom       *string      `json:"valid_from"`
	ValidUntil      nullableText `json:"valid_until"`
	CancelledDates  *[]string    `json:"cancelled_dates"`
}

// apply copies the fields present in the input onto rl.
func (in recurringInput) apply(rl *pool.RecurringLesson) error {
	setString(&rl.Title, in.Title)
	setString(&rl.TimeZone, in.TimeZone)
	if in.TeacherID != nil {
		rl.TeacherID = string(*in.TeacherID)
	}
	if in.GroupID != nil {
		rl.GroupID = string(*in.GroupID)
	}
	if in.Weekday != nil {
		rl.Weekday = *in.Weekday
	}
	if in.DurationMinutes != nil {
		rl.DurationMinutes = *in.DurationMinutes
	}
	if in.WeekType != nil {
		rl.WeekType = pool.WeekType(*in.WeekType)
	}
	if in.StartTime != nil {
		t, err := pool.ParseTimeOfDay(*in.StartTime)
		if err != nil {
			return pool.Invalidf(`start_time must be a local time "HH:MM" from 00:00 to 23:59, such as "09:30"; got %q`, *in.StartTime)
		}
		rl.StartTime = t
	}
	var err error
	if in.ValidFrom != nil {
		if rl.ValidFrom, err = parseDate("valid_from", *in.ValidFrom); err != nil {
			return err
		}
	}
	if in.ValidUntil.set {
		rl.ValidUntil = pool.Date{}
		if in.ValidUntil.value != nil {
			if rl.ValidUntil, err = parseDate("valid_until", *in.ValidUntil.value); err != nil {
				return err
			}
		}
	}
	if in.CancelledDates != nil {
		dates := make([]pool.Date, len(*in.CancelledDates))
		for i, s := range *in.CancelledDates {
			if dates[i], err = parseDate("cancelled_dates", s); err != nil {
				return err
			}
		}
		rl.CancelledDates = pool.SortDates(dates)
	}
	return nil
}

func setString(dst, src *string) {
	if src != nil {
		*dst = *src
	}
}

func parseDate(name, s string) (pool.Date, error) {
	d, err := pool.ParseDate(s)
	if err != nil {
		return pool.Date{}, pool.Invalidf("%s must hold dates such as 2026-09-01; got %q", name, s)
	}
	return d, nil
}

// nullableText is a JSON field that may be absent, null (which clears it) or a string.
type nullableText struct {
	set   bool
	value *string
}

func (n *nullableText) UnmarshalJSON(b []byte) error {
	n.set = true
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflectString}
	}
	n.value = &s
	return nil
}

type recurringJSON struct {
	ID                string   `json:"id"`
	Title             string   `json:"title"`
	TeacherID         string   `json:"teacher_id"`
	GroupID           string   `json:"group_id"`
	Weekday           int      `json:"weekday"`
	StartTime         string   `json:"start_time"`
	DurationMinutes   int      `json:"duration_minutes"`
	TimeZone          string   `json:"timezone"`
	WeekType          string   `json:"week_type"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        *string  `json:"valid_until"`
	CancelledDates    []string `json:"cancelled_dates"`
	MaterializedDates []string `json:"materialized_dates"`
}

func newRecurringJSON(rl pool.RecurringLesson) recurringJSON {
	dates := func(ds []pool.Date) []string {
		out := make([]string, len(ds))
		for i, d := range ds {
			out[i] = d.String()
		}
		return out
	}
	return recurringJSON{
		ID: rl.ID, Title: rl.Title, TeacherID: rl.TeacherID, GroupID: rl.GroupID,
		Weekday: rl.Weekday, StartTime: rl.StartTime.String(), DurationMinutes: rl.DurationMinutes,
		TimeZone: rl.TimeZone, WeekType: string(rl.WeekType), ValidFrom: rl.ValidFrom.String(),
		ValidUntil: nonEmpty(rl.ValidUntil.String()), CancelledDates: dates(rl.CancelledDates),
		MaterializedDates: dates(rl.Materialized),
	}
}
