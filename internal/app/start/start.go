// Package start wires the start-lesson function: the start flow, creating
// meetings with the Zoom client its environment configures, behind
// POST /schedule/lesson/{id}/start.
package start

import (
	"io"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/app/core"
	"zoompool/internal/app/zoomenv"
	"zoompool/internal/pool"
	"zoompool/internal/schedule"
)

// Service returns the start flow on base, creating meetings with z. Starting
// a calendar occurrence creates its lesson first, on the start's clock.
func Service(base *core.Base, z pool.Zoom) *pool.Service {
	cfg := base.Config
	svc := &pool.Service{Store: base.Observed(), Zoom: base.ObserveZoom(z), Lease: cfg.StartLease, Early: cfg.StartEarly,
		Grace: cfg.ReleaseGrace, ZoomBudget: core.ZoomBudget, Log: base.Log, Now: base.Clock()}
	occurrences := &schedule.Materializer{Store: base.Store, Anchor: cfg.UpperWeekAnchor, Early: cfg.StartEarly,
		Now: func() time.Time { return svc.Now() }}
	svc.Materialize = occurrences.Materialize
	return svc
}

// Handler returns the start-lesson function's handler, starting lessons with svc.
func Handler(base *core.Base, svc *pool.Service) *api.Router {
	return base.Measured(base.SignedIn(api.NewStartLesson(svc, base.Store, base.Log)))
}

// FromEnv builds the deployed function's handler from its environment,
// logging to w.
func FromEnv(getenv func(string) string, w io.Writer) (*api.Router, error) {
	base, err := core.FromEnv(getenv, w)
	if err != nil {
		return nil, err
	}
	z, err := zoomenv.FromEnv(getenv, base.AWS, base.Log)
	if err != nil {
		return nil, err
	}
	return Handler(base, Service(base, z)), nil
}
