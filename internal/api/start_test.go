package api_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

var (
	meetingID = regexp.MustCompile(`^[0-9]{11}$`)
	password  = regexp.MustCompile(`^[A-Za-z0-9]{6}$`)
)

func TestStartLessonAnswersTheSeedContract(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)

	r, s := h.start(t, ids[0])
	if r.status != http.StatusOK {
		t.Fatalf("start: status %d, want 200: %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	m := s.MeetingData
	switch {
	case s.Status != "success" || s.LessonID != ids[0] || s.ZoomAccount != "Zoom Account 1":
		t.Errorf("got status %q lesson %q account %q, want success %s Zoom Account 1", s.Status, s.LessonID, s.ZoomAccount, ids[0])
	case !meetingID.MatchString(m.ID):
		t.Errorf("meeting id %q is not 11 digits", m.ID)
	case !strings.HasPrefix(m.StartURL, "https://zoom.us/s/"+m.ID+"?zak="):
		t.Errorf("start_url %q is not https://zoom.us/s/<id>?zak=...", m.StartURL)
	case !strings.HasPrefix(m.JoinURL, "https://zoom.us/j/"+m.ID+"?pwd="):
		t.Errorf("join_url %q is not https://zoom.us/j/<id>?pwd=...", m.JoinURL)
	case !password.MatchString(m.Password):
		t.Errorf("password %q is not 6 characters", m.Password)
	}

	var lesson map[string]any
	h.do(t, http.MethodGet, "/api/schedule/lessons/"+ids[0]+"/", nil).json(t, &lesson)
	if lesson["status"] != "live" || lesson["zoom_meeting_id"] != m.ID || lesson["zoom_join_url"] != m.JoinURL ||
		lesson["zoom_start_url"] != m.StartURL || lesson["zoom_account_used"] != "1" {
		t.Errorf("lesson after start = %v, want live with the meeting and account 1", lesson)
	}
	var accounts []map[string]any
	h.do(t, http.MethodGet, "/api/schedule/zoom-accounts/", nil).json(t, &accounts)
	if a := accounts[0]; a["active"] != 1.0 || a["is_busy"] != true || a["current_lesson"] != ids[0] {
		t.Errorf("account after start = %v, want active 1, busy, current_lesson %s", a, ids[0])
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestRestartReturnsTheSameMeetingWithoutWriting(t *testing.T) {
	h := newHarness(t, 1, 1)
	ids := h.env.AddLessons(t, 1)

	h.env.Engine.ResetRequests()
	_, first := h.start(t, ids[0])
	startRequests := h.env.Engine.Requests()
	h.env.Engine.ResetRequests()
	r, again := h.start(t, ids[0])
	restartRequests := h.env.Engine.Requests()
	t.Logf("DynamoDB requests: start %v, restart %v", startRequests, restartRequests)

	if r.status != http.StatusOK || again.MeetingData != first.MeetingData || again.ZoomAccount != first.ZoomAccount {
		t.Fatalf("restart answered %d %+v, want 200 with the first start's meeting %+v", r.status, again, first)
	}
	if got := h.zoom.Created(); got != 1 {
		t.Errorf("Zoom meetings created: %d, want 1", got)
	}
	// The lesson and the pool are read at once; the pool shows the hold.
	if want := map[string]int{"GetItem": 1, "Query": 1}; !maps.Equal(restartRequests, want) {
		t.Errorf("a restart sent %v, want only the reads %v", restartRequests, want)
	}
	want := map[string]int{"GetItem": 1, "Query": 1, "TransactWriteItems": 2}
	if !maps.Equal(startRequests, want) {
		t.Errorf("a start sent %v, want %v", startRequests, want)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestConcurrentStartsOfOneLessonShareOneMeeting(t *testing.T) {
	h := newHarness(t, 1, 2)
	h.zoom.Delay = 50 * time.Millisecond // long enough for the others to find it starting
	ids := h.env.AddLessons(t, 1)

	const n = 16
	results := make([]started, n)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r, s := h.start(t, ids[0])
			statuses[i], results[i] = r.status, s
		})
	}
	wg.Wait()

	for i := range n {
		if statuses[i] != http.StatusOK || results[i].MeetingData != results[0].MeetingData {
			t.Errorf("start %d: %d %+v, want 200 with meeting %+v", i, statuses[i], results[i].MeetingData, results[0].MeetingData)
		}
	}
	if got := h.zoom.Created(); got != 1 {
		t.Errorf("Zoom meetings created: %d, want 1", got)
	}
	accounts, _ := h.env.Store.Pool(context.Background())
	holds := 0
	for _, a := range accounts {
		holds += len(a.Holds)
	}
	if holds != 1 {
		t.Errorf("holds after %d concurrent starts of one lesson: %d, want 1", n, holds)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestManyLessonsRaceForASmallPool(t *testing.T) {
	capacities := []int{1, 2, 1, 2}
	slots := 6
	h := newHarness(t, capacities...)
	h.zoom.Delay = 5 * time.Millisecond
	ids := h.env.AddLessons(t, 30)

	// Every lesson is started twice at once, as by a teacher double-clicking.
	type result struct {
		lesson string
		status int
		body   started
		retry  string
	}
	results := make(chan result, 2*len(ids))
	var wg sync.WaitGroup
	for _, id := range ids {
		for range 2 {
			wg.Go(func() {
				r, s := h.start(t, id)
				if r.status != http.StatusOK {
					if e := r.error(t); e.Error != "pool_exhausted" {
						t.Errorf("lesson %s: %d %s, want 200 or pool_exhausted", id, r.status, e.Error)
					}
				}
				results <- result{id, r.status, s, r.header.Get("Retry-After")}
			})
		}
	}
	wg.Wait()
	close(results)

	meetings := map[string]string{} // lesson -> meeting
	for r := range results {
		switch r.status {
		case http.StatusOK:
			if m, seen := meetings[r.lesson]; seen && m != r.body.MeetingData.ID {
				t.Errorf("lesson %s got two meetings: %s and %s", r.lesson, m, r.body.MeetingData.ID)
			}
			meetings[r.lesson] = r.body.MeetingData.ID
		case http.StatusTooManyRequests:
			if s, err := strconv.Atoi(r.retry); err != nil || s < 1 {
				t.Errorf("429 for lesson %s has Retry-After %q, want whole seconds >= 1", r.lesson, r.retry)
			}
		default:
			t.Errorf("lesson %s: status %d", r.lesson, r.status)
		}
	}
	if len(meetings) != slots {
		t.Errorf("%d lessons started, want exactly the pool's %d slots", len(meetings), slots)
	}
	if got := h.zoom.Created(); got != slots {
		t.Errorf("Zoom meetings created: %d, want %d", got, slots)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestZoomFailureReturnsTheAccount(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	h.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error {
		return errors.New("zoom: 503 Service Unavailable")
	}

	r, _ := h.start(t, ids[0])
	if e := r.error(t); r.status != http.StatusBadGateway || e.Error != "zoom_unavailable" {
		t.Fatalf("start while Zoom fails: %d %s, want 502 zoom_unavailable", r.status, e.Error)
	}
	a, _ := h.env.Store.Account(context.Background(), "1")
	l, _ := h.env.Store.Lesson(context.Background(), ids[0])
	if a.Active != 0 || len(a.Holds) != 0 || l.Status != pool.StatusScheduled {
		t.Errorf("after the failure account has %d holds and lesson is %s, want 0 and scheduled", len(a.Holds), l.Status)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)

	h.zoom.Hook = nil
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Errorf("start once Zoom is back: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestCrashAfterClaimLeavesALeasedClaimThatIsReclaimed(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	svc := h.app.Service

	// The process dies between the claim and the commit: the goroutine stops
	// in the middle of the Zoom call and runs nothing more of the start.
	h.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { runtime.Goexit(); return nil }
	crashed(func() { _, _ = svc.Start(context.Background(), ids[0]) })
	h.zoom.Hook = nil

	a, _ := h.env.Store.Account(context.Background(), "1")
	if len(a.Holds) != 1 || a.Holds[0].State != pool.HoldClaiming {
		t.Fatalf("after the crash the account holds %+v, want one claiming hold", a.Holds)
	}
	hold := a.Holds[0]
	if lease := hold.LeaseUntil.Sub(hold.ClaimedAt); lease != svc.Lease {
		t.Errorf("claiming hold has a lease of %s, want %s", lease, svc.Lease)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)

	// Within the lease a second start waits for the first and gives up.
	svc.Wait = 200 * time.Millisecond
	r, _ := h.start(t, ids[0])
	if e := r.error(t); r.status != http.StatusConflict || e.Error != "lesson_starting" || r.header.Get("Retry-After") == "" {
		t.Errorf("start during the lease: %d %s (Retry-After %q), want 409 lesson_starting with Retry-After", r.status, e.Error, r.header.Get("Retry-After"))
	}
	// Past it, the next start takes the abandoned claim back and starts.
	svc.Now = func() time.Time { return hold.LeaseUntil.Add(time.Second) }
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Fatalf("start after the lease: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestStorageFailureBetweenClaimAndCommitLosesNothing(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	// DynamoDB goes down while Zoom creates the meeting: the commit and the
	// compensation both fail.
	h.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error {
		h.env.Engine.Fail(true)
		return nil
	}
	r, _ := h.start(t, ids[0])
	h.env.Engine.Fail(false)
	h.zoom.Hook = nil
	if e := r.error(t); r.status != http.StatusInternalServerError || strings.Contains(e.Message, "Dynamo") {
		t.Errorf("start while storage fails: %d %s, want 500 with a generic message", r.status, r.body)
	}
	// The claim stays, leased, for the sweep or the next start to take back.
	a, _ := h.env.Store.Account(context.Background(), "1")
	if len(a.Holds) != 1 || a.Holds[0].State != pool.HoldClaiming || a.Holds[0].LeaseUntil.IsZero() {
		t.Fatalf("after the failure the account holds %+v, want one leased claiming hold", a.Holds)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)

	h.app.Service.Now = func() time.Time { return a.Holds[0].LeaseUntil.Add(time.Second) }
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Fatalf("start after the lease: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestFullPoolAnswers429WithRetryAfter(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now().Truncate(time.Second)
	h.app.Service.Now = func() time.Time { return now }
	h.env.AddLesson(t, "running", now.Add(-10*time.Minute), now.Add(50*time.Minute))
	h.env.AddLesson(t, "waiting", now, now.Add(time.Hour))
	if r, _ := h.start(t, "running"); r.status != http.StatusOK {
		t.Fatalf("first start: %d %s", r.status, r.body)
	}

	r, _ := h.start(t, "waiting")
	e := r.error(t)
	if r.status != http.StatusTooManyRequests || e.Error != "pool_exhausted" {
		t.Fatalf("start with the pool full: %d %s, want 429 pool_exhausted", r.status, e.Error)
	}
	// The running lesson is expected to end in 50 minutes.
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || retry != 50*60 {
		t.Errorf("Retry-After = %q, want %d seconds (until the running lesson ends)", r.header.Get("Retry-After"), 50*60)
	}
	if l, _ := h.env.Store.Lesson(context.Background(), "waiting"); l.Status != pool.StatusScheduled {
		t.Errorf("refused lesson is %s, want scheduled", l.Status)
	}
	pooltest.CheckInvariants(t, h.env.Store, "running", "waiting")
}

func TestStartRefusals(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	h.env.AddLesson(t, "over", now.Add(-2*time.Hour), now.Add(-time.Hour))
	h.env.AddLesson(t, "cancelled", now, now.Add(time.Hour))
	if r := h.do(t, http.MethodDelete, "/api/schedule/lessons/cancelled/", nil); r.status != http.StatusOK {
		t.Fatalf("cancel: %d %s", r.status, r.body)
	}

	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		code               string
	}{
		{"unknown lesson", "POST", "/schedule/lesson/nope/start/", nil, 404, "lesson_not_found"},
		{"cancelled lesson", "POST", "/schedule/lesson/cancelled/start/", nil, 409, "lesson_not_startable"},
		{"lesson long over", "POST", "/schedule/lesson/over/start/", nil, 409, "lesson_not_startable"},
		{"id with forbidden characters", "POST", "/schedule/lesson/a%20b/start/", nil, 400, "invalid_request"},
		{"body over 1 MiB", "POST", "/schedule/lesson/over/start/", strings.Repeat("x", 1<<20+1), 413, "body_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			if e := r.error(t); r.status != tc.status || e.Error != tc.code {
				t.Errorf("got %d %s (%s), want %d %s", r.status, e.Error, e.Message, tc.status, tc.code)
			}
		})
	}
	pooltest.CheckInvariants(t, h.env.Store, "over", "cancelled")
}

func TestEmptyPoolSaysSo(t *testing.T) {
	h := newHarness(t)
	h.env.AddLessons(t, 1)
	r, _ := h.start(t, "L1")
	if e := r.error(t); r.status != http.StatusServiceUnavailable || e.Error != "no_accounts" {
		t.Errorf("start with no accounts: %d %s, want 503 no_accounts", r.status, e.Error)
	}
}

// DynamoDB cancels a transaction that meets a concurrent one on the same item
// (TransactionConflict); the store sends it again, so the teacher never sees it.
func TestTransactionConflictsAreRetried(t *testing.T) {
	h := newHarness(t, 1, 2)
	ids := h.env.AddLessons(t, 12)

	h.env.Engine.ResetRequests()
	h.env.Engine.CancelTransactions(4)
	r, _ := h.start(t, ids[0])
	if r.status != http.StatusOK {
		t.Fatalf("start through 4 cancelled transactions: %d %s", r.status, r.body)
	}
	if n := h.env.Engine.Requests()["TransactWriteItems"]; n != 2+4 {
		t.Errorf("TransactWriteItems sent: %d, want the claim and the commit plus 4 retries", n)
	}

	// The same while lessons race for the pool's two remaining slots.
	h.env.Engine.CancelTransactions(4)
	var wg sync.WaitGroup
	statuses := make([]int, len(ids)-1)
	for i, id := range ids[1:] {
		wg.Go(func() {
			r, _ := h.start(t, id)
			statuses[i] = r.status
		})
	}
	wg.Wait()
	started := 0
	for _, s := range statuses {
		switch s {
		case http.StatusOK:
			started++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("a racing start answered %d", s)
		}
	}
	if started != 2 {
		t.Errorf("%d racing lessons started, want the 2 free slots", started)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// A start makes three round trips to DynamoDB (the lesson and the pool read
// at once, the claim, the commit) and a restart one (the reads). With
// latency on every request, requests sent together visibly overlap.
func TestStartRoundTrips(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	h.env.Engine.SetLatency(100 * time.Millisecond)
	for _, tc := range []struct {
		name string
		want int
	}{{"start", 3}, {"restart", 1}} {
		h.env.Engine.Trace(true)
		r, _ := h.start(t, ids[0])
		calls := h.env.Engine.Calls()
		h.env.Engine.Trace(false)
		if got := len(roundTrips(calls)); r.status != http.StatusOK || got != tc.want {
			t.Errorf("%s: %d in %d round trips (%v), want 200 in %d", tc.name, r.status, got, calls, tc.want)
		}
	}
}
