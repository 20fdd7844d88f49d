package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"zoompool/internal/forecast"
	"zoompool/internal/pool"
)

// WarningsTimeout bounds the reads behind the warnings of a write, which has
// succeeded by then, unless Calendar.WarningsTimeout says otherwise: past it
// the answer says the check could not be made.
const WarningsTimeout = 3 * time.Second

// lessonAnswer is a lesson as POST and PATCH answer it: the record, and the
// moments when it would find no free Zoom account.
type lessonAnswer struct {
	lessonJSON
	Warnings []any `json:"warnings"`
}

// recurringAnswer is a recurring lesson as POST and PATCH answer it.
type recurringAnswer struct {
	recurringJSON
	Warnings []any `json:"warnings"`
}

// lessonWithWarnings answers lesson l, just written, as the caller may see
// it, with its warnings, written in UTC as the lesson's times are.
func (c Calendar) lessonWithWarnings(r *http.Request, l pool.Lesson) lessonAnswer {
	ws, err := c.warnings(r, func(ctx context.Context, p *forecast.Planner) ([]forecast.Warning, error) {
		return p.LessonWarnings(ctx, l, time.UTC)
	})
	return lessonAnswer{CallerOf(r).lessonJSON(l), c.warningsJSON(ws, err, "lesson", l.ID)}
}

// recurringWithWarnings answers recurring lesson rl, just written, with its
// warnings, written in its zone.
func (c Calendar) recurringWithWarnings(r *http.Request, rl pool.RecurringLesson) recurringAnswer {
	ws, err := c.warnings(r, func(ctx context.Context, p *forecast.Planner) ([]forecast.Warning, error) {
		return p.RecurringWarnings(ctx, rl)
	})
	return recurringAnswer{newRecurringJSON(rl), c.warningsJSON(ws, err, "recurring lesson", rl.ID)}
}

func (c Calendar) warnings(r *http.Request, compute func(context.Context, *forecast.Planner) ([]forecast.Warning, error)) ([]forecast.Warning, error) {
	if c.Forecast == nil {
		return nil, nil
	}
	budget := c.WarningsTimeout
	if budget <= 0 {
		budget = WarningsTimeout
	}
	ctx, cancel := context.WithTimeout(r.Context(), budget)
	defer cancel()
	return compute(ctx, c.Forecast)
}

// overCapacityJSON is a warning that a lesson runs when the pool is short of
// accounts.
type overCapacityJSON struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	Demand    int    `json:"demand"`
	Capacity  int    `json:"capacity"`
	Shortfall int    `json:"shortfall"`
	// Weekday (ISO: 1 = Monday), StartTime and EndTime are in TimeZone.
	Weekday   int          `json:"weekday"`
	StartTime string       `json:"start_time"`
	EndTime   string       `json:"end_time"`
	TimeZone  string       `json:"time_zone"`
	WeekType  string       `json:"week_type,omitempty"`
	Dates     []string     `json:"dates"`
	Moments   []momentJSON `json:"moments"`
}

type momentJSON struct {
	Start   string   `json:"start"`
	End     string   `json:"end"`
	Demand  int      `json:"demand"`
	Lessons []string `json:"lessons"`
}

// uncheckedJSON says that the write succeeded but the check did not.
type uncheckedJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// log is c.Log, or slog's default.
func (c Calendar) log() *slog.Logger {
	if c.Log == nil {
		return slog.Default()
	}
	return c.Log
}

// warningsJSON writes the warnings of the record kind id, or, when computing
// them failed, one that says so; the write stands either way.
func (c Calendar) warningsJSON(ws []forecast.Warning, err error, kind, id string) []any {
	if err != nil {
		c.log().Error("capacity check of a write failed", "record", kind, "id", id, "err", err)
		return []any{uncheckedJSON{Code: "capacity_unchecked",
			Message: "the " + kind + " was saved, but whether the Zoom accounts suffice for it could not be checked; see GET /api/schedule/capacity"}}
	}
	out := make([]any, len(ws))
	for i, w := range ws {
		j := overCapacityJSON{Code: "over_capacity", Message: w.Message, Demand: w.Demand, Capacity: w.Capacity,
			Shortfall: w.Shortfall(), Weekday: (int(w.Weekday)+6)%7 + 1, StartTime: w.StartTime, EndTime: w.EndTime,
			TimeZone: w.Zone.String(), WeekType: string(w.WeekType)}
		for _, d := range w.Dates() {
			j.Dates = append(j.Dates, d.String())
		}
		for _, m := range w.Moments {
			mj := momentJSON{Start: m.Start.In(w.Zone).Format(time.RFC3339), End: m.End.In(w.Zone).Format(time.RFC3339),
				Demand: m.Demand, Lessons: make([]string, len(m.Lessons))}
			for k, l := range m.Lessons {
				mj.Lessons[k] = l.ID
			}
			j.Moments = append(j.Moments, mj)
		}
		out[i] = j
	}
	return out
}
