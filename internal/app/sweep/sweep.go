// Package sweep wires the release-stuck function: every ten minutes a sweep
// that releases the accounts of stuck holds (ending and deleting in Zoom the
// meetings releases leave behind, with the Zoom client its environment
// configures), and once a day the capacity
// look-ahead, each started by its EventBridge schedule.
package sweep

import (
	"context"
	"io"

	"github.com/aws/aws-lambda-go/events"

	"zoompool/internal/api"
	"zoompool/internal/app/core"
	"zoompool/internal/app/zoomenv"
	"zoompool/internal/forecast"
	"zoompool/internal/pool"
)

// Releaser returns what releases holds for the sweep: it ends and deletes in
// Zoom, with z, the meetings that releases leave behind.
func Releaser(base *core.Base, z pool.Zoom) *pool.Releaser {
	rel := base.Releaser()
	rel.Zoom = base.ObserveZoom(z)
	return rel
}

// ReleaseStuck returns the sweep: it releases with rel.
func ReleaseStuck(base *core.Base, rel *pool.Releaser) func(context.Context, events.EventBridgeEvent) (api.SweepResult, error) {
	return api.NewReleaseStuck(rel, base.Metrics)
}

// Handler returns the release-stuck function's handler for all its
// scheduled events: the daily look-ahead event computes the capacity
// look-ahead with planner, every other event runs a sweep with rel.
func Handler(base *core.Base, rel *pool.Releaser, planner *forecast.Planner) func(context.Context, events.EventBridgeEvent) (any, error) {
	return api.NewScheduled(ReleaseStuck(base, rel), api.NewLookAhead(planner, base.Metrics))
}

// FromEnv builds the deployed function's handler from its environment,
// logging to w.
func FromEnv(getenv func(string) string, w io.Writer) (func(context.Context, events.EventBridgeEvent) (any, error), error) {
	base, err := core.FromEnv(getenv, w)
	if err != nil {
		return nil, err
	}
	z, err := zoomenv.FromEnv(getenv, base.AWS, base.Log)
	if err != nil {
		return nil, err
	}
	return Handler(base, Releaser(base, z), base.Planner()), nil
}
