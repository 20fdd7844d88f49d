package api

import (
	"bytes"
	"net/http"
	"net/url"
	"sync"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// The range of the iCalendar feed when the request gives no start or end, as
// subscribing clients fetch it without parameters: from ICSLookBack before
// today, for ICSSpan. (The JSON feed's is today for DefaultListSpan.)
const (
	ICSLookBack = 30 * 24 * time.Hour
	ICSSpan     = pool.MaxRange
)

// calendarRoutes adds the calendar feeds to rt:
//
//	GET /api/schedule/calendar       a FullCalendar JSON event source
//	GET /api/schedule/calendar.ics   the same as an RFC 5545 feed, reached by
//	                                 a signed personal link (see feedRoutes)
func (c Calendar) calendarRoutes(rt *Router, now func() time.Time) {
	rt.handle(http.MethodGet, "/api/schedule/calendar", func(w http.ResponseWriter, r *http.Request) error {
		s, err := c.readSchedule(r, now(), 0, DefaultListSpan)
		if err != nil {
			return err
		}
		events, err := s.Events()
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, s.FullCalendar(events))
		return nil
	})
	rt.handlePublic(http.MethodGet, feedPath, func(w http.ResponseWriter, r *http.Request) error {
		r, err := c.feedRequest(r)
		if err != nil {
			return err
		}
		at := now()
		s, err := c.readSchedule(r, at, ICSLookBack, ICSSpan)
		if err != nil {
			return err
		}
		if c.ICS == nil {
			return errFeedsOff
		}
		var feed bytes.Buffer
		if err := c.ICS(&feed, s, feedName(r.URL.Query()), at); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
		w.Header().Set("Content-Disposition", `inline; filename="zoom-pool.ics"`)
		_, _ = w.Write(feed.Bytes())
		return nil
	})
}

// feedName names the iCalendar feed after its filters.
func feedName(v url.Values) string {
	name := "Zoom Pool"
	if t := v.Get("teacher_id"); t != "" {
		name += ", teacher " + t
	}
	if g := v.Get("group_id"); g != "" {
		name += ", group " + g
	}
	return name
}

// readSchedule reads the request's range and filters (?start=&end=&teacher_id=
// &group_id=&timeZone=) and the lessons and recurring lessons for them. The
// range defaults to span from lookBack before today's midnight in timeZone.
func (c Calendar) readSchedule(r *http.Request, now time.Time, lookBack, span time.Duration) (schedule.Schedule, error) {
	q, loc, err := calendarRange(r, now, lookBack, span)
	if err != nil {
		return schedule.Schedule{}, err
	}
	s := schedule.Schedule{From: q.From, To: q.To, Anchor: c.Anchor, Zone: loc}
	var lessonsErr, recurringErr error
	var wg sync.WaitGroup
	wg.Go(func() { s.Lessons, lessonsErr = c.Lessons.Lessons(r.Context(), q) })
	wg.Go(func() { s.Recurring, recurringErr = c.Recurring.RecurringLessons(r.Context(), schedule.SeriesQuery(q)) })
	wg.Wait()
	if lessonsErr != nil {
		return schedule.Schedule{}, lessonsErr
	}
	return s, recurringErr
}

// calendarRange reads the request's zone (?timeZone=, an IANA name; UTC when
// absent), range and filters (?start=&end=&teacher_id=&group_id=). The range
// defaults to span from lookBack before today's midnight in the zone.
func calendarRange(r *http.Request, now time.Time, lookBack, span time.Duration) (pool.LessonQuery, *time.Location, error) {
	loc := time.UTC
	if name := r.URL.Query().Get("timeZone"); name != "" {
		var err error
		if loc, err = pool.Zone(name); err != nil {
			return pool.LessonQuery{}, nil, pool.Invalidf(`timeZone %q is not an IANA time zone name such as "Europe/Berlin"`, name)
		}
	}
	today := schedule.LocalTime(pool.DateOf(now.In(loc)), 0, loc)
	q, err := rangeQuery(r, loc, today.Add(-lookBack), span)
	return q, loc, err
}
