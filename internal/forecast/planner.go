package forecast

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// Store is the storage a Planner reads. Package dynamo implements it.
type Store interface {
	// Pool reads every account of the pool.
	Pool(ctx context.Context) ([]pool.Account, error)
	// Lessons returns the lessons that overlap the query's range.
	Lessons(ctx context.Context, q pool.LessonQuery) ([]pool.Lesson, error)
	// RecurringLessons returns the recurring lessons q selects.
	RecurringLessons(ctx context.Context, q pool.RecurringQuery) ([]pool.RecurringLesson, error)
}

// LookAheadSpan is how far ahead the daily look-ahead sees.
const LookAheadSpan = 14 * 24 * time.Hour

// WarningSpan bounds how far ahead the warnings of a recurring lesson look:
// its validity from now on, at most this long.
const WarningSpan = pool.MaxRange

// Planner reads what forecasts need and computes them. Each forecast reads
// the pool (one consistent Query), the lessons of its range (one index Query
// per month) and the recurring lessons that may meet in it (one index Query),
// in parallel; the reads grow with the range, never with the table.
type Planner struct {
	Store Store
	// Anchor is the configured upper-week anchor; zero places each date by its
	// own academic year's schedule.DefaultAnchor.
	Anchor pool.Date
	// Margin widens each lesson's interval on both sides (FORECAST_MARGIN).
	Margin time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	Log *slog.Logger
}

func (p *Planner) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Planner) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

// Forecast is the forecast of [from, to), with days in loc.
func (p *Planner) Forecast(ctx context.Context, from, to time.Time, loc *time.Location) (Forecast, error) {
	return p.forecast(ctx, from, to, loc, nil)
}

// forecast reads the schedule of [from, to) widened by the margin, and the
// pool, lets edit correct the schedule, and computes the forecast.
func (p *Planner) forecast(ctx context.Context, from, to time.Time, loc *time.Location, edit func(*schedule.Schedule)) (Forecast, error) {
	q := pool.LessonQuery{From: from.Add(-p.Margin), To: to.Add(p.Margin)}
	s := schedule.Schedule{From: from, To: to, Anchor: p.Anchor, Zone: loc}
	var accounts []pool.Account
	var errs [3]error
	var wg sync.WaitGroup
	wg.Go(func() { accounts, errs[0] = p.Store.Pool(ctx) })
	wg.Go(func() { s.Lessons, errs[1] = p.Store.Lessons(ctx, q) })
	wg.Go(func() { s.Recurring, errs[2] = p.Store.RecurringLessons(ctx, schedule.SeriesQuery(q)) })
	wg.Wait()
	if err := errors.Join(errs[:]...); err != nil {
		return Forecast{}, fmt.Errorf("read the schedule and the pool for a forecast: %w", err)
	}
	if edit != nil {
		edit(&s)
	}
	return New(s, accounts, p.now(), p.Margin)
}

// LessonWarnings are the warnings of lesson l as it was just written, with
// times in loc: the shortages it takes part in. A cancelled lesson, or one
// over before now, has none.
//
// The lessons are read through an index, which may not show the write yet,
// so l replaces whatever the read returns under its id.
func (p *Planner) LessonWarnings(ctx context.Context, l pool.Lesson, loc *time.Location) ([]Warning, error) {
	from, to := l.Start.Add(-p.Margin), l.End.Add(p.Margin)
	if l.Status == pool.StatusCancelled || !to.After(p.now()) {
		return nil, nil
	}
	f, err := p.forecast(ctx, from, to, loc, func(s *schedule.Schedule) {
		s.Lessons = append(slices.DeleteFunc(s.Lessons, func(x pool.Lesson) bool { return x.ID == l.ID }), l)
	})
	if err != nil {
		return nil, err
	}
	return f.LessonWarnings(l, loc), nil
}

// RecurringWarnings are the warnings of recurring lesson r as it was just
// written: the shortages its occurrences take part in from now until the end
// of its validity, at most WarningSpan ahead, in r's zone.
//
// r replaces whatever the read returns under its id, as LessonWarnings' l.
func (p *Planner) RecurringWarnings(ctx context.Context, r pool.RecurringLesson) ([]Warning, error) {
	loc, err := pool.Zone(r.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("recurring lesson %s: %w", r.ID, err)
	}
	from := later(p.now(), schedule.LocalTime(r.ValidFrom, 0, loc).Add(-p.Margin))
	to := from.Add(WarningSpan)
	if !r.ValidUntil.IsZero() {
		// The last occurrence may run past midnight, and its margin further.
		to = earlier(to, schedule.LocalTime(r.ValidUntil.AddDays(1), 0, loc).Add(pool.MaxLessonDuration+p.Margin))
	}
	if !from.Before(to) {
		return nil, nil
	}
	f, err := p.forecast(ctx, from, to, loc, func(s *schedule.Schedule) {
		s.Recurring = append(slices.DeleteFunc(s.Recurring, func(x pool.RecurringLesson) bool { return x.ID == r.ID }), r)
	})
	if err != nil {
		return nil, err
	}
	return f.RecurringWarnings(r)
}

// LookAhead computes the forecast of the next LookAheadSpan and logs it as
// one line, "capacity look-ahead", whose numbers a metric filter can read:
// over_capacity_intervals, worst_shortfall, peak_demand, capacity, lessons.
// The line is a warning when there is a shortage.
func (p *Planner) LookAhead(ctx context.Context) (Outlook, error) {
	now := p.now()
	f, err := p.Forecast(ctx, now, now.Add(LookAheadSpan), time.UTC)
	if err != nil {
		p.log().Error("capacity look-ahead failed", "err", err)
		return Outlook{}, err
	}
	o := f.Outlook()
	level := slog.LevelInfo
	if o.Shortages > 0 {
		level = slog.LevelWarn
	}
	worstAt := ""
	if !o.WorstAt.IsZero() {
		worstAt = o.WorstAt.UTC().Format(time.RFC3339)
	}
	p.log().Log(ctx, level, "capacity look-ahead",
		"from", o.From.UTC().Format(time.RFC3339), "to", o.To.UTC().Format(time.RFC3339),
		"over_capacity_intervals", o.Shortages, "worst_shortfall", o.WorstShortfall, "worst_at", worstAt,
		"peak_demand", o.PeakDemand, "capacity", o.Capacity, "lessons", o.Lessons, "margin", p.Margin.String())
	return o, nil
}
