package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

var ctx = context.Background()

func claim(t *testing.T, env *pooltest.Env, accountID, lessonID string) pool.Claim {
	t.Helper()
	a, err := env.Store.Account(ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	l, err := env.Store.Lesson(ctx, lessonID)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	c := pool.Claim{Account: a, Lesson: l, Token: pool.NewToken(), At: now, LeaseUntil: now.Add(time.Minute)}
	if err := env.Store.Claim(ctx, c); err != nil {
		t.Fatalf("claim account %s for lesson %s: %v", accountID, lessonID, err)
	}
	return c
}

func TestClaimConditions(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1, 2)
	ids := env.AddLessons(t, 4)

	first := claim(t, env, "1", ids[0])

	t.Run("full account", func(t *testing.T) {
		l, _ := env.Store.Lesson(ctx, ids[1])
		a, _ := env.Store.Account(ctx, "1")
		a.Active = 0 // a stale read: the store must not trust it
		err := env.Store.Claim(ctx, pool.Claim{Account: a, Lesson: l, Token: pool.NewToken(), At: time.Now(), LeaseUntil: time.Now().Add(time.Minute)})
		if !errors.Is(err, pool.ErrAccountBusy) {
			t.Errorf("claim of a full account: got %v, want ErrAccountBusy", err)
		}
	})
	t.Run("lesson claimed meanwhile", func(t *testing.T) {
		a, _ := env.Store.Account(ctx, "2")
		err := env.Store.Claim(ctx, pool.Claim{Account: a, Lesson: first.Lesson, Token: pool.NewToken(), At: time.Now(), LeaseUntil: time.Now().Add(time.Minute)})
		if !errors.Is(err, pool.ErrLessonChanged) {
			t.Errorf("second claim of lesson %s from its old version: got %v, want ErrLessonChanged", ids[0], err)
		}
	})
	t.Run("disabled account", func(t *testing.T) {
		off := false
		if _, err := env.Store.UpdateAccount(ctx, "2", pool.AccountPatch{Enabled: &off}); err != nil {
			t.Fatal(err)
		}
		a, _ := env.Store.Account(ctx, "2")
		a.Enabled = true
		l, _ := env.Store.Lesson(ctx, ids[2])
		err := env.Store.Claim(ctx, pool.Claim{Account: a, Lesson: l, Token: pool.NewToken(), At: time.Now(), LeaseUntil: time.Now().Add(time.Minute)})
		if !errors.Is(err, pool.ErrAccountBusy) {
			t.Errorf("claim of a disabled account: got %v, want ErrAccountBusy", err)
		}
	})
	pooltest.CheckInvariants(t, env.Store, ids...)
}

func TestReleaseIsFencedByToken(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	ids := env.AddLessons(t, 1)

	old := claim(t, env, "1", ids[0])
	if err := env.Store.Release(ctx, pool.Release{AccountID: "1", LessonID: ids[0], Token: old.Token, LessonStatus: pool.StatusScheduled}); err != nil {
		t.Fatal(err)
	}
	current := claim(t, env, "1", ids[0])

	err := env.Store.Release(ctx, pool.Release{AccountID: "1", LessonID: ids[0], Token: old.Token, LessonStatus: pool.StatusEnded, EndedAt: time.Now()})
	if !errors.Is(err, pool.ErrHoldLost) {
		t.Fatalf("release with a stale token: got %v, want ErrHoldLost", err)
	}
	err = env.Store.Commit(ctx, old, pool.Meeting{ID: "81234567890"})
	if !errors.Is(err, pool.ErrHoldLost) {
		t.Fatalf("commit with a stale token: got %v, want ErrHoldLost", err)
	}
	a, _ := env.Store.Account(ctx, "1")
	if len(a.Holds) != 1 || a.Holds[0].Token != current.Token {
		t.Fatalf("after stale writes the account holds %+v, want the current claim %s", a.Holds, current.Token)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)

	if err := env.Store.Commit(ctx, current, pool.Meeting{ID: "81234567890", JoinURL: "https://zoom.us/j/81234567890?pwd=x"}); err != nil {
		t.Fatal(err)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)
	err = env.Store.Release(ctx, pool.Release{AccountID: "1", LessonID: ids[0], Token: current.Token, OnlyClaiming: true, LessonStatus: pool.StatusScheduled})
	if !errors.Is(err, pool.ErrHoldLost) {
		t.Fatalf("compensating a hold that went live: got %v, want ErrHoldLost", err)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)
}

func TestPutLessonMovesTheHoldsEnd(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	ids := env.AddLessons(t, 1)
	claim(t, env, "1", ids[0])

	later := time.Now().Add(3 * time.Hour).UTC().Truncate(time.Second)
	l, err := pool.EditLesson(ctx, env.Store, ids[0], func(l *pool.Lesson) error { l.End = later; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if !l.End.Equal(later) {
		t.Errorf("lesson end = %s, want %s", l.End, later)
	}
	a, _ := env.Store.Account(ctx, "1")
	if got := a.Holds[0].LessonEnd; !got.Equal(later) {
		t.Errorf("hold's expected end = %s, want %s", got, later)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)
}

func TestLessonsByRange(t *testing.T) {
	env := pooltest.New(t)
	day := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	add := func(id, teacher, group string, start time.Time, d time.Duration) {
		if _, err := env.Store.PutLesson(ctx, pool.Lesson{ID: id, Title: id, TeacherID: teacher, GroupID: group,
			Start: start, End: start.Add(d), Status: pool.StatusScheduled}); err != nil {
			t.Fatal(err)
		}
	}
	add("before", "t1", "g1", day.Add(-3*time.Hour), time.Hour)    // ends before the range
	add("overnight", "t1", "g2", day.Add(-time.Hour), 2*time.Hour) // starts before, runs into it
	add("morning", "t2", "g1", day.Add(9*time.Hour), time.Hour)    // inside
	add("newyear", "t1", "g1", day.Add(24*time.Hour), time.Hour)   // next month, next year
	add("atend", "t2", "g2", day.Add(48*time.Hour), time.Hour)     // starts at the range's end

	from, to := day, day.Add(48*time.Hour)
	for _, tc := range []struct {
		name string
		q    pool.LessonQuery
		want []string
	}{
		{"all", pool.LessonQuery{From: from, To: to}, []string{"overnight", "morning", "newyear"}},
		{"teacher", pool.LessonQuery{From: from, To: to, TeacherID: "t1"}, []string{"overnight", "newyear"}},
		{"group", pool.LessonQuery{From: from, To: to, GroupID: "g1"}, []string{"morning", "newyear"}},
		{"teacher and group", pool.LessonQuery{From: from, To: to, TeacherID: "t1", GroupID: "g1"}, []string{"newyear"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lessons, err := env.Store.Lessons(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range lessons {
				got = append(got, l.ID)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
}

func TestAccountCapacityAndDeletionRespectHolds(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 2)
	ids := env.AddLessons(t, 2)
	claim(t, env, "1", ids[0])
	claim(t, env, "1", ids[1])

	one := 1
	_, err := env.Store.UpdateAccount(ctx, "1", pool.AccountPatch{Capacity: &one})
	if pool.ErrorKind(err) != pool.KindConflict {
		t.Errorf("lowering capacity below two holds: got %v, want a conflict", err)
	}
	if err := env.Store.DeleteAccount(ctx, "1"); pool.ErrorKind(err) != pool.KindConflict {
		t.Errorf("deleting an account that holds lessons: got %v, want a conflict", err)
	}
	if err := env.Store.DeleteAccount(ctx, "nope"); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("deleting a missing account: got %v, want not found", err)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)
}

func TestLessonsByIDReadsInBatchesOfAHundred(t *testing.T) {
	env := pooltest.New(t)
	now := time.Now()
	var ids []string
	for i := range 150 {
		id := fmt.Sprintf("L%03d", i)
		env.AddLesson(t, id, now, now.Add(time.Hour))
		ids = append(ids, id)
	}
	ask := append(slices.Clone(ids), "missing", ids[0]) // a missing id, and one asked twice

	env.Engine.ResetRequests()
	got, _, err := env.Store.LessonsByID(ctx, ask)
	if err != nil {
		t.Fatal(err)
	}
	if n := env.Engine.Requests()["BatchGetItem"]; n != 2 {
		t.Errorf("reading %d lessons took %d BatchGetItem requests, want 2", len(ids), n)
	}
	if len(got) != len(ids) {
		t.Errorf("got %d lessons, want %d", len(got), len(ids))
	}
	for _, id := range ids {
		if got[id].ID != id || got[id].Title != "Lesson "+id {
			t.Errorf("lesson %s read as %+v", id, got[id])
		}
	}
	if _, ok := got["missing"]; ok {
		t.Error("a missing lesson is in the result")
	}
}

func TestReleaseEndedByKeepsALessonThatEndsLater(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	ids := env.AddLessons(t, 1) // ends in an hour
	c := claim(t, env, "1", ids[0])
	err := env.Store.Release(ctx, pool.Release{AccountID: "1", LessonID: ids[0], Token: c.Token,
		LessonStatus: pool.StatusEnded, EndedAt: time.Now(), EndedBy: time.Now()})
	if !errors.Is(err, pool.ErrHoldLost) {
		t.Fatalf("release of a lesson ending after EndedBy: got %v, want ErrHoldLost", err)
	}
	err = env.Store.Release(ctx, pool.Release{AccountID: "1", LessonID: ids[0], Token: c.Token,
		LessonStatus: pool.StatusEnded, EndedAt: time.Now(), EndedBy: time.Now().Add(2 * time.Hour)})
	if err != nil {
		t.Fatalf("release of a lesson ending before EndedBy: %v", err)
	}
	pooltest.CheckInvariants(t, env.Store, ids...)
}
