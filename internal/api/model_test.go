package api_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"zoompool/internal/dynamo"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

// model is one run of the model-based test: a pool of its own (accounts and
// lessons named after the run) in the shared table, its own fake Zoom and
// clock, and the start and release paths the functions run.
type model struct {
	store    *dynamo.Store
	zoom     *zoom.Fake
	svc      *pool.Service
	rel      *pool.Releaser
	now      time.Time
	accounts []string
	lessons  []string
	// refused is set when Zoom refused a create as zoomRefuses told it to.
	refused bool
}

const (
	modelLease = time.Minute
	modelEarly = 15 * time.Minute
	modelGrace = 15 * time.Minute
)

func newModel(t *rapid.T, env *pooltest.Env, run string) *model {
	m := &model{store: dynamo.New(env.Client, env.Table, run), zoom: &zoom.Fake{},
		now: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	log := slog.New(slog.DiscardHandler)
	m.store.Log = log
	clock := func() time.Time { return m.now }
	m.svc = &pool.Service{Store: m.store, Zoom: m.zoom, Lease: modelLease, Early: modelEarly, Grace: modelGrace,
		Wait: 20 * time.Millisecond, Poll: 2 * time.Millisecond, Now: clock, Log: log}
	m.rel = &pool.Releaser{Store: m.store, Zoom: m.zoom, Grace: modelGrace, Now: clock, Log: log}
	ctx := context.Background()
	for i := range rapid.IntRange(1, 3).Draw(t, "accounts") {
		a := pool.Account{ID: fmt.Sprint(i + 1), Name: fmt.Sprintf("Account %d", i+1), ZoomUserID: "u@example.com",
			Capacity: rapid.IntRange(1, 2).Draw(t, "capacity"), Enabled: true}
		if err := m.store.CreateAccount(ctx, a); err != nil {
			t.Fatalf("create account: %v", err)
		}
		m.accounts = append(m.accounts, a.ID)
	}
	for i := range rapid.IntRange(1, 5).Draw(t, "lessons") {
		start := m.now.Add(time.Duration(rapid.IntRange(-60, 60).Draw(t, "start")) * time.Minute)
		l, err := m.store.PutLesson(ctx, pool.Lesson{ID: fmt.Sprintf("%s-L%d", run, i+1), Title: "Lesson", TeacherID: "t", GroupID: "g",
			Start: start, End: start.Add(time.Hour), Status: pool.StatusScheduled})
		if err != nil {
			t.Fatalf("create lesson: %v", err)
		}
		m.lessons = append(m.lessons, l.ID)
	}
	return m
}

// mustNotBeInternal fails t when err is a fault of the service rather than
// an answer a client can act on.
func mustNotBeInternal(t *rapid.T, what string, err error) {
	if err != nil && pool.ErrorKind(err) == pool.KindInternal {
		t.Fatalf("%s: internal error: %v", what, err)
	}
}

func (m *model) lesson(t *rapid.T) string { return rapid.SampledFrom(m.lessons).Draw(t, "lesson") }

func (m *model) account(t *rapid.T) string { return rapid.SampledFrom(m.accounts).Draw(t, "account") }

// freeSlot reports whether an enabled account has room.
func (m *model) freeSlot() bool {
	accounts, _ := m.store.Pool(context.Background())
	return slices.ContainsFunc(accounts, func(a pool.Account) bool { return a.Free(m.now) })
}

func (m *model) start(t *rapid.T) {
	id := m.lesson(t)
	before, _ := m.store.Lesson(context.Background(), id)
	free := m.freeSlot()
	m.refused = false
	l, err := m.svc.Start(context.Background(), id)
	mustNotBeInternal(t, "start "+id, err)
	if kind := pool.ErrorKind(err); err != nil && (kind == pool.KindInvalid || kind == pool.KindNotFound) {
		t.Fatalf("start %s: %v", id, err)
	}
	startable := (before.Status == pool.StatusScheduled || before.Status == pool.StatusEnded) &&
		pool.Startable(before, m.now) == nil && pool.TooEarly(before, m.now, modelEarly) == nil
	refused := m.refused
	if refused {
		m.refused, m.zoom.Hook, m.zoom.After = false, nil, nil
	}
	if err != nil && startable && free && !refused {
		t.Fatalf("start %s (%s, an account free): %v", id, before.Status, err)
	}
	if err == nil && (l.Status != pool.StatusLive || l.Meeting == nil) {
		t.Fatalf("start %s answered %s without a meeting", id, l.Status)
	}
}

// crashStart claims an account for a lesson and dies before the meeting exists.
func (m *model) crashStart(t *rapid.T) {
	id := m.lesson(t)
	m.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { runtime.Goexit(); return nil }
	crashed(func() { _, _ = m.svc.Start(context.Background(), id) })
	m.zoom.Hook = nil
}

// crashAfterCreate starts a lesson and dies once Zoom made its meeting,
// before the meeting is recorded.
func (m *model) crashAfterCreate(t *rapid.T) {
	id := m.lesson(t)
	m.zoom.After = func(context.Context, zoom.FakeMeeting) error { runtime.Goexit(); return nil }
	crashed(func() { _, _ = m.svc.Start(context.Background(), id) })
	m.zoom.After = nil
}

// zoomRefuses makes Zoom refuse the next create: at a daily limit, for a
// fault only an admin can fix, for a passing fault, or by losing the answer
// to a create it made.
func (m *model) zoomRefuses(t *rapid.T) {
	failure := rapid.SampledFrom([]pool.ZoomFailure{pool.ZoomLimited, pool.ZoomNeedsAttention, pool.ZoomTransient}).Draw(t, "failure")
	lost := failure == pool.ZoomTransient && rapid.Bool().Draw(t, "answer lost after creating")
	until := m.now.Add(time.Duration(rapid.IntRange(1, 180).Draw(t, "limited minutes")) * time.Minute)
	var once atomic.Bool
	refuse := func() error {
		if !once.CompareAndSwap(false, true) {
			return nil
		}
		m.refused = true
		return &pool.ZoomError{Failure: failure, Status: 429, Code: 1001, Message: "refused by the model", Until: until, MayExist: lost}
	}
	m.zoom.Hook, m.zoom.After = nil, nil
	if lost {
		m.zoom.After = func(context.Context, zoom.FakeMeeting) error { return refuse() }
	} else {
		m.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { return refuse() }
	}
}

// clearFlags is an admin clearing what Zoom said about an account.
func (m *model) clearFlags(t *rapid.T) {
	id := m.account(t)
	_, err := m.store.UpdateAccount(context.Background(), id, pool.AccountPatch{ClearAttention: true, ClearLimit: true, At: m.now})
	mustNotBeInternal(t, "clear the flags of account "+id, err)
}

func (m *model) meetingEnded(t *rapid.T) {
	meetings := m.zoom.Meetings()
	if len(meetings) == 0 {
		// No meeting yet: Zoom reports one the pool never made, which
		// changes nothing.
		_, released, err := m.rel.MeetingEnded(context.Background(), "99999999999", "", m.now)
		mustNotBeInternal(t, "meeting.ended of an unknown meeting", err)
		if released {
			t.Fatalf("meeting.ended of a meeting the pool never made released an account")
		}
		return
	}
	slices.SortFunc(meetings, func(a, b zoom.FakeMeeting) int { return cmpString(a.ID, b.ID) })
	mt := rapid.SampledFrom(meetings).Draw(t, "meeting")
	var end time.Time
	switch rapid.IntRange(0, 2).Draw(t, "end_time") {
	case 1:
		end = m.now.Add(-time.Duration(rapid.IntRange(0, 120).Draw(t, "ended ago")) * time.Minute)
	case 2:
		end = time.Unix(0, 0) // absurd: 1970
	}
	_ = m.zoom.EndMeeting(context.Background(), pool.Account{}, mt.ID) // Zoom ends it, then tells
	_, _, err := m.rel.MeetingEnded(context.Background(), mt.ID, mt.HostID, end)
	mustNotBeInternal(t, "meeting.ended "+mt.ID, err)
	if l, _ := m.store.Lesson(context.Background(), mt.LessonID); !l.EndedAt.IsZero() && l.EndedAt.Year() < 2000 {
		t.Fatalf("lesson %s ended at %s", l.ID, l.EndedAt)
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (m *model) sweep(t *rapid.T) {
	if _, err := m.rel.Sweep(context.Background()); err != nil {
		t.Fatalf("sweep: %v", err)
	}
}

func (m *model) move(t *rapid.T) {
	id := m.lesson(t)
	shift := time.Duration(rapid.IntRange(-90, 90).Draw(t, "shift minutes")) * time.Minute
	_, err := pool.EditLesson(context.Background(), m.store, id, func(l *pool.Lesson) error {
		if l.Status == pool.StatusCancelled {
			return pool.Conflictf("lesson_cancelled", "cancelled")
		}
		l.Start, l.End = l.Start.Add(shift), l.End.Add(shift)
		return nil
	})
	mustNotBeInternal(t, "move "+id, err)
}

func (m *model) cancel(t *rapid.T) {
	id := m.lesson(t)
	_, err := pool.CancelLesson(context.Background(), m.store, id, m.now, pool.Cancel)
	mustNotBeInternal(t, "cancel "+id, err)
}

func (m *model) toggle(t *rapid.T) {
	id := m.account(t)
	a, err := m.store.Account(context.Background(), id)
	if err != nil {
		t.Fatalf("read account %s: %v", id, err)
	}
	enabled := !a.Enabled
	_, err = m.store.UpdateAccount(context.Background(), id, pool.AccountPatch{Enabled: &enabled})
	mustNotBeInternal(t, "toggle account "+id, err)
}

func (m *model) resize(t *rapid.T) {
	id := m.account(t)
	capacity := rapid.IntRange(1, 2).Draw(t, "capacity")
	_, err := m.store.UpdateAccount(context.Background(), id, pool.AccountPatch{Capacity: &capacity})
	if err != nil && !isCode(err, "account_busy") {
		t.Fatalf("resize account %s to %d: %v", id, capacity, err)
	}
}

func isCode(err error, code string) bool {
	e, ok := errors.AsType[*pool.Error](err)
	return ok && e.Code == code
}

func (m *model) tick(t *rapid.T) {
	m.now = m.now.Add(time.Duration(rapid.IntRange(1, 60).Draw(t, "minutes")) * time.Minute)
}

// check runs after every step: the invariants, and no meeting lost or leaked.
func (m *model) check(t *rapid.T) {
	ctx := context.Background()
	if v := pooltest.Violations(ctx, m.store, m.lessons...); len(v) > 0 {
		t.Fatalf("invariants: %v", v)
	}
	pending, err := pendingClaims(ctx, m.store)
	if err != nil {
		t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, mt := range m.zoom.Meetings() {
		exists[mt.ID] = true
		if _, err := m.store.MeetingLookup(ctx, mt.ID); err != nil && !pending[mt.Claim] {
			t.Fatalf("meeting %s of lesson %s was never recorded nor left to delete: leaked", mt.ID, mt.LessonID)
		}
	}
	for _, id := range m.lessons {
		if l, _ := m.store.Lesson(ctx, id); l.Status == pool.StatusLive && (l.Meeting == nil || !exists[l.Meeting.ID]) {
			t.Fatalf("lesson %s is live on a meeting Zoom does not have: lost", id)
		}
	}
}

// setFlagDefault sets a rapid flag that the command line left at its default,
// so that `make test` runs a fixed, reproducible number of cases.
func setFlagDefault(name, value string) {
	if f := flag.Lookup(name); f != nil && f.Value.String() == f.DefValue {
		_ = f.Value.Set(value)
	}
}

// TestModel runs random sequences of starts (restarts included), crashed
// starts, meeting.ended notifications (repeated, stale, absurd), sweeps,
// lesson moves and cancellations, account disables and resizes and clock
// steps, checks the invariants after every step, and shrinks a failure to a
// minimal sequence. The seed is fixed (-rapid.seed=0 for a random one;
// -rapid.checks and -rapid.steps for more).
func TestModel(t *testing.T) {
	t.Parallel()
	setFlagDefault("rapid.seed", "20261130")
	setFlagDefault("rapid.checks", "20")
	setFlagDefault("rapid.steps", "30")
	env := pooltest.New(t)
	runs, steps := 0, 0
	rapid.Check(t, func(rt *rapid.T) {
		runs++
		m := newModel(rt, env, fmt.Sprintf("run%d", runs))
		count := func(f func(*rapid.T)) func(*rapid.T) {
			return func(rt *rapid.T) { steps++; f(rt) }
		}
		rt.Repeat(map[string]func(*rapid.T){
			"start":              count(m.start),
			"crash start":        count(m.crashStart),
			"crash after create": count(m.crashAfterCreate),
			"zoom refuses":       count(m.zoomRefuses),
			"clear flags":        count(m.clearFlags),
			"meeting ended":      count(m.meetingEnded),
			"sweep":              count(m.sweep),
			"move lesson":        count(m.move),
			"cancel lesson":      count(m.cancel),
			"toggle account":     count(m.toggle),
			"resize account":     count(m.resize),
			"clock":              count(m.tick),
			"":                   m.check,
		})
	})
	t.Logf("model: %d runs, %d steps", runs, steps)
}
