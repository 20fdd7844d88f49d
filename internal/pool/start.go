package pool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
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
	// account's Active (if still enabled, below capacity, usable at c.At and
	// lending the same Zoom user with the same credentials), adds a claiming
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
	// RefreshStartURL records m.StartURL, issued at m.StartURLAt, as the host
	// link of lesson lessonID, conditional on the lesson being live on the
	// hold with token. It returns ErrLessonChanged when it is not.
	RefreshStartURL(ctx context.Context, lessonID, token string, m Meeting) error
	// DoneCleanup forgets the cleanup of the claim with token: Zoom has done
	// it. Forgetting one that is gone is not an error.
	DoneCleanup(ctx context.Context, token string) error
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
	// Flag, when set, records on the account, in the same transaction, what
	// Zoom said about it (see AccountFlag).
	Flag *AccountFlag
	// Cleanup, when set, records in the same transaction a meeting that the
	// release leaves to end or delete in Zoom, so that the sweep does it
	// even if the releaser stops right after.
	Cleanup *Cleanup
}

// AccountFlag records on an account what Zoom said about it: a daily limit
// until LimitedUntil, or a failure only an admin can fix (Attention). It is
// written only if it tells more than the account already does (a limit that
// ends later than the one recorded), and only if no admin cleared the
// account's flags after Since, when the call that failed began.
type AccountFlag struct {
	LimitedUntil time.Time
	Attention    *Attention
	Since        time.Time
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
	// ZoomBudget bounds the time one start spends calling Zoom, over every
	// account it tries; the Zoom client's own retries stop at it. It must
	// leave the start time to record the outcome before its function times
	// out, and the claim's Lease must outlast both. DefaultZoomBudget when zero.
	ZoomBudget time.Duration
	// LinkMaxAge is how old a live lesson's host link (start_url) may be
	// when the lesson is started again before a fresh one is fetched from
	// Zoom. DefaultLinkMaxAge when zero.
	LinkMaxAge time.Duration
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

// DefaultZoomBudget is Service.ZoomBudget when it is not set.
const DefaultZoomBudget = 20 * time.Second

// DefaultLinkMaxAge is Service.LinkMaxAge when it is not set: well within
// the two hours a host key (zak) lives, so that a link handed out is good for
// half an hour at least.
const DefaultLinkMaxAge = 90 * time.Minute

// HostKeyLifetime is how long Zoom honours the host key in a start_url after
// issuing it. A host link older than this is useless.
const HostKeyLifetime = 2 * time.Hour

// The outcomes of one attempt that send Start round again.
var (
	// errRetry: the lesson or the pool changed under the attempt, or it
	// repaired something; read again after a short, jittered pause.
	errRetry = errors.New("retry start")
	// errWait: another request is starting the lesson; look again soon.
	errWait = errors.New("wait for the other start")
	// errTaken: another start took the slot the attempt claimed; read the
	// pool again (after a very short pause) and pick again.
	errTaken = errors.New("account taken meanwhile")
	// errNextAccount: Zoom refused the account (a daily limit, or a fault
	// only an admin can fix), which is flagged and given back; try another.
	errNextAccount = errors.New("try the next account")
	// errLook: the last free slots are being claimed by other starts right
	// now; wait a random moment and read the pool again before claiming.
	errLook = errors.New("look again before claiming")
)

// A start that meets contention for the last free slots (see contended)
// waits a random moment and looks again, up to maxLooks times; the first
// pause is at most lookPause, and each one after it at most twice the last.
const (
	maxLooks  = 4
	lookPause = 40 * time.Millisecond
)

// recentClaim is how recent a claim must be to tell that starts are
// claiming right now.
const recentClaim = time.Second

// contended reports whether the pool is down to at most twice as many free
// slots as it has holds claimed in the last recentClaim: starts are racing
// for its last slots. Then a start waits a random moment and reads the pool
// again before it claims, so that racing starts take turns instead of all
// sending a transaction only one of them can win; those that look after the
// slots are gone answer pool_exhausted without one. A start that follows
// released holds, or a quiet pool, never waits.
func contended(accounts []Account, now time.Time) bool {
	free, recent := 0, 0
	for _, a := range accounts {
		if a.Free(now) {
			free += a.Capacity - a.Active
		}
		for _, h := range a.Holds {
			if now.Sub(h.ClaimedAt) < recentClaim {
				recent++
			}
		}
	}
	return free <= 2*recent
}

// startRetries bounds how often one Start goes round after losing a race
// for its lesson, or repairing something.
const startRetries = 12

// maxLosses bounds how many claims one Start may lose to other starts: more
// than a pool has slots to lose.
const maxLosses = 64

// start is what one Start learns as it goes round.
type start struct {
	// zoomBy is when the start stops calling Zoom.
	zoomBy time.Time
	// refused are the accounts Zoom refused in this start; they are not
	// tried again, even if their flag could not be written.
	refused []refusal
	// looks counts the times the start waited for contention to pass (see
	// contended).
	looks int
	// sent are the claims this start sent that failed, by token: one sent
	// again by the SDK after a lost answer fails although the first landed,
	// and the next read of the lesson shows it.
	sent map[string]Claim
}

// refusal is an account Zoom refused, and how.
type refusal struct {
	account Account
	err     *ZoomError
}

func (st *start) skips(id string) bool {
	return slices.ContainsFunc(st.refused, func(r refusal) bool { return r.account.ID == id })
}

// poolRead is the pool as read next to the lesson, or why it could not be read.
type poolRead struct {
	accounts []Account
	err      error
}

func (p poolRead) account(id string) (Account, bool) {
	i := slices.IndexFunc(p.accounts, func(a Account) bool { return a.ID == id })
	if i < 0 {
		return Account{}, false
	}
	return p.accounts[i], true
}

// Start starts the lesson: it claims a free account, creates the meeting and
// returns the live lesson. Starting a lesson that is live returns the same
// meeting (with a fresh host link once the one it has is LinkMaxAge old);
// concurrent starts of one lesson wait for one another and consume one
// account. An account Zoom refuses for a daily limit or for a fault only an
// admin can fix is flagged, given back, and the next free account tried.
//
// Each round reads the lesson and the pool at once, so a start takes three
// round trips to storage (read, claim, commit) besides Zoom.
//
// Errors: invalid_request (an occurrence date outside the accepted window),
// lesson_not_found, lesson_not_startable, lesson_too_early and lesson_starting
// (KindConflict, with RetryAfter), pool_exhausted (KindExhausted, with
// RetryAfter: also when every free account is at Zoom's daily limit),
// no_accounts and zoom_unavailable (KindUnavailable), and concurrent_update
// (KindConflict) when it lost every race it ran.
func (s *Service) Start(ctx context.Context, lessonID string) (Lesson, error) {
	// The waits are the request's own time, not the pool's clock.
	began := time.Now()
	deadline := began.Add(orDefault(s.Wait, 15*time.Second))
	st := &start{zoomBy: began.Add(orDefault(s.ZoomBudget, DefaultZoomBudget))}
	retries, waits, losses := 0, 0, 0
	for {
		l, pr, err := s.read(ctx, lessonID)
		if err != nil {
			return Lesson{}, err
		}
		started, err := s.attempt(ctx, l, pr, st, deadline)
		var pause time.Duration
		switch {
		case errors.Is(err, errNextAccount):
		case errors.Is(err, errLook):
			pause = rand.N(lookPause << (st.looks - 1))
		case errors.Is(err, errTaken):
			// Someone else got the slot: the pool is making progress and
			// fills up (then the start answers pool_exhausted), so losses
			// are bounded by their number, not by the wait: a slow store
			// must not turn progress into a refusal.
			if losses == maxLosses {
				return Lesson{}, Busy("the pool", time.Second, fmt.Errorf("start lesson %s: lost %d claims", lessonID, losses))
			}
			pause = Backoff(losses, 5*time.Millisecond, 50*time.Millisecond)
			losses++
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
		if err := Sleep(ctx, pause); err != nil {
			return Lesson{}, err
		}
	}
}

// read reads the lesson and the pool at once: neither depends on the other,
// and every write that follows is conditional on what it read, so a pool read
// a moment before or after the lesson is as good. A pool that cannot be read
// is reported in the poolRead: a live lesson is rejoined without it.
func (s *Service) read(ctx context.Context, lessonID string) (Lesson, poolRead, error) {
	var pr poolRead
	done := make(chan struct{})
	go func() {
		defer close(done)
		pr.accounts, pr.err = s.Store.Pool(ctx)
	}()
	l, err := s.lesson(ctx, lessonID)
	<-done
	return l, pr, err
}

// attempt takes one step towards starting l, as just read next to the pool:
// it returns the lesson's meeting, or errWait, errRetry, errTaken or
// errNextAccount to go round again, or the error that ends the start.
func (s *Service) attempt(ctx context.Context, l Lesson, pr poolRead, st *start, deadline time.Time) (Lesson, error) {
	now := s.now()
	switch c, mine := st.sent[l.HoldToken]; {
	case l.Status == StatusStarting && mine:
		// A claim of this start that failed landed after all.
		return s.createAndCommit(ctx, c, st)
	case l.Status == StatusLive:
		return s.rejoin(ctx, l, pr, st, now)
	case l.Status == StatusStarting:
		return Lesson{}, s.awaitOther(ctx, l, pr, now, deadline)
	}
	if err := Startable(l, now); err != nil {
		return Lesson{}, err
	}
	if err := TooEarly(l, now, s.Early); err != nil {
		return Lesson{}, err
	}
	return s.claimAndCreate(ctx, l, pr, st)
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

// holdOf returns the hold of lesson l on its account: from the pool read
// next to it, or, when that read failed or shows no such hold (it may have
// been read just before the claim), from storage.
func (s *Service) holdOf(ctx context.Context, l Lesson, pr poolRead) (Hold, bool, error) {
	if a, ok := pr.account(l.AccountID); ok && pr.err == nil {
		for _, h := range a.Holds {
			if h.LessonID == l.ID && h.Token == l.HoldToken {
				return h, true, nil
			}
		}
	}
	return s.Store.Hold(ctx, l.AccountID, l.ID)
}

// rejoin returns a live lesson's meeting, once its hold is confirmed, with a
// fresh host link when the one it has is LinkMaxAge old. A live lesson whose
// hold is gone (restored from a backup, edited by hand) holds no account: it
// is marked ended, and the start goes round to start it afresh.
func (s *Service) rejoin(ctx context.Context, l Lesson, pr poolRead, st *start, now time.Time) (Lesson, error) {
	h, held, err := s.holdOf(ctx, l, pr)
	if err != nil {
		return Lesson{}, fmt.Errorf("read hold of live lesson %s: %w", l.ID, err)
	}
	switch {
	case !held || h.Token != l.HoldToken:
		return Lesson{}, s.repair(ctx, l, Unhold{Status: StatusEnded, EndedAt: now})
	case l.Meeting == nil:
		return Lesson{}, fmt.Errorf("lesson %s is live on account %s without a meeting", l.ID, l.AccountID)
	case now.Sub(l.Meeting.StartURLAt) < orDefault(s.LinkMaxAge, DefaultLinkMaxAge):
		return l, nil
	}
	return s.freshLink(ctx, l, pr, st, now)
}

// freshLink gets a fresh host link for live lesson l from Zoom, records it
// (fenced by the lesson's hold token) and returns the lesson with it. A
// meeting Zoom no longer has is over: its hold is released, the lesson ends,
// and the start goes round to start it with a new meeting.
func (s *Service) freshLink(ctx context.Context, l Lesson, pr poolRead, st *start, now time.Time) (Lesson, error) {
	a, ok := pr.account(l.AccountID)
	if !ok {
		accounts, err := s.Store.Pool(ctx)
		if err != nil {
			return Lesson{}, fmt.Errorf("read pool: %w", err)
		}
		if a, ok = (poolRead{accounts: accounts}).account(l.AccountID); !ok {
			return Lesson{}, errRetry // the account is gone; its hold with it
		}
	}
	zctx, cancel := context.WithDeadline(ctx, st.zoomBy)
	m, err := s.Zoom.Meeting(zctx, a, l.Meeting.ID)
	cancel()
	switch {
	case errors.Is(err, ErrMeetingNotFound):
		err := s.Store.Release(ctx, Release{AccountID: l.AccountID, LessonID: l.ID, Token: l.HoldToken,
			LessonStatus: StatusEnded, EndedAt: now, MeetingID: l.Meeting.ID})
		if err != nil && !errors.Is(err, ErrHoldLost) && !errors.Is(err, ErrLessonChanged) {
			return Lesson{}, fmt.Errorf("release lesson %s, whose meeting Zoom no longer has: %w", l.ID, err)
		}
		s.log().Warn("released account: Zoom no longer has the meeting; the lesson starts with a new one",
			"account", a.Name, "account_id", a.ID, "lesson", l.ID, "meeting", l.Meeting.ID)
		return Lesson{}, errRetry
	case err != nil && now.Sub(l.Meeting.StartURLAt) < HostKeyLifetime:
		s.log().Warn("could not renew a host link; the one given out is still valid",
			"lesson", l.ID, "account_id", a.ID, "meeting", l.Meeting.ID, "link_issued_at", l.Meeting.StartURLAt, "err", err)
		return l, nil
	case err != nil:
		s.log().Error("could not renew a host link", "lesson", l.ID, "account_id", a.ID, "meeting", l.Meeting.ID, "err", err)
		return Lesson{}, &Error{Kind: KindUnavailable, Code: "zoom_unavailable", Err: err,
			Message: fmt.Sprintf("Zoom could not renew the host link of lesson %s; the lesson is still live, please try again", l.ID)}
	}
	fresh := *l.Meeting
	fresh.StartURL, fresh.StartURLAt = m.StartURL, s.now()
	switch err := s.Store.RefreshStartURL(ctx, l.ID, l.HoldToken, fresh); {
	case errors.Is(err, ErrLessonChanged):
		return Lesson{}, errRetry
	case err != nil:
		// The link is good whether or not it was recorded; the next start
		// of the lesson fetches another.
		s.log().Error("could not record a renewed host link", "lesson", l.ID, "meeting", l.Meeting.ID, "err", err)
	default:
		l.Version++
	}
	l.Meeting = &fresh
	return l, nil
}

// awaitOther waits for the request that is starting l. A claim whose lease
// ran out, or whose hold is gone, was abandoned: it is taken back, fenced by
// its token, and the start goes round. It returns errWait, errRetry or
// lesson_starting once the wait is over.
func (s *Service) awaitOther(ctx context.Context, l Lesson, pr poolRead, now, deadline time.Time) error {
	h, held, err := s.holdOf(ctx, l, pr)
	if err != nil {
		return fmt.Errorf("read hold of starting lesson %s: %w", l.ID, err)
	}
	switch {
	case !held || h.Token != l.HoldToken:
		return s.repair(ctx, l, Unhold{Status: StatusScheduled})
	case now.After(l.LeaseUntil):
		// The request that claimed it is gone (crashed or timed out); it may
		// have made the meeting, which the sweep then deletes.
		st := Stuck{Hold: h, Reason: ReasonClaimExpired}
		rel := Release{AccountID: l.AccountID, LessonID: l.ID, Token: l.HoldToken,
			OnlyClaiming: h.State == HoldClaiming, LessonStatus: StatusScheduled, Cleanup: st.cleanup(now)}
		err := s.Store.Release(ctx, rel)
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
// It returns errRetry when l changed, errTaken when the account it tried
// filled up meanwhile, errNextAccount when Zoom refused the account, or
// errRetry after taking back holds that were in the way.
func (s *Service) claimAndCreate(ctx context.Context, l Lesson, pr poolRead, st *start) (Lesson, error) {
	if pr.err != nil {
		return Lesson{}, fmt.Errorf("read pool: %w", pr.err)
	}
	accounts := pr.accounts
	now := s.now()
	// A hold of this very lesson that the lesson does not point to is an
	// orphan; it would make l hold two accounts.
	if s.releaseAll(ctx, orphansOf(accounts, l), now) {
		return Lesson{}, errRetry
	}
	candidates := slices.DeleteFunc(Candidates(accounts, now), func(a Account) bool { return st.skips(a.ID) })
	if len(candidates) == 0 {
		// Before giving up, take back what the pool itself shows is over.
		if s.releaseAll(ctx, Overdue(accounts, now, s.grace()), now) {
			return Lesson{}, errRetry
		}
		return Lesson{}, st.exhausted(accounts, now, s.grace())
	}
	if st.looks < maxLooks && contended(accounts, now) {
		st.looks++
		return Lesson{}, errLook
	}
	// One claim per read of the pool: when it fails, the pool is read again
	// rather than the next candidate tried blindly, since a read costs less
	// than a failed transaction and tells which slots are still free.
	c := Claim{Account: candidates[0], Lesson: l, Token: NewToken(), At: now, LeaseUntil: now.Add(orDefault(s.Lease, time.Minute))}
	switch err := s.Store.Claim(ctx, c); {
	case errors.Is(err, ErrAccountBusy), errors.Is(err, ErrLessonChanged):
		// Another start got there first, or this claim was sent again (by
		// the SDK, after a lost answer) and met itself: the next read of
		// the lesson tells.
		if st.sent == nil {
			st.sent = map[string]Claim{}
		}
		st.sent[c.Token] = c
		if errors.Is(err, ErrAccountBusy) {
			return Lesson{}, errTaken
		}
		return Lesson{}, errRetry
	case err != nil:
		// The claim may have landed before the failure: undo it, fenced by
		// its token, rather than leave the account to the lease.
		_ = s.compensate(ctx, c, "claim failed", nil, nil)
		return Lesson{}, fmt.Errorf("claim account %s for lesson %s: %w", c.Account.ID, l.ID, err)
	}
	return s.createAndCommit(ctx, c, st)
}

func (s *Service) grace() time.Duration { return orDefault(s.Grace, DefaultGrace) }

// createAndCommit creates the meeting of claim c in Zoom and records it.
func (s *Service) createAndCommit(ctx context.Context, c Claim, st *start) (Lesson, error) {
	zctx, cancel := context.WithDeadline(ctx, st.zoomBy)
	began := s.now()
	m, err := s.Zoom.CreateMeeting(zctx, c.Account, c.Lesson, c.Token)
	cancel()
	if err != nil {
		return Lesson{}, s.zoomFailed(ctx, c, began, err, st)
	}
	m.StartURLAt = s.now()
	if err := s.Store.Commit(ctx, c, m); err != nil {
		return s.commitFailed(ctx, c, m, err)
	}
	return liveLesson(c, m), nil
}

// zoomFailed gives back claim c, whose meeting Zoom did not create (the call
// began at began and failed with err). An account Zoom refused for a daily
// limit or for a fault only an admin can fix is flagged in the same
// transaction, and errNextAccount returned while the start may still call
// Zoom; any other failure ends the start with zoom_unavailable. A failure
// after which the meeting may exist all the same leaves its deletion to the
// sweep.
func (s *Service) zoomFailed(ctx context.Context, c Claim, began time.Time, err error, st *start) error {
	ze, isZoom := ZoomFailureOf(err)
	var flag *AccountFlag
	var cleanup *Cleanup
	if !isZoom || ze.MayExist || ze.Failure == ZoomTransient {
		cleanup = (Stuck{Hold: Hold{AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token},
			Reason: ReasonCompensation}).cleanup(s.now())
	}
	log := s.log().With("lesson", c.Lesson.ID, "account", c.Account.Name, "account_id", c.Account.ID)
	switch {
	case isZoom && ze.Failure == ZoomLimited:
		if !ze.Until.After(began) {
			ze.Until = nextMidnightUTC(began)
		}
		until := ze.Until
		flag = &AccountFlag{LimitedUntil: until, Since: began}
		log.Warn("zoom account reached a daily limit; starts skip it until then", "until", until.UTC(),
			"zoom_status", ze.Status, "zoom_code", ze.Code, "zoom_message", ze.Message)
	case isZoom && ze.Failure == ZoomNeedsAttention:
		flag = &AccountFlag{Attention: &Attention{Status: ze.Status, Code: ze.Code, Message: ze.Message, Since: s.now()}, Since: began}
		log.Error("zoom account needs attention; starts skip it until an admin changes it",
			"zoom_status", ze.Status, "zoom_code", ze.Code, "zoom_message", ze.Message)
	default:
		log.Error("create zoom meeting", "err", err)
	}
	cerr := s.compensate(ctx, c, "zoom failed", flag, cleanup)
	if flag == nil || cerr != nil && !errors.Is(cerr, ErrHoldLost) {
		// Not the account's fault, or its claim stays until its lease ends:
		// either way another account would not help now.
		return &Error{Kind: KindUnavailable, Code: "zoom_unavailable", Err: err,
			Message: "Zoom could not create the meeting; the account went back to the pool, please try again"}
	}
	st.refused = append(st.refused, refusal{account: c.Account, err: ze})
	if time.Now().Before(st.zoomBy) && ctx.Err() == nil {
		return errNextAccount
	}
	return st.unavailable()
}

// nextMidnightUTC is the first 00:00 UTC after t, when Zoom's daily limits
// start over unless it says otherwise.
func nextMidnightUTC(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// exhausted is the error of a start that finds no account to try: the pool's
// (pool_exhausted with the honest Retry-After, or no_accounts), unless Zoom
// refused accounts in this start for reasons other than a daily limit.
func (st *start) exhausted(accounts []Account, now time.Time, grace time.Duration) error {
	if slices.ContainsFunc(st.refused, func(r refusal) bool { return r.err.Failure != ZoomLimited }) {
		return st.unavailable()
	}
	if len(st.refused) > 0 {
		// The pool as read may not show the limits just met yet.
		accounts = slices.Clone(accounts)
		for i, a := range accounts {
			if j := slices.IndexFunc(st.refused, func(r refusal) bool { return r.account.ID == a.ID }); j >= 0 && !a.Limited(now) {
				accounts[i].LimitedUntil = st.refused[j].err.Until
			}
		}
	}
	return exhausted(accounts, now, grace)
}

// unavailable is the error of a start that Zoom refused on every account it
// tried.
func (st *start) unavailable() error {
	var parts []string
	for _, r := range st.refused {
		what := "is at Zoom's daily limit"
		if r.err.Failure == ZoomNeedsAttention {
			what = fmt.Sprintf("needs an admin's attention (Zoom %d: %s)", r.err.Code, r.err.Message)
		}
		parts = append(parts, fmt.Sprintf("account %s %s", r.account.Name, what))
	}
	return &Error{Kind: KindUnavailable, Code: "zoom_unavailable",
		Message: fmt.Sprintf("Zoom refused every Zoom account that was free: %s; please try again later", strings.Join(parts, "; "))}
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
	cleanup := &Cleanup{AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token, MeetingID: m.ID,
		Action: ActionDelete, Reason: ReasonCompensation, At: s.now()}
	switch err := s.compensate(ctx, c, "commit failed", nil, cleanup); {
	case err == nil:
		// The claim is undone: the commit, conditional on it, can never land.
		s.deleteMeeting(ctx, c.Account, m.ID, c.Token)
		return Lesson{}, fail
	case !errors.Is(err, ErrHoldLost):
		// The claim stays claiming; its lease runs out and the sweep reclaims
		// it, and deletes the meeting. The meeting is kept meanwhile: the
		// commit may have landed.
		s.log().Error("commit failed and its claim could not be undone; keeping the meeting",
			"lesson", c.Lesson.ID, "meeting", m.ID, "account", c.Account.ID, "err", err)
		return Lesson{}, fail
	}
	// The hold is not claiming any more: either the commit landed, or the
	// claim was taken back when its lease ran out (and the meeting left to
	// the sweep to delete).
	ref, err := s.Store.MeetingLookup(ctx, m.ID)
	switch {
	case err == nil && ref.Token == c.Token:
		return liveLesson(c, m), nil
	case ErrorKind(err) == KindNotFound:
		s.deleteMeeting(ctx, c.Account, m.ID, "")
		return Lesson{}, &Error{Kind: KindConflict, Code: "start_expired", RetryAfter: time.Second, Err: commitErr,
			Message: "starting the lesson took too long and was abandoned; please try again"}
	}
	s.log().Error("cannot tell whether a meeting was recorded; keeping it",
		"lesson", c.Lesson.ID, "meeting", m.ID, "account", c.Account.ID, "err", err)
	return Lesson{}, fail
}

// compensate undoes a claim whose meeting will not be used, flagging its
// account and recording what is left to clean up in Zoom, if anything, in
// the same transaction. It runs even when the request's context is
// cancelled: a client hanging up must not leak the account.
func (s *Service) compensate(ctx context.Context, c Claim, why string, flag *AccountFlag, cleanup *Cleanup) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := s.Store.Release(ctx, Release{AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token,
		OnlyClaiming: true, LessonStatus: StatusScheduled, Flag: flag, Cleanup: cleanup})
	if err != nil && !errors.Is(err, ErrHoldLost) {
		s.log().Error("compensate claim; the sweep will reclaim it when its lease ends",
			"why", why, "lesson", c.Lesson.ID, "account", c.Account.ID, "lease_until", c.LeaseUntil, "err", err)
	}
	return err
}

// deleteMeeting deletes a meeting no lesson uses, now, and forgets the
// cleanup recorded for it under the claim's token, if any; when Zoom fails,
// the cleanup stays for the sweep.
func (s *Service) deleteMeeting(ctx context.Context, a Account, meetingID, token string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := s.Zoom.DeleteMeeting(ctx, a, meetingID); err != nil {
		s.log().Warn("delete unused zoom meeting; the sweep tries again", "meeting", meetingID, "account", a.ID, "err", err)
		return
	}
	if token != "" {
		if err := s.Store.DoneCleanup(ctx, token); err != nil {
			s.log().Warn("forget a cleanup done; the sweep does it again", "meeting", meetingID, "err", err)
		}
	}
}

// releaseAll releases the stuck holds, each fenced by its token, and reports
// whether the pool changed: a hold released, by this start or by anyone else
// first. Failures are logged: the sweep tries again.
func (s *Service) releaseAll(ctx context.Context, stuck []Stuck, now time.Time) bool {
	released := false
	for _, st := range stuck {
		reason, err := releaseStuck(ctx, s.Store, st, now, s.grace())
		switch {
		case err == nil:
			released = true
			logRelease(s.log(), st.AccountName, st.Hold.AccountID, st.Hold.LessonID, reason, st.Hold.LessonEnd, "by", "start")
		case errors.Is(err, ErrHoldLost), errors.Is(err, ErrLessonChanged):
			released = true // someone else moved it on; the pool changed either way
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
	usable, limited, attention := 0, 0, 0
	for _, a := range accounts {
		switch {
		case !a.Enabled:
		case a.Attention != nil:
			attention++
		default:
			usable++
			if a.Limited(now) {
				limited++
			}
		}
	}
	switch {
	case usable == 0 && attention > 0:
		return &Error{Kind: KindUnavailable, Code: "no_accounts",
			Message: fmt.Sprintf("every enabled Zoom account (%d) needs an admin's attention: Zoom refused them (see needs_attention in the accounts API)", attention)}
	case usable == 0:
		return &Error{Kind: KindUnavailable, Code: "no_accounts",
			Message: "the pool has no enabled Zoom accounts; an admin must add or enable one"}
	}
	wait := RetryAfter(accounts, now, grace)
	what := fmt.Sprintf("all %d Zoom accounts are in use", usable)
	if limited > 0 {
		what = fmt.Sprintf("all %d Zoom accounts are in use or, %d of them, at Zoom's daily limit of new meetings", usable, limited)
	}
	return &Error{Kind: KindExhausted, Code: "pool_exhausted", RetryAfter: wait,
		Message: fmt.Sprintf("%s; try again in %d seconds", what, int(wait.Seconds()))}
}
