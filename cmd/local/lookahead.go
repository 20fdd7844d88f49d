package main

import (
	"context"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"zoompool/internal/api"
)

// lookAheadDaily runs the capacity look-ahead of the next 14 days now and then
// once a day until ctx ends, through the release-stuck function's handler of
// scheduled events, as its daily schedule does in AWS. The look-ahead logs its
// own line, failures included, and its metrics.
func lookAheadDaily(ctx context.Context, scheduled func(context.Context, events.EventBridgeEvent) (any, error)) {
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		_, _ = scheduled(ctx, events.EventBridgeEvent{DetailType: api.LookAheadDetailType, Source: "zoom-pool.local", Time: time.Now()})
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
