package pool_test

import (
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
)

func ids(accounts []pool.Account) []string {
	out := make([]string, len(accounts))
	for i, a := range accounts {
		out[i] = a.ID
	}
	return out
}

func TestCandidatesAreTheFreeAccounts(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	accounts := []pool.Account{
		{ID: "full", Capacity: 1, Active: 1, Enabled: true},
		{ID: "off", Capacity: 2, Enabled: false},
		{ID: "busy-half", Capacity: 2, Active: 1, Enabled: true, LastClaimedAt: now},
		{ID: "idle-recent", Capacity: 1, Enabled: true, LastClaimedAt: now.Add(-time.Minute)},
		{ID: "idle-old", Capacity: 1, Enabled: true, LastClaimedAt: now.Add(-time.Hour)},
		{ID: "limited", Capacity: 1, Enabled: true, LimitedUntil: now.Add(time.Hour)},
		{ID: "limit-over", Capacity: 1, Enabled: true, LimitedUntil: now},
		{ID: "broken", Capacity: 1, Enabled: true, Attention: &pool.Attention{Status: 404, Code: 1001}},
	}
	got := ids(pool.Candidates(accounts, now))
	slices.Sort(got)
	if want := []string{"busy-half", "idle-old", "idle-recent", "limit-over"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// Concurrent starts that read the same pool pick different accounts, and
// over many starts every free account is picked about as often.
func TestCandidatesSpreadClaims(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	accounts := []pool.Account{
		{ID: "a", Capacity: 1, Enabled: true, LastClaimedAt: now.Add(-time.Hour)},
		{ID: "b", Capacity: 1, Enabled: true, LastClaimedAt: now.Add(-time.Minute)},
		{ID: "c", Capacity: 2, Active: 1, Enabled: true, LastClaimedAt: now},
	}
	first := map[string]int{}
	for range 300 {
		first[pool.Candidates(accounts, now)[0].ID]++
	}
	for _, id := range []string{"a", "b", "c"} {
		if first[id] < 60 {
			t.Errorf("account %s came first %d times in 300, want about 100: starts must spread over the free accounts", id, first[id])
		}
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	hold := func(state pool.HoldState, end, lease time.Duration) pool.Hold {
		h := pool.Hold{State: state, LessonEnd: now.Add(end)}
		if lease != 0 {
			h.LeaseUntil = now.Add(lease)
		}
		return h
	}
	for _, tc := range []struct {
		name     string
		accounts []pool.Account
		want     time.Duration
	}{
		{"earliest lesson end", []pool.Account{
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldLive, 40*time.Minute, 0)}},
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldLive, 25*time.Minute+300*time.Millisecond, 0)}},
		}, 25*time.Minute + time.Second},
		{"a claim's lease ends first", []pool.Account{
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldClaiming, time.Hour, 45*time.Second)}},
		}, 45 * time.Second},
		{"disabled accounts do not count", []pool.Account{
			{Enabled: false, Holds: []pool.Hold{hold(pool.HoldLive, time.Minute, 0)}},
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldLive, time.Hour, 0)}},
		}, time.Hour},
		{"overrunning lesson: in a minute, as Zoom may report it over any time", []pool.Account{
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldLive, -5*time.Minute, 0)}},
		}, time.Minute},
		{"overrunning lesson near the end of its grace: when the grace ends", []pool.Account{
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldLive, -14*time.Minute-30*time.Second, 0)}},
		}, 30 * time.Second},
		{"a claim whose lease ran out: at least a second", []pool.Account{
			{Enabled: true, Holds: []pool.Hold{hold(pool.HoldClaiming, time.Hour, -time.Second)}},
		}, time.Second},
		{"an account at Zoom's daily limit: when the limit ends", []pool.Account{
			{Enabled: true, Capacity: 1, LimitedUntil: now.Add(3 * time.Hour)},
			{Enabled: true, Capacity: 1, Active: 1, Holds: []pool.Hold{hold(pool.HoldLive, 5*time.Hour, 0)}},
		}, 3 * time.Hour},
		{"a limited account that is full besides: when both are over", []pool.Account{
			{Enabled: true, Capacity: 1, Active: 1, LimitedUntil: now.Add(time.Hour), Holds: []pool.Hold{hold(pool.HoldLive, 2*time.Hour, 0)}},
			{Enabled: true, Capacity: 1, LimitedUntil: now.Add(4 * time.Hour)},
		}, 2 * time.Hour},
		{"accounts that need attention do not count", []pool.Account{
			{Enabled: true, Capacity: 1, Attention: &pool.Attention{Code: 1001}},
			{Enabled: true, Capacity: 1, LimitedUntil: now.Add(time.Hour)},
		}, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := pool.RetryAfter(tc.accounts, now, 15*time.Minute); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestStartable(t *testing.T) {
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	l := pool.Lesson{ID: "1", Start: now.Add(-time.Hour), End: now.Add(time.Hour)}
	for _, tc := range []struct {
		status pool.LessonStatus
		end    time.Time
		ok     bool
	}{
		{pool.StatusScheduled, l.End, true},
		{pool.StatusEnded, l.End, true}, // the host ended the meeting by mistake
		{pool.StatusScheduled, now, false},
		{pool.StatusEnded, now.Add(-time.Minute), false},
		{pool.StatusCancelled, l.End, false},
	} {
		l.Status, l.End = tc.status, tc.end
		err := pool.Startable(l, now)
		if (err == nil) != tc.ok {
			t.Errorf("%s lesson ending %s: got %v, want startable %v", tc.status, tc.end.Sub(now), err, tc.ok)
		}
		if err != nil && pool.ErrorKind(err) != pool.KindConflict {
			t.Errorf("%s: error kind %v, want conflict", tc.status, pool.ErrorKind(err))
		}
	}
}
