package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Stuck is a hold that the sweep releases, and why.
type Stuck struct {
	Hold        Hold
	AccountName string
	Reason      Reason
}

// StuckHolds returns the holds of accounts that nothing else will end, in the
// order of accounts: orphans (lessons has no lesson for the hold, or its lesson
// holds another token or account), claiming holds whose lease ran out before
// now, and holds whose lesson was expected to end more than grace before now.
// lessons holds the lessons of the accounts' holds, by id.
func StuckHolds(accounts []Account, lessons map[string]Lesson, now time.Time, grace time.Duration) []Stuck {
	var stuck []Stuck
	for _, a := range accounts {
		for _, h := range a.Holds {
			if reason, ok := stuckReason(h, lessons, now, grace); ok {
				stuck = append(stuck, Stuck{Hold: h, AccountName: a.Name, Reason: reason})
			}
		}
	}
	return stuck
}

func stuckReason(h Hold, lessons map[string]Lesson, now time.Time, grace time.Duration) (Reason, bool) {
	l, ok := lessons[h.LessonID]
	switch {
	case !ok || l.HoldToken != h.Token || l.AccountID != h.AccountID:
		return ReasonOrphan, true
	case h.State == HoldClaiming:
		// A start is creating the meeting; only its lease tells it is gone.
		return ReasonClaimExpired, now.After(h.LeaseUntil)
	case now.Sub(h.LessonEnd) > grace:
		return ReasonLessonEnded, true
	}
	return "", false
}

// Release is the token-fenced release that ends s at now:
//   - a lesson that ended past the grace becomes ended (at its scheduled end),
//     but only if it is still expected to end by now-grace;
//   - an expired claim is undone as the start flow undoes it: only while still
//     claiming, and its lesson goes back to scheduled, as nothing was used;
//   - an orphan's lesson is left alone.
//
// Its meeting is left to the sweep to end (or, never recorded, to delete).
func (s Stuck) Release(now time.Time, grace time.Duration) Release {
	r := Release{AccountID: s.Hold.AccountID, LessonID: s.Hold.LessonID, Token: s.Hold.Token, MeetingID: s.Hold.MeetingID,
		Cleanup: s.cleanup(now)}
	switch s.Reason {
	case ReasonLessonEnded:
		r.LessonStatus, r.EndedAt, r.EndedBy = StatusEnded, s.Hold.LessonEnd, now.Add(-grace)
	case ReasonClaimExpired:
		r.LessonStatus, r.OnlyClaiming = StatusScheduled, true
	case ReasonOrphan:
		r.Orphan = true
	}
	return r
}

// Overdue returns the holds that are over whatever their lessons say: claims
// whose lease ran out before now, and holds whose lesson was expected to end
// more than grace before now. A start that finds no free account takes them
// back, as the sweep would.
func Overdue(accounts []Account, now time.Time, grace time.Duration) []Stuck {
	var stuck []Stuck
	for _, a := range accounts {
		for _, h := range a.Holds {
			switch {
			case h.State == HoldClaiming && now.After(h.LeaseUntil):
				stuck = append(stuck, Stuck{Hold: h, AccountName: a.Name, Reason: ReasonClaimExpired})
			case h.State != HoldClaiming && now.Sub(h.LessonEnd) > grace:
				stuck = append(stuck, Stuck{Hold: h, AccountName: a.Name, Reason: ReasonLessonEnded})
			}
		}
	}
	return stuck
}

// orphansOf returns the holds of lesson l that l does not point to.
func orphansOf(accounts []Account, l Lesson) []Stuck {
	var stuck []Stuck
	for _, a := range accounts {
		for _, h := range a.Holds {
			if h.LessonID == l.ID && h.Token != l.HoldToken {
				stuck = append(stuck, Stuck{Hold: h, AccountName: a.Name, Reason: ReasonOrphan})
			}
		}
	}
	return stuck
}

// releaser is the one way a hold ends: Store.Release.
type releaser interface {
	Release(ctx context.Context, r Release) error
}

// releaseStuck releases s, fenced by its token. A hold whose lesson turns out
// not to point back to it (the lesson was removed or rewritten by hand) is an
// orphan: it is released without touching the lesson, as long as the lesson
// still does not point to it. It returns the reason the hold was released for.
func releaseStuck(ctx context.Context, st releaser, s Stuck, now time.Time, grace time.Duration) (Reason, error) {
	return releaseOrOrphan(ctx, st, s.Release(now, grace), s.Reason)
}

// releaseOrOrphan sends rel; when its lesson does not point to the hold, it
// releases the hold as an orphan instead.
func releaseOrOrphan(ctx context.Context, st releaser, rel Release, reason Reason) (Reason, error) {
	err := st.Release(ctx, rel)
	if errors.Is(err, ErrLessonChanged) && !rel.Orphan {
		rel.LessonStatus, rel.EndedAt, rel.Orphan = "", time.Time{}, true
		return ReasonOrphan, st.Release(ctx, rel)
	}
	return reason, err
}

// SweepSummary is what one sweep found and did.
type SweepSummary struct {
	At time.Time
	// Holds is how many holds the pool had.
	Holds int
	// Released counts the holds released, by reason.
	Released map[Reason]int
	// Skipped counts stuck holds that changed before the sweep released them:
	// released by a webhook or another sweep, or their lesson was extended.
	Skipped int
	// Failed counts releases that failed; the next sweep tries them again.
	Failed int
	// Unreadable counts holds left alone because their lesson's record
	// cannot be decoded (each is logged with its key).
	Unreadable int
	// Meetings is what the sweep did in Zoom to the meetings that releases
	// (its own, and earlier ones) left to end or delete.
	Meetings CleanupSummary
}

// ReleasedTotal is how many holds the sweep released.
func (s SweepSummary) ReleasedTotal() int {
	n := 0
	for _, c := range s.Released {
		n += c
	}
	return n
}

// Sweep releases every stuck hold of the pool (see StuckHolds). It reads the
// pool with one query and the lessons of its holds by key, never the lessons
// table as a whole, so its cost grows with the busy accounts only. It is safe
// to run concurrently with itself, with starts and with webhooks: each
// release is fenced by the hold's token, and a hold released by someone else
// first is skipped.
//
// Then it ends in Zoom the meetings that releases left running and deletes
// those no lesson uses (see Cleanup): those of its own releases and those
// that earlier releases (by starts, or sweeps that failed) left.
//
// A release that fails does not stop the sweep; Sweep returns the summary
// and the failures joined. A meeting Zoom did not end or delete is counted
// and logged, and tried again by the next sweep.
func (r *Releaser) Sweep(ctx context.Context) (SweepSummary, error) {
	now, grace := r.now(), r.grace()
	sum := SweepSummary{At: now, Released: map[Reason]int{ReasonLessonEnded: 0, ReasonClaimExpired: 0, ReasonOrphan: 0}}
	accounts, err := r.Store.Pool(ctx)
	if err != nil {
		return sum, fmt.Errorf("sweep: read pool: %w", err)
	}
	var lessonIDs []string
	for _, a := range accounts {
		for _, h := range a.Holds {
			sum.Holds++
			lessonIDs = append(lessonIDs, h.LessonID)
		}
	}
	slices.Sort(lessonIDs)
	lessonIDs = slices.Compact(lessonIDs)
	lessons, unreadable := map[string]Lesson{}, map[string]bool{}
	if len(lessonIDs) > 0 {
		if lessons, unreadable, err = r.Store.LessonsByID(ctx, lessonIDs); err != nil {
			return sum, fmt.Errorf("sweep: read lessons of %d holds: %w", len(lessonIDs), err)
		}
	}

	var errs []error
	for _, s := range StuckHolds(accounts, lessons, now, grace) {
		if unreadable[s.Hold.LessonID] {
			// Not an orphan: its lesson exists, and may be using the account.
			sum.Unreadable++
			r.log().Error("sweep left a hold alone: its lesson cannot be read",
				"account", s.AccountName, "account_id", s.Hold.AccountID, "lesson", s.Hold.LessonID)
			continue
		}
		reason, err := releaseStuck(ctx, r.Store, s, now, grace)
		switch {
		case errors.Is(err, ErrHoldLost), errors.Is(err, ErrLessonChanged):
			sum.Skipped++
		case err != nil:
			sum.Failed++
			errs = append(errs, fmt.Errorf("release %s hold of lesson %s on account %s: %w", s.Reason, s.Hold.LessonID, s.Hold.AccountID, err))
			r.log().Error("sweep could not release account; the next sweep tries again",
				"account", s.AccountName, "account_id", s.Hold.AccountID, "lesson", s.Hold.LessonID, "reason", string(s.Reason), "err", err)
		default:
			sum.Released[reason]++
			logRelease(r.log(), s.AccountName, s.Hold.AccountID, s.Hold.LessonID, reason, s.Hold.LessonEnd, "meeting", s.Hold.MeetingID)
		}
	}
	sum.Meetings, err = r.cleanUp(ctx, accounts, now)
	if err != nil {
		errs = append(errs, err)
	}
	m := sum.Meetings
	r.log().Info("sweep",
		"holds", sum.Holds, "released", sum.ReleasedTotal(), "lesson_ended", sum.Released[ReasonLessonEnded],
		"claim_expired", sum.Released[ReasonClaimExpired], "orphan", sum.Released[ReasonOrphan],
		"skipped", sum.Skipped, "failed", sum.Failed, "unreadable", sum.Unreadable, "grace", grace.String(),
		"meetings_ended", m.Ended, "meetings_deleted", m.Deleted, "meetings_failed", m.Failed,
		"meetings_given_up", m.GivenUp, "meetings_pending", m.Pending)
	return sum, errors.Join(errs...)
}
