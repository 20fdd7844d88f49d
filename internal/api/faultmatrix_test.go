package api_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/dynamo"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/schedule"
	"zoompool/internal/zoom"
)

// world is one fault case's pool: a fresh table, the fake Zoom, and the
// start and release paths on a store whose client does not retry, so that
// each injected fault reaches the code under test (or, with sdkRetries, the
// SDK's own retry meets a request that already took effect).
type world struct {
	t     *testing.T
	env   *pooltest.Env
	store *dynamo.Store
	zoom  *zoom.Fake
	svc   *pool.Service
	rel   *pool.Releaser
	now   time.Time
}

// faultNow is the worlds' clock: a Monday, 09:10 in Berlin.
var faultNow = time.Date(2026, 12, 7, 8, 10, 0, 0, time.UTC)

func newWorld(t *testing.T, sdkRetries bool) *world {
	t.Helper()
	env := pooltest.New(t)
	var opts []func(*dynamodb.Options)
	if !sdkRetries {
		opts = append(opts, localstack.NoRetries)
	}
	client, err := env.Engine.Client(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, env: env, store: dynamo.New(client, env.Table, "default"), zoom: &zoom.Fake{}, now: faultNow}
	log := slog.New(slog.DiscardHandler)
	w.store.Log = log
	clock := func() time.Time { return w.now }
	w.svc = &pool.Service{Store: w.store, Zoom: w.zoom, Lease: time.Minute, Early: 15 * time.Minute, Wait: time.Second,
		Poll: 5 * time.Millisecond, Now: clock, Log: log}
	w.svc.Materialize = (&schedule.Materializer{Store: w.store, Early: 15 * time.Minute, Now: clock}).Materialize
	w.rel = &pool.Releaser{Store: w.store, Zoom: w.zoom, Now: clock, Log: log}
	return w
}

// crashAfterCreate starts lesson id and dies once Zoom created its meeting,
// before the meeting is recorded.
func (w *world) crashAfterCreate(id string) {
	w.zoom.After = func(context.Context, zoom.FakeMeeting) error { runtime.Goexit(); return nil }
	crashed(func() { _, _ = w.svc.Start(context.Background(), id) })
	w.zoom.After = nil
}

// refuseFirst makes Zoom refuse the first create from now on with failure f,
// and create every one after it.
func (w *world) refuseFirst(f pool.ZoomFailure) {
	var refused atomic.Bool
	w.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error {
		if refused.CompareAndSwap(false, true) {
			return &pool.ZoomError{Failure: f, Status: 429, Code: 429, Message: "refused by the test", Until: w.now.Add(time.Hour)}
		}
		return nil
	}
}

// crashStart claims an account for lesson id and dies before the commit.
func (w *world) crashStart(id string) {
	w.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { runtime.Goexit(); return nil }
	crashed(func() { _, _ = w.svc.Start(context.Background(), id) })
	w.zoom.Hook = nil
}

func (w *world) start(id string) pool.Lesson {
	w.t.Helper()
	l, err := w.svc.Start(context.Background(), id)
	if err != nil {
		w.t.Fatalf("start %s: %v", id, err)
	}
	return l
}

// checkMeetings reports meetings lost (a live lesson whose meeting Zoom does
// not have) and leaked (a meeting in Zoom that no commit recorded, and that
// no cleanup left for the sweep will delete).
func (w *world) checkMeetings(lessonIDs ...string) {
	w.t.Helper()
	ctx := context.Background()
	pending, err := pendingClaims(ctx, w.env.Store)
	if err != nil {
		w.t.Fatal(err)
	}
	exists := map[string]bool{}
	for _, m := range w.zoom.Meetings() {
		exists[m.ID] = true
		if _, err := w.env.Store.MeetingLookup(ctx, m.ID); err != nil && !pending[m.Claim] {
			w.t.Errorf("meeting %s of lesson %s exists in Zoom but was never recorded nor left to delete: leaked (%v)", m.ID, m.LessonID, err)
		}
	}
	for _, id := range lessonIDs {
		l, err := w.env.Store.Lesson(ctx, id)
		if err == nil && l.Status == pool.StatusLive && (l.Meeting == nil || !exists[l.Meeting.ID]) {
			w.t.Errorf("lesson %s is live on meeting %+v, which Zoom does not have: lost", id, l.Meeting)
		}
	}
}

// pendingClaims returns the tokens of the claims whose meetings, if Zoom
// made any, are accounted for without a meeting lookup: by a cleanup the
// sweep will do, or by a hold that still has its account (whose release
// leaves a cleanup).
func pendingClaims(ctx context.Context, st *dynamo.Store) (map[string]bool, error) {
	cleanups, err := st.Cleanups(ctx)
	if err != nil {
		return nil, err
	}
	accounts, err := st.Pool(ctx)
	if err != nil {
		return nil, err
	}
	pending := map[string]bool{}
	for _, c := range cleanups {
		pending[c.Token] = true
	}
	for _, a := range accounts {
		for _, h := range a.Holds {
			pending[h.Token] = true
		}
	}
	return pending, nil
}

// converge lets a day pass and sweeps without faults: every hold must end,
// every meeting in Zoom be recorded and ended, and nothing be left to clean up.
func (w *world) converge(lessonIDs ...string) {
	w.t.Helper()
	w.now = w.now.Add(24 * time.Hour)
	if _, err := w.rel.Sweep(context.Background()); err != nil {
		w.t.Errorf("sweep a day later: %v", err)
	}
	accounts, _ := w.env.Store.Pool(context.Background())
	for _, a := range accounts {
		if a.Active != 0 || len(a.Holds) != 0 {
			w.t.Errorf("a day later account %s still holds %+v (active %d)", a.ID, a.Holds, a.Active)
		}
	}
	for _, id := range lessonIDs {
		if l, err := w.env.Store.Lesson(context.Background(), id); err == nil && (l.Status == pool.StatusStarting || l.Status == pool.StatusLive) {
			w.t.Errorf("a day later lesson %s is still %s", id, l.Status)
		}
	}
	if c, _ := w.env.Store.Cleanups(context.Background()); len(c) != 0 {
		w.t.Errorf("a day later meetings are still left to clean up: %+v", c)
	}
	for _, m := range w.zoom.Meetings() {
		if _, err := w.env.Store.MeetingLookup(context.Background(), m.ID); err != nil || !m.Ended {
			w.t.Errorf("a day later Zoom holds meeting %s of lesson %s, ended %v, recorded: %v", m.ID, m.LessonID, m.Ended, err == nil)
		}
	}
}

// faultScenario is one path under test: setup builds its world without
// faults, run is the operation the faults hit, finish repeats it without
// faults (as a client, Zoom or the next sweep would) and checks its outcome.
type faultScenario struct {
	name    string
	lessons []string
	// fails: the run answers an error even without faults.
	fails bool
	// orphaned: setup leaves an orphan hold, which breaks the invariants
	// until finish has run.
	orphaned bool
	setup    func(w *world)
	run      func(w *world) error
	finish   func(w *world)
}

var faultScenarios = []faultScenario{
	{
		name: "start", lessons: []string{"L"},
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1, 2)
			w.env.AddLesson(w.t, "L", w.now.Add(-time.Minute), w.now.Add(time.Hour))
		},
		run:    func(w *world) error { _, err := w.svc.Start(context.Background(), "L"); return err },
		finish: func(w *world) { w.start("L") },
	},
	{
		name: "occurrence start", lessons: []string{"phys@2026-12-07"},
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1)
			_, err := w.env.Store.PutRecurringLesson(context.Background(), pool.RecurringLesson{
				ID: "phys", Title: "Physics", TeacherID: "t", GroupID: "g", Weekday: 1, StartTime: 9 * 60, DurationMinutes: 45,
				TimeZone: "Europe/Berlin", WeekType: pool.EveryWeek, ValidFrom: pool.Date{Year: 2026, Month: 9, Day: 1}})
			if err != nil {
				w.t.Fatal(err)
			}
		},
		run:    func(w *world) error { _, err := w.svc.Start(context.Background(), "phys@2026-12-07"); return err },
		finish: func(w *world) { w.start("phys@2026-12-07") },
	},
	{
		name: "webhook release", lessons: []string{"L"},
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1)
			w.env.AddLesson(w.t, "L", w.now.Add(-time.Minute), w.now.Add(time.Hour))
			w.start("L")
		},
		run: func(w *world) error {
			l, _ := w.env.Store.Lesson(context.Background(), "L")
			_ = w.zoom.EndMeeting(context.Background(), pool.Account{}, l.Meeting.ID) // the host ended it
			_, _, err := w.rel.MeetingEnded(context.Background(), l.Meeting.ID, "", time.Time{})
			return err
		},
		finish: func(w *world) {
			l, _ := w.env.Store.Lesson(context.Background(), "L")
			if _, _, err := w.rel.MeetingEnded(context.Background(), l.Meeting.ID, "", time.Time{}); err != nil {
				w.t.Errorf("Zoom's repeat of meeting.ended: %v", err)
			}
			if l, _ := w.env.Store.Lesson(context.Background(), "L"); l.Status != pool.StatusEnded {
				w.t.Errorf("after Zoom's repeat the lesson is %s, want ended", l.Status)
			}
		},
	},
	{
		name: "start, Zoom refusing the first account", lessons: []string{"L"},
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1, 1)
			w.env.AddLesson(w.t, "L", w.now.Add(-time.Minute), w.now.Add(time.Hour))
			w.refuseFirst(pool.ZoomLimited)
		},
		run: func(w *world) error { _, err := w.svc.Start(context.Background(), "L"); return err },
		// A refused claim that could not be given back stays until its
		// lease ends: the teacher tries again after it.
		finish: func(w *world) { w.now = w.now.Add(w.svc.Lease + time.Second); w.start("L") },
	},
	{
		name: "start, Zoom's answer lost after creating", lessons: []string{"L"}, fails: true,
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1)
			w.env.AddLesson(w.t, "L", w.now.Add(-time.Minute), w.now.Add(time.Hour))
			var lost atomic.Bool
			w.zoom.After = func(context.Context, zoom.FakeMeeting) error {
				if lost.CompareAndSwap(false, true) {
					return &pool.ZoomError{Failure: pool.ZoomTransient, Message: "no answer from Zoom in time", MayExist: true}
				}
				return nil
			}
		},
		run: func(w *world) error { _, err := w.svc.Start(context.Background(), "L"); return err },
		// The teacher tries again after the claim's lease (a claim that
		// could not be given back holds the account until then), twice if
		// the lost answer comes only now.
		finish: func(w *world) {
			w.now = w.now.Add(w.svc.Lease + time.Second)
			if _, err := w.svc.Start(context.Background(), "L"); err != nil {
				w.start("L")
			}
		},
	},
	{
		name: "sweep", lessons: []string{"A", "B", "C", "D"}, orphaned: true,
		setup: func(w *world) {
			w.env.AddAccounts(w.t, 1, 1, 1, 1)
			for _, id := range []string{"A", "B", "C", "D"} {
				w.env.AddLesson(w.t, id, w.now.Add(-time.Minute), w.now.Add(time.Hour))
			}
			w.crashStart("A")       // an abandoned claim
			w.start("B")            // a lesson that will have ended
			w.start("C")            // a hold whose lesson then forgets it: an orphan
			w.crashAfterCreate("D") // an abandoned claim whose meeting exists
			rewriteLesson(w, "C")
			w.now = w.now.Add(2 * time.Hour)
		},
		run: func(w *world) error { _, err := w.rel.Sweep(context.Background()); return err },
		finish: func(w *world) {
			if _, err := w.rel.Sweep(context.Background()); err != nil {
				w.t.Errorf("the next sweep: %v", err)
			}
		},
	},
}

// rewriteLesson writes lesson id back as scheduled, as a hand edit would,
// leaving its hold an orphan.
func rewriteLesson(w *world, id string) {
	l, err := w.env.Store.Lesson(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	l.Status, l.HoldToken, l.AccountID, l.AccountName, l.Meeting = pool.StatusScheduled, "", "", "", nil
	if _, err := w.env.Store.PutLesson(context.Background(), l); err != nil {
		w.t.Fatal(err)
	}
}

// requestsOf counts the DynamoDB requests of a fault-free run of sc.
func requestsOf(t *testing.T, sc faultScenario) int {
	w := newWorld(t, false)
	sc.setup(w)
	w.env.Engine.ResetRequests()
	if err := sc.run(w); (err != nil) != sc.fails {
		t.Fatalf("%s without faults: %v", sc.name, err)
	}
	n := 0
	for _, c := range w.env.Engine.Requests() {
		n += c
	}
	return n
}

// TestFaultMatrix fails, for each path, the k-th DynamoDB request for every
// k (as an error, as a timeout after the request took effect, and as such a
// timeout that the SDK retries), and the Zoom call; then it checks the
// invariants, that no meeting is lost or leaked, that repeating the
// operation without faults succeeds, and that a day later every hold ended.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	type mode struct {
		fault      localstack.Fault
		sdkRetries bool
	}
	modes := []mode{{localstack.FailRequest, false}, {localstack.TimeoutAfterApply, false}, {localstack.TimeoutAfterApply, true}}
	cases := 0
	for _, sc := range faultScenarios {
		n := requestsOf(t, sc)
		for _, m := range modes {
			for k := 1; k <= n; k++ {
				name := fmt.Sprintf("%s/request %d of %d/%s", sc.name, k, n, m.fault)
				if m.sdkRetries {
					name += ", retried by the SDK"
				}
				cases++
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					w := newWorld(t, m.sdkRetries)
					sc.setup(w)
					w.env.Engine.InjectFaults(localstack.FailNth(k, m.fault))
					err := sc.run(w)
					w.env.Engine.InjectFaults(nil)
					checkAfterFault(w, sc, err)
				})
			}
		}
		if strings.HasPrefix(sc.name, "start") || sc.name == "occurrence start" {
			cases++
			t.Run(sc.name+"/zoom fails", func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, false)
				sc.setup(w)
				w.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { return errors.New("zoom: 503") }
				err := sc.run(w)
				w.zoom.Hook = nil
				if pool.ErrorKind(err) != pool.KindUnavailable {
					t.Errorf("start while Zoom fails: %v, want zoom_unavailable", err)
				}
				checkAfterFault(w, sc, err)
			})
		}
	}
	t.Logf("fault matrix: %d cases", cases)
}

func checkAfterFault(w *world, sc faultScenario, runErr error) {
	w.t.Helper()
	w.t.Logf("%s under the fault: %v", sc.name, runErr)
	if pool.ErrorKind(runErr) == pool.KindInvalid || pool.ErrorKind(runErr) == pool.KindNotFound {
		w.t.Errorf("a storage fault answered as the client's mistake: %v", runErr)
	}
	if !sc.orphaned {
		for _, v := range pooltest.Violations(context.Background(), w.env.Store, w.existing(sc.lessons)...) {
			w.t.Errorf("after the fault (%v): invariant: %s", runErr, v)
		}
	}
	w.checkMeetings(sc.lessons...)
	sc.finish(w)
	pooltest.CheckInvariants(w.t, w.env.Store, sc.lessons...)
	w.checkMeetings(sc.lessons...)
	w.converge(sc.lessons...)
}

// existing returns the ids of ids that name a lesson.
func (w *world) existing(ids []string) []string {
	var out []string
	for _, id := range ids {
		if _, err := w.env.Store.Lesson(context.Background(), id); err == nil {
			out = append(out, id)
		}
	}
	return out
}
