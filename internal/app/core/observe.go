package core

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"zoompool/internal/dynamo"
	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// NewLogger returns the logger of every function and of the local runner:
// one JSON object per line, with the fields time, level and msg first, so
// that local output, `make sweep` and CloudWatch Logs read alike (and the
// metrics' EMF lines are log lines like the others).
func NewLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// ObservedStore is the store as the start flow and the releases see it: it
// records the pool's occupancy wherever it is known without another read.
// A read of the pool knows it; a claim or a release that follows a read in
// the same request (its metrics.Scope) knows it after the change. A webhook's
// release reads no pool, so it records nothing: the next sweep or start does.
type ObservedStore struct {
	*dynamo.Store
	metrics *metrics.Recorder
}

// Pool implements pool.Store and pool.ReleaseStore.
func (s ObservedStore) Pool(ctx context.Context) ([]pool.Account, error) {
	accounts, err := s.Store.Pool(ctx)
	if err == nil {
		inUse, capacity := occupancy(accounts)
		metrics.ScopeOf(ctx).Read(inUse, capacity)
		s.metrics.Occupancy(inUse, capacity)
	}
	return accounts, err
}

// Claim implements pool.Store.
func (s ObservedStore) Claim(ctx context.Context, c pool.Claim) error {
	err := s.Store.Claim(ctx, c)
	if err == nil {
		if inUse, capacity, known := metrics.ScopeOf(ctx).Claimed(); known {
			s.metrics.Occupancy(inUse, capacity)
		}
	}
	return err
}

// Release implements pool.Store and pool.ReleaseStore.
func (s ObservedStore) Release(ctx context.Context, r pool.Release) error {
	err := s.Store.Release(ctx, r)
	if err == nil {
		if inUse, capacity, known := metrics.ScopeOf(ctx).Released(); known {
			s.metrics.Occupancy(inUse, capacity)
		}
	}
	return err
}

// occupancy is the slots the pool's holds take and the slots its enabled
// accounts have.
func occupancy(accounts []pool.Account) (inUse, capacity int) {
	for _, a := range accounts {
		inUse += len(a.Holds)
		if a.Enabled {
			capacity += a.Capacity
		}
	}
	return inUse, capacity
}

// observedZoom records every call to Zoom: how long it took and how it ended.
type observedZoom struct {
	pool.Zoom
	metrics *metrics.Recorder
}

// CreateMeeting implements pool.Zoom.
func (z observedZoom) CreateMeeting(ctx context.Context, a pool.Account, l pool.Lesson, claim string) (pool.Meeting, error) {
	began := time.Now()
	m, err := z.Zoom.CreateMeeting(ctx, a, l, claim)
	z.record("create_meeting", began, err)
	return m, err
}

// FindMeeting implements pool.Zoom.
func (z observedZoom) FindMeeting(ctx context.Context, a pool.Account, lessonID, claim string) (pool.Meeting, bool, error) {
	began := time.Now()
	m, found, err := z.Zoom.FindMeeting(ctx, a, lessonID, claim)
	z.record("find_meeting", began, err)
	return m, found, err
}

// Meeting implements pool.Zoom.
func (z observedZoom) Meeting(ctx context.Context, a pool.Account, meetingID string) (pool.Meeting, error) {
	began := time.Now()
	m, err := z.Zoom.Meeting(ctx, a, meetingID)
	z.record("get_meeting", began, err)
	return m, err
}

// EndMeeting implements pool.Zoom.
func (z observedZoom) EndMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	began := time.Now()
	err := z.Zoom.EndMeeting(ctx, a, meetingID)
	z.record("end_meeting", began, err)
	return err
}

// DeleteMeeting implements pool.Zoom.
func (z observedZoom) DeleteMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	began := time.Now()
	err := z.Zoom.DeleteMeeting(ctx, a, meetingID)
	z.record("delete_meeting", began, err)
	return err
}

func (z observedZoom) record(operation string, began time.Time, err error) {
	outcome, failed := zoomOutcome(err)
	z.metrics.ZoomCall(operation, outcome, failed, time.Since(began))
}

// zoomOutcome names how a Zoom call ended and whether that is an error of
// Zoom's (a meeting Zoom no longer has is an answer, and a caller that gave
// up is not Zoom's failure).
func zoomOutcome(err error) (outcome string, failed bool) {
	switch {
	case err == nil:
		return "ok", false
	case errors.Is(err, pool.ErrMeetingNotFound):
		return "not_found", false
	}
	if ze, ok := pool.ZoomFailureOf(err); ok {
		return ze.Failure.String(), true
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout", true
	case errors.Is(err, context.Canceled):
		return "canceled", false
	}
	return "error", true
}
