package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// Store is the storage the start flow needs. Package dynamo implements it.
type Store interface {
	// Lesson reads a lesson consistently. It returns a KindNotFound *Error
	// (code lesson_not_found) when there is none.
	Lesson(ctx context.Context, id string) (Lesson, error)
	// Pool reads every account of the pool with its holds, consistently.
	Pool(ctx context.Context) ([]Account, error)
	// Claim atomically takes a slot of c.Account for c.Lesson: it increments the
	// account's Active (if still enabled and below capacity), adds a claiming
	// hold, and marks the lesson starting (if its version is still c.Lesson.Version).
	// It returns ErrAccountBusy or ErrLessonChanged when the matching condition fails.
	Claim(ctx context.Context, c Claim) error
	// Commit records the meeting in the hold (conditional on c.Token), in the
	// lesson (now live), and in the meeting lookup, atomically. It returns
	// ErrHoldLost when the claim is gone.
	Commit(ctx context.Context, c Claim, m Meeting) error
	// Release removes a hold, fenced by its token, and updates the account and
	// (optionally) the lesson in the same transaction. It returns ErrHoldLost
	// when no such hold exists (or it fails r's OnlyClaiming or EndedBy), and
	// ErrLessonChanged when r.LessonStatus is set but the lesson no longer
	// points to the hold.
	Release(ctx context.Context, r Release) error
}

// Claim is one attempt to lend an account to a lesson.
type Claim struct {
	Account    Account
	Lesson     Lesson // as read; the claim is conditional on its Version
	Token      string
	At         time.Time
	LeaseUntil time.Time
}

// Release describes a hold to end.
type Release struct {
	AccountID string
	LessonID  string
	Token     string
	// OnlyClaiming limits the release to a hold that is still claiming, so that
	// compensating a failed start never removes a hold that went live.
	OnlyClaiming bool
	// LessonStatus, when set, becomes the lesson's status, conditional on the
	// lesson still holding this token. Empty leaves the lesson alone (orphans).
	LessonStatus LessonStatus
	// EndedAt is recorded on the lesson with StatusEnded.
	EndedAt time.Time
	// EndedBy, when set, limits the release to a hold whose lesson is expected
	// to end by then, so that a lesson extended meanwhile keeps its account.
	EndedBy time.Time
}

// Service starts lessons. The zero value is not usable; set Store and Zoom.
type Service struct {
	Store Store
	Zoom  Zoom
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Lease bounds how long a claim may stay claiming before the sweep (or the
	// next start of the same lesson) reclaims it. It must exceed the longest a
	// start request can run. Default 60s.
	Lease time.Duration
	// Wait is how long a start waits for a concurrent start of the same lesson
	// to finish before answering lesson_starting. Default 15s.
	Wait time.Duration
	// Poll is the interval of that wait. Default 100ms.
	Poll time.Duration
	// Materialize, when set, is asked for lessons the store does not have: it
	// creates the lesson for a virtual calendar occurrence id (idempotently) and
	// returns it, or returns a lesson_not_found Error.
	Materialize func(ctx context.Context, id string) (Lesson, error)
	// Log receives faults that the client only sees generically. slog.Default when nil.
	Log *slog.Logger
}

func (s *Service) now() time.Time    { return clock(s.Now) }
func (s *Service) log() *slog.Logger { return logger(s.Log) }

// clock reads now, or time.Now when now is nil.
func clock(now func() time.Time) time.Time {
	if now != nil {
		return now()
	}
	return time.Now()
}

// logger is log, or slog.Default when log is nil.
func logger(log *slog.Logger) *slog.Logger {
	if log != nil {
		return log
	}
	return slog.Default()
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// errRetry sends Start back to re-reading the lesson.
var errRetry = errors.New("retry start")

// Start starts the lesson: it claims a free account, creates the meeting and
// returns the live lesson. Starting a lesson that is live returns the same
// meeting; concurrent starts of one lesson wait for one another and consume one
// account.
//
// Errors: lesson_not_found, lesson_not_startable, lesson_starting (KindConflict,
// with RetryAfter), pool_exhausted (KindExhausted, with RetryAfter), no_accounts
// and zoom_unavailable (KindUnavailable).
func (s *Service) Start(ctx context.Context, lessonID string) (Lesson, error) {
	deadline := s.now().Add(orDefault(s.Wait, 15*time.Second))
	for {
		l, err := s.lesson(ctx, lessonID)
		if err != nil {
			return Lesson{}, err
		}
		now := s.now()
		switch {
		case l.Status == StatusLive && l.Meeting != nil:
			return l, nil
		case l.Status == StatusStarting:
			if now.After(l.LeaseUntil) {
				// The request that claimed it is gone (crashed or timed out): take
				// the account back and start afresh.
				err := s.Store.Release(ctx, Release{AccountID: l.AccountID, LessonID: l.ID, Token: l.HoldToken,
					OnlyClaiming: true, LessonStatus: StatusScheduled})
				if err != nil && !errors.Is(err, ErrHoldLost) && !errors.Is(err, ErrLessonChanged) {
					return Lesson{}, fmt.Errorf("reclaim expired claim of lesson %s: %w", l.ID, err)
				}
				continue
			}
			if now.After(deadline) {
				return Lesson{}, &Error{Kind: KindConflict, Code: "lesson_starting", RetryAfter: 2 * time.Second,
					Message: fmt.Sprintf("lesson %s is being started by another request; try again in a few seconds", l.ID)}
			}
			if err := sleep(ctx, orDefault(s.Poll, 100*time.Millisecond)); err != nil {
				return Lesson{}, err
			}
			continue
		}
		if err := Startable(l, now); err != nil {
			return Lesson{}, err
		}
		started, err := s.claimAndCreate(ctx, l)
		if errors.Is(err, errRetry) {
			if err := ctx.Err(); err != nil {
				return Lesson{}, err
			}
			continue
		}
		return started, err
	}
}

func (s *Service) lesson(ctx context.Context, id string) (Lesson, error) {
	l, err := s.Store.Lesson(ctx, id)
	if ErrorKind(err) == KindNotFound && s.Materialize != nil {
		return s.Materialize(ctx, id)
	}
	return l, err
}

// claimAndCreate claims an account for l, creates the meeting and commits it.
// It returns errRetry when l changed or every candidate filled up meanwhile.
func (s *Service) claimAndCreate(ctx context.Context, l Lesson) (Lesson, error) {
	accounts, err := s.Store.Pool(ctx)
	if err != nil {
		return Lesson{}, fmt.Errorf("read pool: %w", err)
	}
	now := s.now()
	candidates := Candidates(accounts)
	if len(candidates) == 0 {
		return Lesson{}, exhausted(accounts, now)
	}
	c := Claim{Lesson: l, Token: NewToken(), At: now, LeaseUntil: now.Add(orDefault(s.Lease, time.Minute))}
	claimed := false
	for _, a := range candidates {
		c.Account = a
		err := s.Store.Claim(ctx, c)
		if errors.Is(err, ErrAccountBusy) {
			continue
		}
		if errors.Is(err, ErrLessonChanged) {
			return Lesson{}, errRetry
		}
		if err != nil {
			return Lesson{}, fmt.Errorf("claim account %s for lesson %s: %w", a.ID, l.ID, err)
		}
		claimed = true
		break
	}
	if !claimed {
		return Lesson{}, errRetry
	}

	m, err := s.Zoom.CreateMeeting(ctx, c.Account, l)
	if err != nil {
		s.compensate(ctx, c, "zoom failed")
		s.log().Error("create zoom meeting", "lesson", l.ID, "account", c.Account.ID, "err", err)
		return Lesson{}, &Error{Kind: KindUnavailable, Code: "zoom_unavailable", Err: err,
			Message: "Zoom could not create the meeting; the account went back to the pool, please try again"}
	}
	if err := s.Store.Commit(ctx, c, m); err != nil {
		return s.commitFailed(ctx, c, m, err)
	}
	return liveLesson(c, m), nil
}

// commitFailed handles a meeting that exists in Zoom but whose commit failed.
func (s *Service) commitFailed(ctx context.Context, c Claim, m Meeting, commitErr error) (Lesson, error) {
	if !errors.Is(commitErr, ErrHoldLost) {
		// The commit may have been applied before the failure reached us; the
		// compensation only applies to a hold that is still claiming.
		switch err := s.compensate(ctx, c, "commit failed"); {
		case errors.Is(err, ErrHoldLost):
			if l, rerr := s.Store.Lesson(ctx, c.Lesson.ID); rerr == nil && l.HoldToken == c.Token && l.Status == StatusLive {
				return l, nil
			}
		case err != nil:
			// The claim stays claiming; its lease runs out and the sweep
			// reclaims it. The meeting is kept: the commit may yet be visible.
			return Lesson{}, fmt.Errorf("commit meeting %s of lesson %s: %w", m.ID, c.Lesson.ID, commitErr)
		}
	}
	s.deleteMeeting(ctx, c.Account, m.ID)
	if errors.Is(commitErr, ErrHoldLost) {
		return Lesson{}, &Error{Kind: KindConflict, Code: "start_expired", RetryAfter: time.Second,
			Message: "starting the lesson took too long and was abandoned; please try again"}
	}
	return Lesson{}, fmt.Errorf("commit meeting %s of lesson %s: %w", m.ID, c.Lesson.ID, commitErr)
}

// compensate undoes a claim whose meeting will not be used. It runs even when
// the request's context is cancelled: a client hanging up must not leak the account.
func (s *Service) compensate(ctx context.Context, c Claim, why string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.Store.Release(ctx, Release{AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token,
		OnlyClaiming: true, LessonStatus: StatusScheduled})
	if err != nil && !errors.Is(err, ErrHoldLost) {
		s.log().Error("compensate claim; the sweep will reclaim it when its lease ends",
			"why", why, "lesson", c.Lesson.ID, "account", c.Account.ID, "lease_until", c.LeaseUntil, "err", err)
	}
	return err
}

func (s *Service) deleteMeeting(ctx context.Context, a Account, meetingID string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Zoom.DeleteMeeting(ctx, a, meetingID); err != nil {
		s.log().Warn("delete unused zoom meeting", "meeting", meetingID, "account", a.ID, "err", err)
	}
}

// liveLesson is c.Lesson as Commit left it (but for its Version).
func liveLesson(c Claim, m Meeting) Lesson {
	l := c.Lesson
	l.Status = StatusLive
	l.AccountID = c.Account.ID
	l.AccountName = c.Account.Name
	l.HoldToken = c.Token
	l.LeaseUntil = time.Time{}
	l.Meeting = &m
	l.EndedAt = time.Time{}
	return l
}

func exhausted(accounts []Account, now time.Time) error {
	enabled := 0
	for _, a := range accounts {
		if a.Enabled {
			enabled++
		}
	}
	if enabled == 0 {
		return &Error{Kind: KindUnavailable, Code: "no_accounts",
			Message: "the pool has no enabled Zoom accounts; an admin must add or enable one"}
	}
	wait := RetryAfter(accounts, now)
	return &Error{Kind: KindExhausted, Code: "pool_exhausted", RetryAfter: wait,
		Message: fmt.Sprintf("all %d Zoom accounts are in use; try again in %d seconds", enabled, int(wait.Seconds()))}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
