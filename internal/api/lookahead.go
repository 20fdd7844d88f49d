package api

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"zoompool/internal/forecast"
	"zoompool/internal/metrics"
)

// LookAheadDetailType is the detail-type of the daily scheduled event that
// asks the release-stuck function for the capacity look-ahead instead of a
// sweep. The sweep's own events (every 10 minutes) have any other.
const LookAheadDetailType = "Capacity Look-ahead"

// LookAheadResult is what the daily look-ahead answers: the numbers of its
// log line.
type LookAheadResult struct {
	Status string `json:"status"`
	From   string `json:"from"`
	To     string `json:"to"`
	// OverCapacityIntervals counts the intervals where more lessons run than
	// the enabled accounts have slots for.
	OverCapacityIntervals int `json:"over_capacity_intervals"`
	// WorstShortfall is the most lessons that find no account at once, first
	// at WorstAt (null when there is no shortage).
	WorstShortfall int     `json:"worst_shortfall"`
	WorstAt        *string `json:"worst_at"`
	PeakDemand     int     `json:"peak_demand"`
	Capacity       int     `json:"capacity"`
	Lessons        int     `json:"lessons"`
}

// NewLookAhead returns the handler of the daily look-ahead event: the
// forecast of the next 14 days, logged as one line (see
// forecast.Planner.LookAhead), recorded as the metrics ForecastOverCapacity
// and ForecastShortfall with m, and answered.
func NewLookAhead(p *forecast.Planner, m *metrics.Recorder) func(ctx context.Context, ev events.EventBridgeEvent) (LookAheadResult, error) {
	return func(ctx context.Context, _ events.EventBridgeEvent) (LookAheadResult, error) {
		o, err := p.LookAhead(ctx)
		if err != nil {
			return LookAheadResult{Status: "error"}, err
		}
		m.Forecast(o.Shortages, o.WorstShortfall)
		res := LookAheadResult{Status: "success", From: o.From.UTC().Format(time.RFC3339), To: o.To.UTC().Format(time.RFC3339),
			OverCapacityIntervals: o.Shortages, WorstShortfall: o.WorstShortfall, PeakDemand: o.PeakDemand,
			Capacity: o.Capacity, Lessons: o.Lessons}
		if !o.WorstAt.IsZero() {
			s := o.WorstAt.UTC().Format(time.RFC3339)
			res.WorstAt = &s
		}
		return res, nil
	}
}

// NewScheduled returns the release-stuck function's handler for every
// scheduled event: the daily look-ahead event (detail-type
// LookAheadDetailType) goes to lookAhead, every other event to sweep, so the
// sweeps every 10 minutes never pay for a forecast.
func NewScheduled(
	sweep func(context.Context, events.EventBridgeEvent) (SweepResult, error),
	lookAhead func(context.Context, events.EventBridgeEvent) (LookAheadResult, error),
) func(context.Context, events.EventBridgeEvent) (any, error) {
	return func(ctx context.Context, ev events.EventBridgeEvent) (any, error) {
		if ev.DetailType == LookAheadDetailType {
			return lookAhead(ctx, ev)
		}
		return sweep(ctx, ev)
	}
}
