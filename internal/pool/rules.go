package pool

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Candidates returns the accounts that can take a lesson now, in the order to
// try them: least loaded first, then least recently claimed, ties at random.
// Spreading claims keeps each Zoom user under its daily meeting quota and keeps
// concurrent starts from all racing for the same account.
func Candidates(accounts []Account) []Account {
	free := make([]Account, 0, len(accounts))
	for _, a := range accounts {
		if a.Free() {
			free = append(free, a)
		}
	}
	rand.Shuffle(len(free), func(i, j int) { free[i], free[j] = free[j], free[i] })
	slices.SortStableFunc(free, func(a, b Account) int {
		if a.Active != b.Active {
			return a.Active - b.Active
		}
		return a.LastClaimedAt.Compare(b.LastClaimedAt)
	})
	return free
}

// overrunPoll is how soon a client is asked to come back when the earliest
// hold belongs to a lesson past its scheduled end: Zoom may report its meeting
// ended at any moment.
const overrunPoll = time.Minute

// RetryAfter is how long a client should wait before starting again when no
// account is free: until the earliest hold on an enabled account can end, and
// at least one second. A claim can end when its lease runs out (a start then
// takes an abandoned claim back), a live hold when its lesson is expected to
// end; a lesson that overran may end any time, and its hold is taken back at
// the latest grace after its end (by the sweep or by a start).
func RetryAfter(accounts []Account, now time.Time, grace time.Duration) time.Duration {
	var earliest time.Time
	for _, a := range accounts {
		if !a.Enabled {
			continue
		}
		for _, h := range a.Holds {
			end := h.LessonEnd
			switch {
			case h.State == HoldClaiming:
				end = h.LeaseUntil
			case !end.After(now):
				end = h.LessonEnd.Add(grace)
				if poll := now.Add(overrunPoll); poll.Before(end) {
					end = poll
				}
			}
			if earliest.IsZero() || end.Before(earliest) {
				earliest = end
			}
		}
	}
	return ceilSeconds(earliest.Sub(now))
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
