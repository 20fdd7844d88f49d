package pool_test

import (
	"testing"
	"time"

	"zoompool/internal/pool"
)

func TestStuckHolds(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	const grace = 15 * time.Minute
	live := func(lesson string, end time.Duration) pool.Hold {
		return pool.Hold{AccountID: "1", LessonID: lesson, Token: "t-" + lesson, State: pool.HoldLive, LessonEnd: now.Add(end)}
	}
	claiming := func(lesson string, lease, end time.Duration) pool.Hold {
		h := live(lesson, end)
		h.State, h.LeaseUntil = pool.HoldClaiming, now.Add(lease)
		return h
	}
	pointsBack := func(h pool.Hold) pool.Lesson {
		return pool.Lesson{ID: h.LessonID, AccountID: h.AccountID, HoldToken: h.Token}
	}
	for _, tc := range []struct {
		name   string
		hold   pool.Hold
		lesson func(pool.Hold) (pool.Lesson, bool)
		want   pool.Reason // "" keeps the hold
	}{
		{"running lesson", live("a", time.Hour), ok(pointsBack), ""},
		{"ended within the grace", live("a", -10*time.Minute), ok(pointsBack), ""},
		{"ended exactly the grace ago", live("a", -grace), ok(pointsBack), ""},
		{"ended past the grace", live("a", -grace-time.Second), ok(pointsBack), pool.ReasonLessonEnded},
		{"claim within its lease", claiming("a", 30*time.Second, time.Hour), ok(pointsBack), ""},
		{"claim past its lease", claiming("a", -time.Second, time.Hour), ok(pointsBack), pool.ReasonClaimExpired},
		{"claim within its lease of a lesson long over", claiming("a", 30*time.Second, -time.Hour), ok(pointsBack), ""},
		{"lesson missing", live("a", time.Hour), func(pool.Hold) (pool.Lesson, bool) { return pool.Lesson{}, false }, pool.ReasonOrphan},
		{"lesson holds another token", live("a", time.Hour), ok(func(h pool.Hold) pool.Lesson {
			l := pointsBack(h)
			l.HoldToken = "newer"
			return l
		}), pool.ReasonOrphan},
		{"lesson holds another account", live("a", time.Hour), ok(func(h pool.Hold) pool.Lesson {
			l := pointsBack(h)
			l.AccountID = "2"
			return l
		}), pool.ReasonOrphan},
		{"lesson holds nothing", claiming("a", time.Minute, time.Hour), ok(func(h pool.Hold) pool.Lesson {
			return pool.Lesson{ID: h.LessonID}
		}), pool.ReasonOrphan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lessons := map[string]pool.Lesson{}
			if l, found := tc.lesson(tc.hold); found {
				lessons[l.ID] = l
			}
			accounts := []pool.Account{{ID: "1", Name: "Zoom Account 1", Holds: []pool.Hold{tc.hold}}}
			stuck := pool.StuckHolds(accounts, lessons, now, grace)
			switch {
			case tc.want == "" && len(stuck) > 0:
				t.Errorf("got %+v, want the hold kept", stuck)
			case tc.want != "" && (len(stuck) != 1 || stuck[0].Reason != tc.want || stuck[0].AccountName != "Zoom Account 1"):
				t.Errorf("got %+v, want the hold released for %s", stuck, tc.want)
			}
		})
	}
}

func ok(f func(pool.Hold) pool.Lesson) func(pool.Hold) (pool.Lesson, bool) {
	return func(h pool.Hold) (pool.Lesson, bool) { return f(h), true }
}
