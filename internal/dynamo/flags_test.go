package dynamo_test

import (
	"errors"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

// claimAt claims account accountID for lessonID as a start at at would,
// with the account as read then, and returns the claim and the store's answer.
func claimAt(t *testing.T, env *pooltest.Env, a pool.Account, lessonID string, at time.Time) (pool.Claim, error) {
	t.Helper()
	l, err := env.Store.Lesson(ctx, lessonID)
	if err != nil {
		t.Fatal(err)
	}
	c := pool.Claim{Account: a, Lesson: l, Token: pool.NewToken(), At: at, LeaseUntil: at.Add(time.Minute)}
	return c, env.Store.Claim(ctx, c)
}

// giveBack releases claim c as a start whose Zoom call (begun at since)
// was refused, flagging the account with flag.
func giveBack(t *testing.T, env *pooltest.Env, c pool.Claim, flag pool.AccountFlag) {
	t.Helper()
	if err := env.Store.Release(ctx, pool.Release{AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token,
		OnlyClaiming: true, LessonStatus: pool.StatusScheduled, Flag: &flag}); err != nil {
		t.Fatalf("give back the claim of lesson %s: %v", c.Lesson.ID, err)
	}
}

func TestAccountFlags(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	ids := env.AddLessons(t, 2)
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	account := func() pool.Account {
		a, err := env.Store.Account(ctx, "1")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	mustClaim := func(at time.Time) pool.Claim {
		t.Helper()
		c, err := claimAt(t, env, account(), ids[0], at)
		if err != nil {
			t.Fatalf("claim at %s: %v", at, err)
		}
		return c
	}

	// A daily limit is written with the give-back, and refuses claims until it ends.
	giveBack(t, env, mustClaim(t0), pool.AccountFlag{LimitedUntil: t0.Add(time.Hour), Since: t0})
	if a := account(); !a.LimitedUntil.Equal(t0.Add(time.Hour)) || a.Active != 0 {
		t.Fatalf("after the limit: %+v, want limited until %s and no claim", a, t0.Add(time.Hour))
	}
	if _, err := claimAt(t, env, account(), ids[0], t0.Add(30*time.Minute)); !errors.Is(err, pool.ErrAccountBusy) {
		t.Errorf("claim during the limit: %v, want ErrAccountBusy", err)
	}
	// A limit that ends sooner than the one recorded changes nothing; the
	// claim is given back all the same.
	giveBack(t, env, mustClaim(t0.Add(time.Hour)), pool.AccountFlag{LimitedUntil: t0.Add(10 * time.Minute), Since: t0.Add(time.Hour)})
	if a := account(); !a.LimitedUntil.Equal(t0.Add(time.Hour)) || a.Active != 0 {
		t.Errorf("after an earlier limit: %+v, want the limit until %s kept and no claim", a, t0.Add(time.Hour))
	}

	// An admin clears the account at t0+2h: a flag from a call that began
	// before is not written over it, one from a call after is.
	giveBack(t, env, mustClaim(t0.Add(time.Hour)), pool.AccountFlag{LimitedUntil: t0.Add(5 * time.Hour), Since: t0.Add(time.Hour)})
	if _, err := env.Store.UpdateAccount(ctx, "1", pool.AccountPatch{ClearLimit: true, At: t0.Add(2 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	stale := mustClaim(t0.Add(2 * time.Hour))
	giveBack(t, env, stale, pool.AccountFlag{Attention: &pool.Attention{Status: 401, Code: 124, Message: "Invalid access token.", Since: t0},
		Since: t0.Add(2*time.Hour - time.Second)})
	if a := account(); a.Attention != nil || a.Limited(t0.Add(2*time.Hour)) || a.Active != 0 {
		t.Errorf("after a flag from before the admin's clearing: %+v, want no flag and no claim", a)
	}
	att := &pool.Attention{Status: 404, Code: 1001, Message: "User does not exist: zoom-user-1@example.com.", Since: t0.Add(3 * time.Hour)}
	giveBack(t, env, mustClaim(t0.Add(3*time.Hour)), pool.AccountFlag{Attention: att, Since: t0.Add(3 * time.Hour)})
	if a := account(); a.Attention == nil || *a.Attention != *att {
		t.Errorf("after needing attention: %+v, want %+v", a.Attention, att)
	}
	if _, err := claimAt(t, env, account(), ids[0], t0.Add(4*time.Hour)); !errors.Is(err, pool.ErrAccountBusy) {
		t.Errorf("claim of an account that needs attention: %v, want ErrAccountBusy", err)
	}

	// An account given another Zoom user is read again before it is lent.
	before := account()
	user := "zoom-user-9@example.com"
	a, err := env.Store.UpdateAccount(ctx, "1", pool.AccountPatch{ZoomUserID: &user, At: t0.Add(4 * time.Hour)})
	if err != nil || a.Attention != nil || a.ZoomUserID != user {
		t.Fatalf("PATCH zoom_user_id: %+v %v, want the new user and the flag cleared", a, err)
	}
	before.Attention = nil
	if _, err := claimAt(t, env, before, ids[0], t0.Add(4*time.Hour)); !errors.Is(err, pool.ErrAccountBusy) {
		t.Errorf("claim of the account as it was before its user changed: %v, want ErrAccountBusy", err)
	}
	c := mustClaim(t0.Add(4 * time.Hour))
	if _, err := env.Store.UpdateAccount(ctx, "1", pool.AccountPatch{ZoomUserID: &user}); pool.ErrorKind(err) != pool.KindConflict {
		t.Errorf("PATCH zoom_user_id of a busy account: %v, want account_busy", err)
	}
	// Flags never touch what the account counts: it never goes over capacity.
	if _, err := claimAt(t, env, account(), ids[1], t0.Add(4*time.Hour)); !errors.Is(err, pool.ErrAccountBusy) {
		t.Errorf("second claim of a full account: %v, want ErrAccountBusy", err)
	}
	pooltest.CheckInvariants(t, env.Store, c.Lesson.ID, ids[1])
}
