// Package forecast tells ahead of time when the calendar's lessons will want
// more Zoom accounts at once than the pool can lend: the demand on the pool at
// every moment of a range, the intervals where it exceeds the capacity of the
// enabled accounts, each day's busiest moment, the warnings a change to the
// schedule brings, and the daily look-ahead.
//
// A lesson occupies one slot of an account over its scheduled interval,
// half-open, so a lesson ending at 11:00 and one starting at 11:00 need one
// slot; a margin widens every interval on both sides to count early starts
// and overruns. Every lesson counts except cancelled ones, whatever its status:
// a forecast of a past range shows what the timetable asked of the pool, not
// how long the meetings really ran.
//
// Everything here but Planner is pure computation on pool's types.
package forecast

import (
	"slices"
	"sort"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// Capacity is how many lessons the pool can host at once.
type Capacity struct {
	// Slots is the sum of the capacities of the enabled accounts that need
	// no admin's attention: Enabled and Limited.
	Slots int
	// Enabled accounts make up Slots, with Limited.
	Enabled []pool.Account
	// Limited accounts are at a Zoom daily limit: their slots count from the
	// end of the limit (their LimitedUntil) on.
	Limited []pool.Account
	// Disabled accounts take no lessons; their capacity is not counted.
	Disabled []pool.Account
	// NeedsAttention accounts are enabled but take no lessons until an admin
	// fixes what Zoom refused; their capacity is not counted.
	NeedsAttention []pool.Account
}

// CapacityOf is the capacity of the accounts as they are at now: a limit
// that ended before now is over.
func CapacityOf(accounts []pool.Account, now time.Time) Capacity {
	var c Capacity
	for _, a := range accounts {
		switch {
		case !a.Enabled:
			c.Disabled = append(c.Disabled, a)
		case a.Attention != nil:
			c.NeedsAttention = append(c.NeedsAttention, a)
		case a.Limited(now):
			c.Slots += a.Capacity
			c.Limited = append(c.Limited, a)
		default:
			c.Slots += a.Capacity
			c.Enabled = append(c.Enabled, a)
		}
	}
	return c
}

// At is the slots the pool has at t: Slots less those of the accounts still
// at a daily limit then.
func (c Capacity) At(t time.Time) int {
	n := c.Slots
	for _, a := range c.Limited {
		if t.Before(a.LimitedUntil) {
			n -= a.Capacity
		}
	}
	return n
}

// pieces calls fn with each interval of constant capacity in [from, to), in
// order: the capacity changes when a limit ends.
func (c Capacity) pieces(from, to time.Time, fn func(start, end time.Time, capacity int)) {
	for from.Before(to) {
		end := to
		for _, a := range c.Limited {
			if a.LimitedUntil.After(from) && a.LimitedUntil.Before(end) {
				end = a.LimitedUntil
			}
		}
		fn(from, end, c.At(from))
		from = end
	}
}

// Lesson is a lesson or a recurring occurrence counted in a forecast.
type Lesson struct {
	// ID is the lesson's id, or the occurrence's id (the id of the lesson it
	// becomes when started).
	ID        string
	Kind      schedule.EventKind
	Title     string
	TeacherID string
	GroupID   string
	// Start and End are the scheduled times, without the margin.
	Start, End time.Time
	// RecurringID and OccurrenceDate are set on occurrences and on the lessons
	// that materialise them.
	RecurringID    string
	OccurrenceDate pool.Date
}

// Shortage is an interval in which more lessons run at once than the enabled
// accounts have slots for.
type Shortage struct {
	Start, End time.Time
	// Demand is the most lessons running at once in the interval; it may be
	// lower in parts of it, but never as low as Capacity.
	Demand   int
	Capacity int
	// Lessons are those running (margin included) at some moment of the
	// interval, by start.
	Lessons []Lesson
}

// Shortfall is how many lessons at the busiest moment find no free account.
func (s Shortage) Shortfall() int { return s.Demand - s.Capacity }

// Day is the busiest moment of a day in the forecast's zone.
type Day struct {
	Date pool.Date
	// MaxDemand is the most lessons running at once that day (within the
	// forecast's range), first reached at At; At is zero when no lesson runs.
	MaxDemand int
	At        time.Time
	// Capacity is the fewest slots the pool has that day (fewer than its
	// Slots while accounts are at a daily limit), and Shortfall the most
	// lessons that find no slot at once.
	Capacity  int
	Shortfall int
}

// Forecast is the demand on the pool over [From, To).
type Forecast struct {
	From, To time.Time
	// Zone is where days begin and end. UTC when nil.
	Zone *time.Location
	// Margin widens each lesson's interval on both sides.
	Margin   time.Duration
	Capacity Capacity
	// Lessons are those whose interval, widened by Margin, overlaps the range,
	// by start.
	Lessons []Lesson

	// slots are the intervals the lessons occupy (widened by Margin), in the
	// order of Lessons, so sorted by start.
	slots []interval
	// longest is the longest slot, which bounds the search for the lessons
	// running at a moment.
	longest time.Duration
	// steps are the changes of demand: steps[i].demand lessons run from
	// steps[i].at until steps[i+1].at, none before steps[0].at or after the last.
	steps []step
}

type interval struct{ start, end time.Time }

type step struct {
	at     time.Time
	demand int
}

// New computes the forecast of s's range from its lessons and recurring
// lessons, with cancelled occurrences left out and materialised ones counted
// once, as the calendar shows them, and the capacity of accounts as they are
// at now. s.Lessons and s.Recurring must cover the range widened by margin
// on both sides.
func New(s schedule.Schedule, accounts []pool.Account, now time.Time, margin time.Duration) (Forecast, error) {
	f := Forecast{From: s.From, To: s.To, Zone: s.Zone, Margin: margin, Capacity: CapacityOf(accounts, now)}
	if f.Zone == nil {
		f.Zone = time.UTC
	}
	wide := s
	wide.From, wide.To = s.From.Add(-margin), s.To.Add(margin)
	events, err := wide.Events()
	if err != nil {
		return Forecast{}, err
	}
	f.Lessons = make([]Lesson, 0, len(events))
	for _, e := range events {
		if e.Status == pool.StatusCancelled {
			continue
		}
		f.Lessons = append(f.Lessons, Lesson{ID: e.ID, Kind: e.Kind, Title: e.Title, TeacherID: e.TeacherID,
			GroupID: e.GroupID, Start: e.Start, End: e.End, RecurringID: e.RecurringID, OccurrenceDate: e.OccurrenceDate})
	}
	// Events is sorted by start, so the widened starts are too.
	f.sweep()
	return f, nil
}

// sweep computes the slots and the steps of demand from their sorted starts
// and ends. At one instant ends count before starts, so lessons that touch
// never overlap.
func (f *Forecast) sweep() {
	n := len(f.Lessons)
	f.slots = make([]interval, n)
	ends := make([]time.Time, n)
	for i, l := range f.Lessons {
		f.slots[i] = interval{l.Start.Add(-f.Margin), l.End.Add(f.Margin)}
		ends[i] = f.slots[i].end
		f.longest = max(f.longest, f.slots[i].end.Sub(f.slots[i].start))
	}
	slices.SortFunc(ends, time.Time.Compare)
	f.steps = make([]step, 0, 2*n)
	demand := 0
	for i, j := 0, 0; i < n || j < n; {
		at := ends[j%n]
		if j == n || i < n && f.slots[i].start.Before(at) {
			at = f.slots[i].start
		}
		for ; j < n && ends[j].Equal(at); j++ {
			demand--
		}
		for ; i < n && f.slots[i].start.Equal(at); i++ {
			demand++
		}
		if k := len(f.steps); k == 0 || f.steps[k-1].demand != demand {
			f.steps = append(f.steps, step{at: at, demand: demand})
		}
	}
}

// clip narrows [from, to) to the forecast's range.
func (f Forecast) clip(from, to time.Time) (time.Time, time.Time) {
	return later(from, f.From), earlier(to, f.To)
}

// segments calls fn with each interval of constant demand that overlaps
// [from, to), clipped to it, in order.
func (f Forecast) segments(from, to time.Time, fn func(start, end time.Time, demand int)) {
	// The step in force at from: the last one at or before it.
	k := sort.Search(len(f.steps), func(i int) bool { return f.steps[i].at.After(from) }) - 1
	if k < 0 {
		if len(f.steps) == 0 || !f.steps[0].at.Before(to) {
			fn(from, to, 0)
			return
		}
		fn(from, f.steps[0].at, 0)
		k = 0
	}
	for ; k < len(f.steps) && f.steps[k].at.Before(to); k++ {
		end := to
		if k+1 < len(f.steps) {
			end = earlier(f.steps[k+1].at, to)
		}
		fn(later(f.steps[k].at, from), end, f.steps[k].demand)
	}
}

// each calls fn with each interval of constant demand and capacity that
// overlaps [from, to), clipped to it, in order.
func (f Forecast) each(from, to time.Time, fn func(start, end time.Time, demand, capacity int)) {
	f.segments(from, to, func(start, end time.Time, demand int) {
		f.Capacity.pieces(start, end, func(s, e time.Time, capacity int) { fn(s, e, demand, capacity) })
	})
}

// Shortages are the intervals of the range where demand exceeds capacity.
func (f Forecast) Shortages() []Shortage { return f.ShortagesIn(f.From, f.To) }

// ShortagesIn are the intervals within [from, to) (and the forecast's range)
// where demand exceeds capacity, each as long as it lasts within [from, to).
func (f Forecast) ShortagesIn(from, to time.Time) []Shortage {
	from, to = f.clip(from, to)
	if !from.Before(to) {
		return nil
	}
	var out []Shortage
	f.each(from, to, func(start, end time.Time, demand, capacity int) {
		switch n := len(out); {
		case demand <= capacity:
		case n > 0 && out[n-1].End.Equal(start) && out[n-1].Capacity == capacity:
			out[n-1].End, out[n-1].Demand = end, max(out[n-1].Demand, demand)
		default:
			out = append(out, Shortage{Start: start, End: end, Demand: demand, Capacity: capacity})
		}
	})
	for i := range out {
		out[i].Lessons = f.running(out[i].Start, out[i].End)
	}
	return out
}

// running returns the lessons whose slot overlaps [from, to), by start.
func (f Forecast) running(from, to time.Time) []Lesson {
	// Slots are sorted by start and none is longer than f.longest, so only
	// those starting in (from-longest, to) can overlap.
	lo := sort.Search(len(f.slots), func(i int) bool { return f.slots[i].start.After(from.Add(-f.longest)) })
	var out []Lesson
	for i := lo; i < len(f.slots) && f.slots[i].start.Before(to); i++ {
		if f.slots[i].end.After(from) {
			out = append(out, f.Lessons[i])
		}
	}
	return out
}

// PeakIn is the most lessons running at once within [from, to) (and the
// forecast's range), and the first moment it is reached (zero when none runs).
func (f Forecast) PeakIn(from, to time.Time) (int, time.Time) {
	from, to = f.clip(from, to)
	peak, at := 0, time.Time{}
	if !from.Before(to) {
		return peak, at
	}
	f.segments(from, to, func(start, _ time.Time, demand int) {
		if demand > peak {
			peak, at = demand, start
		}
	})
	return peak, at
}

// Days is the busiest moment of each day of the range, as days run in Zone;
// the first and last day count only within the range.
func (f Forecast) Days() []Day {
	var days []Day
	for d := pool.DateOf(f.From.In(f.Zone)); ; d = d.AddDays(1) {
		start := later(schedule.LocalTime(d, 0, f.Zone), f.From)
		if !start.Before(f.To) {
			return days
		}
		end := earlier(schedule.LocalTime(d.AddDays(1), 0, f.Zone), f.To)
		peak, at := f.PeakIn(start, end)
		day := Day{Date: d, MaxDemand: peak, At: at, Capacity: f.Capacity.Slots}
		f.each(start, end, func(_, _ time.Time, demand, capacity int) {
			day.Capacity = min(day.Capacity, capacity)
			day.Shortfall = max(day.Shortfall, demand-capacity)
		})
		days = append(days, day)
	}
}

// Outlook is a forecast in numbers that a log line or a metric can carry.
type Outlook struct {
	From, To time.Time
	// Lessons counts the lessons and occurrences in the range.
	Lessons int
	// Capacity is the slots of the enabled accounts.
	Capacity int
	// PeakDemand is the most lessons running at once.
	PeakDemand int
	// Shortages counts the intervals where demand exceeds capacity.
	Shortages int
	// WorstShortfall is the most lessons that find no free account at once
	// (0 when there is no shortage), first reached at WorstAt.
	WorstShortfall int
	WorstAt        time.Time
}

// Outlook summarises the forecast.
func (f Forecast) Outlook() Outlook {
	o := Outlook{From: f.From, To: f.To, Lessons: len(f.Lessons), Capacity: f.Capacity.Slots}
	o.PeakDemand, _ = f.PeakIn(f.From, f.To)
	shortages := f.Shortages()
	o.Shortages = len(shortages)
	for _, s := range shortages {
		if s.Shortfall() > o.WorstShortfall {
			o.WorstShortfall = s.Shortfall()
			_, o.WorstAt = f.PeakIn(s.Start, s.End)
		}
	}
	return o
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
