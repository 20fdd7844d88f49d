package pool

import (
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

// RetryAfter is how long a client should wait before starting again when no
// account is free: until the earliest hold on an enabled account is expected to
// end, and at least one second.
func RetryAfter(accounts []Account, now time.Time) time.Duration {
	var earliest time.Time
	for _, a := range accounts {
		if !a.Enabled {
			continue
		}
		for _, h := range a.Holds {
			end := h.LessonEnd
			if h.State == HoldClaiming && h.LeaseUntil.Before(end) {
				end = h.LeaseUntil
			}
			if earliest.IsZero() || end.Before(earliest) {
				earliest = end
			}
		}
	}
	wait := earliest.Sub(now).Truncate(time.Second)
	if earliest.Sub(now) > wait {
		wait += time.Second // round up: never tell a client to come back too early
	}
	return max(wait, time.Second)
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
