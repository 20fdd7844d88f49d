package pool

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Candidates returns the accounts that can take a lesson at now, in the
// order to try them: at random, each free account as likely as any other.
// Concurrent starts that read the same pool then spread over its free
// accounts instead of racing for the same one, and over a day every user
// creates about as many meetings as any other, which keeps each under Zoom's
// daily limit; accounts at that limit are not candidates.
func Candidates(accounts []Account, now time.Time) []Account {
	free := make([]Account, 0, len(accounts))
	for _, a := range accounts {
		if a.Free(now) {
			free = append(free, a)
		}
	}
	rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	return free
}

// overrunPoll is how soon a client is asked to come back when the earliest
// hold belongs to a lesson past its scheduled end: Zoom may report its meeting
// ended at any moment.
const overrunPoll = time.Minute

// RetryAfter is how long a client should wait before starting again when no
// account is free: until the earliest moment an account may take a lesson
// again, and at least one second. A full account frees a slot when its
// earliest hold can end: a claim when its lease runs out (a start then takes
// an abandoned claim back), a live hold when its lesson is expected to end; a
// lesson that overran may end any time, and its hold is taken back at the
// latest grace after its end (by the sweep or by a start). An account at a
// Zoom daily limit takes lessons again when the limit ends (and a slot is
// free). Disabled accounts and accounts that need an admin's attention are
// left out.
func RetryAfter(accounts []Account, now time.Time, grace time.Duration) time.Duration {
	var earliest time.Time
	for _, a := range accounts {
		if !a.Enabled || a.Attention != nil {
			continue
		}
		at := now
		if a.Active >= a.Capacity {
			at = time.Time{}
			for _, h := range a.Holds {
				if end := holdEnd(h, now, grace); at.IsZero() || end.Before(at) {
					at = end
				}
			}
			if at.IsZero() {
				continue // counted full without holds to wait for: nothing to tell
			}
		}
		if a.Limited(now) && a.LimitedUntil.After(at) {
			at = a.LimitedUntil
		}
		if earliest.IsZero() || at.Before(earliest) {
			earliest = at
		}
	}
	return ceilSeconds(earliest.Sub(now))
}

// holdEnd is when hold h can end, seen at now.
func holdEnd(h Hold, now time.Time, grace time.Duration) time.Time {
	switch {
	case h.State == HoldClaiming:
		return h.LeaseUntil
	case !h.LessonEnd.After(now):
		end := h.LessonEnd.Add(grace)
		if poll := now.Add(overrunPoll); poll.Before(end) {
			end = poll
		}
		return end
	}
	return h.LessonEnd
}

// TooEarly reports, for a scheduled lesson, that now is more than early before
// its start (lesson_too_early, KindConflict, with RetryAfter until it may
// start), or nil. It keeps anyone from holding an account for a lesson days
// ahead.
func TooEarly(l Lesson, now time.Time, early time.Duration) error {
	opens := l.Start.Add(-early)
	if l.Status != StatusScheduled || !now.Before(opens) {
		return nil
	}
	wait := ceilSeconds(opens.Sub(now))
	return &Error{Kind: KindConflict, Code: "lesson_too_early", RetryAfter: wait,
		Message: fmt.Sprintf("lesson %s starts at %s and can be started from %s on (%s before its start); try again in %s",
			l.ID, l.Start.UTC().Format(time.RFC3339), opens.UTC().Format(time.RFC3339), early, formatSeconds(wait))}
}

// Startable reports why a lesson in this state cannot be started now, or nil.
// Lessons that are starting or live are handled by the caller (they are joined,
// not started again).
func Startable(l Lesson, now time.Time) error {
	switch l.Status {
	case StatusCancelled:
		return Conflictf("lesson_not_startable", "lesson %s was cancelled", l.ID)
	case StatusScheduled, StatusEnded:
		// An ended lesson may start again while it is still scheduled to run,
		// e.g. after the host ended the meeting by mistake.
		if !now.Before(l.End) {
			return Conflictf("lesson_not_startable", "lesson %s was scheduled to end at %s; change its end_time to start it again",
				l.ID, l.End.UTC().Format(time.RFC3339))
		}
		return nil
	}
	return Conflictf("lesson_not_startable", "lesson %s is %s", l.ID, l.Status)
}
