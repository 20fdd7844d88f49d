package main

import (
	"context"
	"time"

	"zoompool/internal/forecast"
)

// lookAheadDaily logs the capacity look-ahead of the next 14 days now and
// then once a day until ctx ends, as the release-stuck function's daily
// schedule does in AWS. The look-ahead logs its own line, failures included.
func lookAheadDaily(ctx context.Context, p *forecast.Planner) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		_, _ = p.LookAhead(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
