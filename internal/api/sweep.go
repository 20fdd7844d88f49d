package api

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// SweepResult is what the release-stuck function answers: the sweep's summary.
type SweepResult struct {
	Status string `json:"status"`
	At     string `json:"at"`
	// Holds is how many accounts' slots were taken when the sweep began.
	Holds int `json:"holds"`
	// Released counts the released holds by reason: lesson_ended,
	// claim_expired, orphan.
	Released      map[pool.Reason]int `json:"released"`
	ReleasedTotal int                 `json:"released_total"`
	// Skipped holds were released by someone else, or extended, meanwhile.
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
	// Unreadable holds were left alone: their lesson's record cannot be read.
	Unreadable int `json:"unreadable"`
	// Meetings is what the sweep did in Zoom to the meetings releases left.
	Meetings meetingsJSON `json:"meetings"`
}

// meetingsJSON counts the meetings a sweep ended and deleted in Zoom, and
// those it could not (tried again by the next sweep), gave up, or left for
// the next sweep untried.
type meetingsJSON struct {
	Ended   int `json:"ended"`
	Deleted int `json:"deleted"`
	Failed  int `json:"failed"`
	GivenUp int `json:"given_up"`
	Pending int `json:"pending"`
}

// NewReleaseStuck returns the release-stuck function's handler: each
// scheduled event runs one sweep and answers its summary. When a release
// fails the handler returns the error (after the others were tried), so the
// invocation counts as failed. It records the sweep's metrics with m.
func NewReleaseStuck(releaser *pool.Releaser, m *metrics.Recorder) func(ctx context.Context, ev events.EventBridgeEvent) (SweepResult, error) {
	return func(ctx context.Context, _ events.EventBridgeEvent) (SweepResult, error) {
		// The scope lets the store's reads and releases tell the pool's occupancy.
		ctx, _ = metrics.WithScope(ctx)
		sum, err := releaser.Sweep(ctx)
		released := make(map[string]int, len(sum.Released))
		for reason, n := range sum.Released {
			released[string(reason)] = n
		}
		m.Sweep(released, sum.Failed, err != nil)
		status := "success"
		if err != nil {
			status = "error"
		}
		return SweepResult{
			Status: status, At: sum.At.UTC().Format(time.RFC3339), Holds: sum.Holds,
			Released: sum.Released, ReleasedTotal: sum.ReleasedTotal(), Skipped: sum.Skipped, Failed: sum.Failed, Unreadable: sum.Unreadable,
			Meetings: meetingsJSON{Ended: sum.Meetings.Ended, Deleted: sum.Meetings.Deleted, Failed: sum.Meetings.Failed,
				GivenUp: sum.Meetings.GivenUp, Pending: sum.Meetings.Pending},
		}, err
	}
}
