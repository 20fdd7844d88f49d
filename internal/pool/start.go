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
	// Hold reads the hold of lesson lessonID on account accountID
	// consistently; ok is false when there is none.
	Hold(ctx context.Context, accountID, lessonID string) (h Hold, ok bool, err error)
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
	// Unhold repairs a lesson that points to a hold that does not exist (a
	// restored backup, a hand edit): atomically, if the lesson still holds
	// u.Token and no hold with u.Token exists, the lesson takes u.Status and
	// forgets the token. It returns ErrLessonChanged or ErrHoldExists when the
	// matching condition fails.
	Unhold(ctx context.Context, u Unhold) error
	// MeetingLookup returns what was recorded of a meeting when its commit
	// landed, or a KindNotFound *Error (code meeting_not_found).
	MeetingLookup(ctx context.Context, meetingID string) (MeetingRef, error)
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
	// Orphan limits the release to a hold whose lesson is missing or does not
	// point to it (else ErrLessonChanged); LessonStatus must be empty.
	Orphan bool
	// MeetingID, when set, is the hold's meeting: its meeting lookup is
	// marked released in the same transaction.
	MeetingID string
}

// Unhold describes the repair of a lesson whose hold is gone.
type Unhold struct {
	LessonID  string
	AccountID string
	Token     string
	// Status is what the lesson becomes: StatusScheduled for a claim that never
	// became live (the account it would have had is forgotten), StatusEnded for
	// a lesson that was live (ended at EndedAt).
	Status  LessonStatus
	EndedAt time.Time
}

// Service starts lessons. The zero value is not usable; set Store and Zoom.
type Service struct {
	Store Store
	Zoom  Zoom
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Lease bounds how long a claim may stay claiming before the sweep (or the
	// next start that meets it) reclaims it. It must exceed the longest a
	// start request can run. Default 60s.
	Lease time.Duration
	// Early is how long before its start a lesson may be started; zero: from
	// its start on.
	Early time.Duration
	// Grace is how long after a lesson's end its account is kept for it
	// (RELEASE_GRACE); a start that finds no free account takes back holds
	// older than that, as the sweep does. DefaultGrace when zero.
	Grace time.Duration
	// Wait is how long a start waits for a concurrent start of the same lesson
	// to finish before answering lesson_starting. Default 15s.
	Wait time.Duration
	// Poll is the first interval of that wait; it grows, with jitter, to ten
	// times as much. Default 100ms.
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

// The outcomes of one attempt that send Start round again.
var (
	// errRetry: the lesson or the pool changed under the attempt, or it
	// repaired something; read again after a short, jittered pause.
	errRetry = errors.New("retry start")
	// errWait: another request is starting the lesson; look again soon.
	errWait = errors.New("wait for the other start")
)

// startRetries bounds how often one Start goes round after losing a race.
const startRetries = 12

// Start starts the lesson: it claims a free account, creates the meeting and
// returns the live lesson. Starting a lesson that is live returns the same
// meeting; concurrent starts of one lesson wait for one another and consume one
// account.
//
// Errors: invalid_request (an occurrence date outside the accepted window),
// lesson_not_found, lesson_not_startable, lesson_too_early and lesson_starting
// (KindConflict, with RetryAfter), pool_exhausted (KindExhausted, with
// RetryAfter), no_accounts and zoom_unavailable (KindUnavailable), and
// concurrent_update (KindConflict) when it lost every race it ran.
func (s *Service) Start(ctx context.Context, lessonID string) (Lesson, error) {
	// The wait is the request's own time, not the pool's clock.
	deadline := time.Now().Add(orDefault(s.Wait, 15*time.Second))
	retries, waits := 0, 0
	for {
		l, err := s.lesson(ctx, lessonID)
		if err != nil {
			return Lesson{}, err
		}
		started, err := s.attempt(ctx, l, deadline)
		var pause time.Duration
		switch {
		case errors.Is(err, errWait):
			poll := orDefault(s.Poll, 100*time.Millisecond)
			pause = Backoff(waits, poll, 10*poll)
			waits++
		case errors.Is(err, errRetry):
			if retries == startRetries {
				return Lesson{}, Busy("lesson "+lessonID, time.Second, fmt.Errorf("start lesson %s: %d retries", lessonID, retries))
			}
			pause = Backoff(retries, 10*time.Millisecond, 500*time.Millisecond)
			retries++
		default:
			return started, err
		}
		if err := sleep(ctx, pause); err != nil {
			return Lesson{}, err
		}
	}
}

// attempt takes one step towards starting l, as just read: it returns the
// lesson's meeting, or errWait or errRetry to go round again, or the error
// that ends the start.
func (s *Service) attempt(ctx context.Context, l Lesson, deadline time.Time) (Lesson, error) {
	now := s.now()
	switch l.Status {
	case StatusLive:
		return s.rejoin(ctx, l, now)
	case StatusStarting:
		return Lesson{}, s.awaitOther(ctx, l, now, deadline)
	}
	if err := Startable(l, now); err != nil {
		return Lesson{}, err
	}
	if err := TooEarly(l, now, s.Early); err != nil {
		return Lesson{}, err
	}
	return s.claimAndCreate(ctx, l)
}

func (s *Service) lesson(ctx context.Context, id string) (Lesson, error) {
	if _, d, ok := ParseOccurrenceID(id); ok {
		if err := CheckDate("the occurrence date of "+id, d); err != nil {
			return Lesson{}, err
		}
	}
	l, err := s.Store.Lesson(ctx, id)
	if ErrorKind(err) == KindNotFound && s.Materialize != nil {
		return s.Materialize(ctx, id)
	}
	return l, err
}

// rejoin returns a live lesson's meeting, once its hold is confirmed. A live
// lesson whose hold is gone (restored from a backup, edited by hand) holds no
// account: it is marked ended, and the start goes round to start it afresh.
func (s *Service) rejoin(ctx context.Context, l Lesson, now time.Time) (Lesson, error) {
	h, held, err := s.Store.Hold(ctx, l.AccountID, l.ID)
	if err != nil {
		return Lesson{}, fmt.Errorf("read hold of live lesson %s: %w", l.ID, err)
	}
	switch {
	case !held || h.Token != l.HoldToken:
		return Lesson{}, s.repair(ctx, l, Unhold{Status: StatusEnded, EndedAt: now})
	case l.Meeting == nil:
		return Lesson{}, fmt.Errorf("lesson %s is live on account %s without a meeting", l.ID, l.AccountID)
	}
	return l, nil
}

// awaitOther waits for the request that is starting l. A claim whose lease
// ran out, or whose hold is gone, was abandoned: it is taken back, fenced by
// its token, and the start goes round. It returns errWait, errRetry or
// lesson_starting once the wait is over.
func (s *Service) awaitOther(ctx context.Context, l Lesson, now, deadline time.Time) error {
	h, held, err := s.Store.Hold(ctx, l.AccountID, l.ID)
	if err != nil {
		return fmt.Errorf("read hold of starting lesson %s: %w", l.ID, err)
	}
	switch {
	case !held || h.Token != l.HoldToken:
		return s.repair(ctx, l, Unhold{Status: StatusScheduled})
	case now.After(l.LeaseUntil):
		// The request that claimed it is gone (crashed or timed out).
		err := s.Store.Release(ctx, Release{AccountID: l.AccountID, LessonID: l.ID, Token: l.HoldToken,
			OnlyClaiming: h.State == HoldClaiming, LessonStatus: StatusScheduled})
		if err != nil && !errors.Is(err, ErrHoldLost) && !errors.Is(err, ErrLessonChanged) {
			return fmt.Errorf("reclaim expired claim of lesson %s: %w", l.ID, err)
		}
		s.log().Info("released account", "account_id", l.AccountID, "lesson", l.ID, "reason", string(ReasonClaimExpired))
		return errRetry
	case time.Now().After(deadline):
		return &Error{Kind: KindConflict, Code: "lesson_starting", RetryAfter: min(2*time.Second, ceilSeconds(l.LeaseUntil.Sub(now))),
			Message: fmt.Sprintf("lesson %s is being started by another request; try again in a few seconds", l.ID)}
	}
	return errWait
}

// repair gives l, which points to a hold that does not exist, the state u
// says (fenced by l's token), and sends the start round again.
func (s *Service) repair(ctx context.Context, l Lesson, u Unhold) error {
	u.LessonID, u.AccountID, u.Token = l.ID, l.AccountID, l.HoldToken
	err := s.Store.Unhold(ctx, u)
	switch {
	case err == nil:
		s.log().Warn("repaired lesson whose hold was missing", "lesson", l.ID, "account_id", l.AccountID, "was", string(l.Status), "now", string(u.Status))
	case errors.Is(err, ErrLessonChanged), errors.Is(err, ErrHoldExists):
		// Someone else moved it on; read it again.
	default:
		return fmt.Errorf("repair lesson %s without its hold: %w", l.ID, err)
	}
	return errRetry
}

// claimAndCreate claims an account for l, creates the meeting and commits it.
// It returns errRetry when l changed or every candidate filled up meanwhile,
// or after taking back holds that were in the way.
func (s *Service) claimAndCreate(ctx context.Context, l Lesson) (Lesson, error) {
	accounts, err := s.Store.Pool(ctx)
	if err != nil {
		return Lesson{}, fmt.Errorf("read pool: %w", err)
	}
	now := s.now()
	// A hold of this very lesson that the lesson does not point to is an
	// orphan; it would make l hold two accounts.
	if s.releaseAll(ctx, orphansOf(accounts, l), now) {
		return Lesson{}, errRetry
	}
	candidates := Candidates(accounts)
	if len(candidates) == 0 {
		// Before giving up, take back what the pool itself shows is over.
		if s.releaseAll(ctx, Overdue(accounts, now, s.grace()), now) {
			return Lesson{}, errRetry
		}
		return Lesson{}, exhausted(accounts, now, s.grace())
	}
	c := Claim{Lesson: l, Token: NewToken(), At: now, LeaseUntil: now.Add(orDefault(s.Lease, time.Minute))}
	if err := s.claim(ctx, &c, candidates); err != nil {
		return Lesson{}, err
	}
	return s.createAndCommit(ctx, c)
}

func (s *Service) grace() time.Duration { return orDefault(s.Grace, DefaultGrace) }

// claim claims the first candidate that still has a free slot, into c. It
// returns errRetry when the lesson changed or every candidate filled up.
func (s *Service) claim(ctx context.Context, c *Claim, candidates []Account) error {
	for _, a := range candidates {
		c.Account = a
		err := s.Store.Claim(ctx, *c)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, ErrAccountBusy):
			continue
		case errors.Is(err, ErrLessonChanged):
			// A request sent again (by the SDK, after a lost answer) may find
			// its own claim, applied the first time, perhaps on a candidate
			// tried before this one.
			if claimed, ok := s.landedClaim(ctx, *c, candidates); ok {
				c.Account = claimed
				return nil
			}
			return errRetry
		default:
			// The claim may have landed before the failure: undo it, fenced by
			// its token, rather than leave the account to the lease.
			_ = s.compensate(ctx, *c, "claim failed")
			return fmt.Errorf("claim account %s for lesson %s: %w", a.ID, c.Lesson.ID, err)
		}
	}
	// Every candidate filled up, perhaps with this very claim, sent again.
	if claimed, ok := s.landedClaim(ctx, *c, candidates); ok {
		c.Account = claimed
		return nil
	}
	return errRetry
}

// landedClaim reports whether lesson c.Lesson holds c's token after all, and
// on which of the candidates.
func (s *Service) landedClaim(ctx context.Context, c Claim, candidates []Account) (Account, bool) {
	l, err := s.Store.Lesson(ctx, c.Lesson.ID)
	if err != nil || l.HoldToken != c.Token {
		return Account{}, false
	}
	for _, a := range candidates {
		if a.ID == l.AccountID {
			return a, true
		}
	}
	return Account{}, false
}

// createAndCommit creates the meeting of claim c in Zoom and records it.
func (s *Service) createAndCommit(ctx context.Context, c Claim) (Lesson, error) {
	m, err := s.Zoom.CreateMeeting(ctx, c.Account, c.Lesson)
	if err != nil {
		_ = s.compensate(ctx, c, "zoom failed")
		s.log().Error("create zoom meeting", "lesson", c.Lesson.ID, "account", c.Account.ID, "err", err)
		return Lesson{}, &Error{Kind: KindUnavailable, Code: "zoom_unavailable", Err: err,
			Message: "Zoom could not create the meeting; the account went back to the pool, please try again"}
	}
	if err := s.Store.Commit(ctx, c, m); err != nil {
		return s.commitFailed(ctx, c, m, err)
	}
	return liveLesson(c, m), nil
}

// commitFailed handles a meeting that exists in Zoom but whose commit failed,
// or whose answer was lost: the commit may have landed. It never deletes a
// meeting that a lesson may be using: only one proven unused, because its
// claim was undone (so no commit can land any more) and no meeting lookup,
// which the commit writes, exists. Its reads and writes run even when the
// request's context is cancelled.
func (s *Service) commitFailed(ctx context.Context, c Claim, m Meeting, commitErr error) (Lesson, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	fail := fmt.Errorf("commit meeting %s of lesson %s: %w", m.ID, c.Lesson.ID, commitErr)
	switch err := s.compensate(ctx, c, "commit failed"); {
	case err == nil:
		// The claim is undone: the commit, conditional on it, can never land.
		s.deleteMeeting(ctx, c.Account, m.ID)
		return Lesson{}, fail
	case !errors.Is(err, ErrHoldLost):
		// The claim stays claiming; its lease runs out and the sweep reclaims
		// it. The meeting is kept: the commit may have landed.
		s.log().Error("commit failed and its claim could not be undone; keeping the meeting",
			"lesson", c.Lesson.ID, "meeting", m.ID, "account", c.Account.ID, "err", err)
		return Lesson{}, fail
	}
	// The hold is not claiming any more: either the commit landed, or the
	// claim was taken back when its lease ran out.
	ref, err := s.Store.MeetingLookup(ctx, m.ID)
	switch {
	case err == nil && ref.Token == c.Token:
		return liveLesson(c, m), nil
	case ErrorKind(err) == KindNotFound:
		s.deleteMeeting(ctx, c.Account, m.ID)
		return Lesson{}, &Error{Kind: KindConflict, Code: "start_expired", RetryAfter: time.Second, Err: commitErr,
			Message: "starting the lesson took too long and was abandoned; please try again"}
	}
	s.log().Error("cannot tell whether a meeting was recorded; keeping it",
		"lesson", c.Lesson.ID, "meeting", m.ID, "account", c.Account.ID, "err", err)
	return Lesson{}, fail
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

// releaseAll releases the stuck holds, each fenced by its token, and reports
// whether any was released. Failures are logged: the sweep tries again.
func (s *Service) releaseAll(ctx context.Context, stuck []Stuck, now time.Time) bool {
	released := false
	for _, st := range stuck {
		reason, err := releaseStuck(ctx, s.Store, st, now, s.grace())
		switch {
		case err == nil:
			released = true
			logRelease(s.log(), st.AccountName, st.Hold.AccountID, st.Hold.LessonID, reason, st.Hold.LessonEnd, "by", "start")
		case errors.Is(err, ErrHoldLost):
			released = true // someone else did; the pool changed either way
		default:
			s.log().Error("start could not release a stuck hold", "account_id", st.Hold.AccountID,
				"lesson", st.Hold.LessonID, "reason", string(st.Reason), "err", err)
		}
	}
	return released
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

func exhausted(accounts []Account, now time.Time, grace time.Duration) error {
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
	wait := RetryAfter(accounts, now, grace)
	return &Error{Kind: KindExhausted, Code: "pool_exhausted", RetryAfter: wait,
		Message: fmt.Sprintf("all %d Zoom accounts are in use; try again in %d seconds", enabled, int(wait.Seconds()))}
}
