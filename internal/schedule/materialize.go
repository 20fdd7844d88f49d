package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"zoompool/internal/pool"
)

// OccurrenceStore is the storage Materializer needs. Package dynamo implements it.
type OccurrenceStore interface {
	// RecurringLesson reads a recurring lesson consistently, or returns a
	// recurring_lesson_not_found *pool.Error.
	RecurringLesson(ctx context.Context, id string) (pool.RecurringLesson, error)
	// Lesson reads a lesson consistently, or returns a lesson_not_found *pool.Error.
	Lesson(ctx context.Context, id string) (pool.Lesson, error)
	// MaterializeOccurrence creates l, the lesson of an occurrence of r, and
	// records its date in r's Materialized, in one transaction conditional on l
	// not existing (else a lesson_exists *pool.Error) and on r's version (else
	// pool.ErrRecurringChanged). It returns l as stored.
	MaterializeOccurrence(ctx context.Context, r pool.RecurringLesson, l pool.Lesson) (pool.Lesson, error)
}

// Materializer turns a calendar occurrence into a stored lesson, so that it
// can be started like any other. Its Materialize is pool.Service's hook.
type Materializer struct {
	Store OccurrenceStore
	// Anchor is the configured upper-week anchor; zero places each date by
	// its DefaultAnchor.
	Anchor pool.Date
	// Early is how long before its start an occurrence may be started
	// (pool.Service.Early); earlier, its lesson is not created.
	Early time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Materialize creates the lesson for occurrence id (an OccurrenceID) and
// returns it, or returns the lesson an earlier or concurrent call created:
// the lesson's id is the occurrence's id and is written only if absent, so
// however many starts race, one lesson results.
//
// Errors: lesson_not_found when id names no occurrence, lesson_not_startable
// when it was cancelled or is over.
func (m *Materializer) Materialize(ctx context.Context, id string) (pool.Lesson, error) {
	recurringID, d, ok := pool.ParseOccurrenceID(id)
	if !ok {
		return pool.Lesson{}, pool.NotFoundf("lesson_not_found", "there is no lesson %q", id)
	}
	for attempt := 0; ; attempt++ {
		r, err := m.Store.RecurringLesson(ctx, recurringID)
		if pool.ErrorKind(err) == pool.KindNotFound {
			return pool.Lesson{}, pool.NotFoundf("lesson_not_found", "there is no lesson %q: there is no recurring lesson %q", id, recurringID)
		}
		if err != nil {
			return pool.Lesson{}, err
		}
		o, err := OccurrenceOn(r, d, m.Anchor)
		if err != nil {
			return pool.Lesson{}, err
		}
		if o.Excluded { // materialised already
			return m.Store.Lesson(ctx, id)
		}
		l := pool.Lesson{
			ID: id, Title: r.Title, TeacherID: r.TeacherID, GroupID: r.GroupID,
			Start: o.Start.UTC(), End: o.End.UTC(), Status: pool.StatusScheduled,
			RecurringID: r.ID, OccurrenceDate: d.String(),
		}
		now := time.Now()
		if m.Now != nil {
			now = m.Now()
		}
		// A lesson that could not start is not written.
		if err := pool.Startable(l, now); err != nil {
			return pool.Lesson{}, err
		}
		if err := pool.TooEarly(l, now, m.Early); err != nil {
			return pool.Lesson{}, err
		}
		created, err := m.Store.MaterializeOccurrence(ctx, r, l)
		switch {
		case pool.ErrorKind(err) == pool.KindConflict:
			return m.Store.Lesson(ctx, id) // another start created it
		case errors.Is(err, pool.ErrRecurringChanged) && attempt < 10:
			if err := pause(ctx, attempt); err != nil {
				return pool.Lesson{}, err
			}
			continue
		case errors.Is(err, pool.ErrRecurringChanged):
			return pool.Lesson{}, pool.Busy("recurring lesson "+recurringID, time.Second, err)
		case err != nil:
			return pool.Lesson{}, fmt.Errorf("materialise %s: %w", id, err)
		}
		return created, nil
	}
}

// pause waits before materialising again after a concurrent change of the
// series, with jitter, so that racing starts spread out.
func pause(ctx context.Context, attempt int) error {
	return pool.Sleep(ctx, pool.Backoff(attempt, 10*time.Millisecond, 200*time.Millisecond))
}
