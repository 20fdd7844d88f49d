package api_test

import (
	"context"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

// The commit of a meeting lands but its answer is lost (the SDK's retry then
// finds the hold live already), and the client hangs up meanwhile: the start
// must find out that the meeting is the lesson's, not delete it.
func TestLostCommitAnswerKeepsTheMeeting(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 1)
	ctx, hangUp := context.WithCancel(context.Background())
	defer hangUp()
	transactions := 0
	h.env.Engine.InjectFaults(func(op string, _ int) localstack.Fault {
		if op != "TransactWriteItems" {
			return localstack.Pass
		}
		switch transactions++; transactions {
		case 2: // the commit: applied, its answer lost
			return localstack.TimeoutAfterApply
		case 4: // the compensation, after the SDK's retry of the commit
			hangUp()
		}
		return localstack.Pass
	})
	l, err := h.app.Service.Start(ctx, "L1")
	h.env.Engine.InjectFaults(nil)
	if err != nil || l.Meeting == nil {
		t.Fatalf("start whose commit answer was lost: %+v %v, want the live lesson", l, err)
	}
	stored, _ := h.env.Store.Lesson(context.Background(), "L1")
	if stored.Status != pool.StatusLive || stored.Meeting == nil || stored.Meeting.ID != l.Meeting.ID {
		t.Fatalf("lesson is %s with meeting %+v, want live with %s", stored.Status, stored.Meeting, l.Meeting.ID)
	}
	if ms := h.zoom.Meetings(); len(ms) != 1 || ms[0].ID != l.Meeting.ID {
		t.Errorf("Zoom holds meetings %+v, want the lesson's meeting %s", ms, l.Meeting.ID)
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1")
}

// When the start cannot prove a meeting unused (its storage fails while it
// looks), it keeps the meeting.
func TestMeetingThatMayBeInUseIsNeverDeleted(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 1)
	transactions := 0
	h.env.Engine.InjectFaults(func(op string, _ int) localstack.Fault {
		switch {
		case op == "TransactWriteItems":
			transactions++
			if transactions == 2 {
				return localstack.TimeoutAfterApply
			}
		case op == "GetItem" && transactions >= 4:
			return localstack.FailRequest // every read after the compensation
		}
		return localstack.Pass
	})
	_, err := h.app.Service.Start(context.Background(), "L1")
	h.env.Engine.InjectFaults(nil)
	if err == nil {
		t.Fatal("start answered success although it could not read whether its meeting was recorded")
	}
	stored, _ := h.env.Store.Lesson(context.Background(), "L1")
	if stored.Meeting == nil || len(h.zoom.Meetings()) != 1 || h.zoom.Meetings()[0].ID != stored.Meeting.ID {
		t.Errorf("lesson %s has meeting %+v, Zoom %+v: the lesson's meeting must exist", stored.Status, stored.Meeting, h.zoom.Meetings())
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1")
}

// wedge leaves lesson id as a start would if the hold of its claim vanished
// (a point-in-time restore of half a transaction, a hand edit): the lesson
// says status with token "gone" on account 1, and no hold exists.
func (h *harness) wedge(t *testing.T, id string, status pool.LessonStatus, lease time.Time) {
	t.Helper()
	set := map[string]string{"status": string(status), "hold_token": "gone", "account_id": "1", "account_name": "Zoom Account 1"}
	if status == pool.StatusStarting {
		set["lease_until"] = lease.UTC().Format("2006-01-02T15:04:05.000Z")
	} else {
		set["meeting_id"], set["start_url"], set["join_url"], set["password"] = "81234567890", "https://zoom.us/s/81234567890?zak=x", "https://zoom.us/j/81234567890?pwd=y", "Ab12Cd"
	}
	h.rawLesson(t, id, set)
}

// A lesson starting or live without its hold is repaired by the next start,
// which neither spins nor waits for a lease: it sends a bounded number of
// requests and starts the lesson afresh.
func TestStartRepairsALessonWhoseHoldIsGone(t *testing.T) {
	for _, status := range []pool.LessonStatus{pool.StatusStarting, pool.StatusLive} {
		t.Run(string(status), func(t *testing.T) {
			h := newHarness(t, 1)
			h.env.AddLessons(t, 1)
			h.wedge(t, "L1", status, time.Now().Add(time.Minute))
			h.env.Engine.ResetRequests()
			r, s := h.start(t, "L1")
			requests := h.env.Engine.Requests()
			if r.status != http.StatusOK || s.MeetingData.ID == "81234567890" {
				t.Fatalf("start of a %s lesson without its hold: %d %s, want 200 with a new meeting", status, r.status, r.body)
			}
			total := 0
			for _, n := range requests {
				total += n
			}
			if total > 10 {
				t.Errorf("the start sent %d requests (%v); a repair needs a handful", total, requests)
			}
			pooltest.CheckInvariants(t, h.env.Store, "L1")
		})
	}
}

func TestCancelALessonWhoseHoldIsGone(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 2)
	h.wedge(t, "L1", pool.StatusStarting, time.Now().Add(time.Minute))
	h.wedge(t, "L2", pool.StatusLive, time.Time{})
	var l map[string]any
	if r := h.do(t, http.MethodDelete, "/api/schedule/lessons/L1/", nil); r.status != http.StatusOK {
		t.Errorf("cancel a starting lesson without its hold: %d %s, want 200", r.status, r.body)
	} else if r.json(t, &l); l["status"] != "cancelled" {
		t.Errorf("cancelled lesson is %v", l["status"])
	}
	// A live one ran: it ends, and a lesson that took place is not cancelled.
	r := h.do(t, http.MethodDelete, "/api/schedule/lessons/L2/", nil)
	if e := r.error(t); r.status != http.StatusConflict || e.Error != "lesson_ended" {
		t.Errorf("cancel a live lesson without its hold: %d %s, want 409 lesson_ended", r.status, e.Error)
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1", "L2")
}

// A hold of a lesson that points to no hold (an orphan) is released by the
// start of that lesson, which would otherwise spin on the hold's key.
func TestStartReleasesAnOrphanHoldOfItsLesson(t *testing.T) {
	h := newHarness(t, 2)
	h.env.AddLessons(t, 1)
	h.crashStart(t, "L1")
	h.rawLesson(t, "L1", map[string]string{"status": "scheduled", "hold_token": "", "lease_until": "", "account_id": ""})
	h.env.Engine.ResetRequests()
	if r, _ := h.start(t, "L1"); r.status != http.StatusOK {
		t.Fatalf("start beside an orphan hold: %d %s", r.status, r.body)
	}
	if n := h.env.Engine.Requests()["TransactWriteItems"]; n > 4 {
		t.Errorf("the start sent %d transactions; releasing the orphan and starting takes 3", n)
	}
	a, _ := h.env.Store.Account(context.Background(), "1")
	if len(a.Holds) != 1 || a.Active != 1 {
		t.Errorf("account holds %+v (active %d), want the new claim only", a.Holds, a.Active)
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1")
}

// A start that finds the pool full of holds that are over takes one back
// rather than answer 429: an expired claim, or a lesson past its grace.
func TestStartTakesBackWhatThePoolShowsIsOver(t *testing.T) {
	for _, tc := range []struct {
		name  string
		leave func(h *harness)
		ahead time.Duration
		back  pool.LessonStatus
	}{
		{"claim past its lease", func(h *harness) { h.crashStart(t, "old") }, 61 * time.Second, pool.StatusScheduled},
		{"lesson past its grace", func(h *harness) { h.start(t, "old") }, 2*time.Hour + 16*time.Minute, pool.StatusEnded},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 1)
			// The starts run on a clock that moves only when the test moves
			// it: the hold left now is over exactly ahead later.
			now := time.Now().Truncate(time.Second)
			h.app.Service.Now = func() time.Time { return now }
			h.env.AddLesson(t, "old", now.Add(-time.Minute), now.Add(2*time.Hour))
			h.env.AddLesson(t, "new", now.Add(-time.Minute), now.Add(4*time.Hour))
			tc.leave(h)
			// Before that, the pool is honestly full.
			r, _ := h.start(t, "new")
			retry, _ := strconv.Atoi(r.header.Get("Retry-After"))
			if r.status != http.StatusTooManyRequests || time.Duration(retry)*time.Second > tc.ahead {
				t.Fatalf("start while the hold runs: %d, Retry-After %d s; want 429 within %s", r.status, retry, tc.ahead)
			}
			h.app.Service.Now = func() time.Time { return now.Add(tc.ahead) }
			if r, _ := h.start(t, "new"); r.status != http.StatusOK {
				t.Fatalf("start once the hold is over: %d %s, want 200", r.status, r.body)
			}
			if l, _ := h.env.Store.Lesson(context.Background(), "old"); l.Status != tc.back || l.Holding() {
				t.Errorf("the lesson whose hold was taken back is %s (token %q), want %s", l.Status, l.HoldToken, tc.back)
			}
			pooltest.CheckInvariants(t, h.env.Store, "old", "new")
		})
	}
}

// Single-item writes that meet a transaction (TransactionConflictException),
// and transactions cancelled for TransactionConflict or ThrottlingError, are
// sent again; when they keep failing the answer is 409 or 503 with a
// Retry-After, never 500, and nothing is written.
func TestStorageRefusalsAreRetriedThenAnswered(t *testing.T) {
	h := newHarness(t, 1, 1, 1)
	h.env.AddLessons(t, 3)
	lessonBody := `{"title":"T","teacher_id":"t","group_id":"g","start_time":"2026-12-01T09:00:00Z","end_time":"2026-12-01T10:00:00Z"}`
	for _, tc := range []struct {
		name, method, path, body string
		fault                    localstack.Fault
		ops                      []string
		times                    int
		status                   int
		code                     string
	}{
		{"create lesson through conflicts", "POST", "/api/schedule/lessons/", lessonBody, localstack.Conflict, []string{"PutItem"}, 3, 201, ""},
		{"patch account through conflicts", "PATCH", "/api/schedule/zoom-accounts/2/", `{"name":"Room 2"}`, localstack.Conflict, []string{"UpdateItem"}, 3, 200, ""},
		{"create account through throttling", "POST", "/api/schedule/zoom-accounts/", `{"id":"4","name":"Room 4","zoom_user_id":"r4@example.com"}`, localstack.Throttle, []string{"PutItem"}, 4, 201, ""},
		{"delete account through conflicts", "DELETE", "/api/schedule/zoom-accounts/4/", ``, localstack.Conflict, []string{"DeleteItem"}, 2, 204, ""},
		{"create series through conflicts", "POST", "/api/schedule/recurring-lessons/", `{"id":"s","title":"T","teacher_id":"t","group_id":"g","weekday":1,"start_time":"09:00","duration_minutes":45,"timezone":"UTC","valid_from":"2026-09-01"}`, localstack.Conflict, []string{"PutItem"}, 2, 201, ""},
		{"start through throttled transactions", "POST", "/schedule/lesson/L1/start/", ``, localstack.Throttle, []string{"TransactWriteItems"}, 4, 200, ""},
		{"start through conflicting transactions", "POST", "/schedule/lesson/L2/start/", ``, localstack.Conflict, []string{"TransactWriteItems"}, 4, 200, ""},
		{"patch lesson, conflicting for ever", "PATCH", "/api/schedule/lessons/L3/", `{"title":"New"}`, localstack.Conflict, []string{"PutItem"}, 1000, 409, "concurrent_update"},
		{"rename account, throttled for ever", "PATCH", "/api/schedule/zoom-accounts/2/", `{"name":"Room two"}`, localstack.Throttle, []string{"UpdateItem"}, 1000, 503, "storage_busy"},
		{"start, conflicting for ever", "POST", "/schedule/lesson/L3/start/", ``, localstack.Conflict, []string{"TransactWriteItems"}, 1000, 409, "concurrent_update"},
		{"list the pool, throttled for ever", "GET", "/api/schedule/zoom-accounts/", ``, localstack.Throttle, []string{"Query"}, 1000, 503, "storage_busy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h.env.Engine.InjectFaults(localstack.FailOps(tc.times, tc.fault, tc.ops...))
			r := h.do(t, tc.method, tc.path, tc.body)
			h.env.Engine.InjectFaults(nil)
			if r.status != tc.status {
				t.Fatalf("got %d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.code != "" {
				if e := r.error(t); e.Error != tc.code || r.header.Get("Retry-After") == "" {
					t.Errorf("got %s with Retry-After %q, want %s with a Retry-After", e.Error, r.header.Get("Retry-After"), tc.code)
				}
			}
		})
	}
	l3, _ := h.env.Store.Lesson(context.Background(), "L3")
	a2, _ := h.env.Store.Account(context.Background(), "2")
	if l3.Title != "Lesson L3" || l3.Status != pool.StatusScheduled || a2.Name != "Room 2" {
		t.Errorf("refused writes changed something: lesson L3 %q %s, account 2 %q", l3.Title, l3.Status, a2.Name)
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1", "L2", "L3")
}

// Many clients PATCH one lesson at once: each gets 200, or 409 with a
// Retry-After when it lost every race; never a 500.
func TestConcurrentPatchesOfOneLessonNeverFail(t *testing.T) {
	h := newHarness(t)
	h.env.AddLessons(t, 1)
	const clients = 48
	statuses := make([]int, clients)
	retries := make([]string, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := h.do(t, http.MethodPatch, "/api/schedule/lessons/L1/", `{"topics":"edit `+strconv.Itoa(i)+`"}`)
			statuses[i], retries[i] = r.status, r.header.Get("Retry-After")
		})
	}
	wg.Wait()
	count := map[int]int{}
	for i, s := range statuses {
		count[s]++
		if s != http.StatusOK && (s != http.StatusConflict || retries[i] == "") {
			t.Errorf("client %d: %d (Retry-After %q), want 200, or 409 with Retry-After", i, s, retries[i])
		}
	}
	l, _ := h.env.Store.Lesson(context.Background(), "L1")
	if l.Version != 1+count[http.StatusOK] {
		t.Errorf("lesson version %d after %d successful edits, want %d", l.Version, count[http.StatusOK], 1+count[http.StatusOK])
	}
	t.Logf("%d concurrent PATCHes of one lesson: %v", clients, count)
}

// A signed meeting.ended whose end_time is absurd is clamped to when the
// meeting can have ended: not before it was created.
func TestWebhookEndTimeIsClampedToTheMeeting(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 1)
	claimed := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Millisecond)
	h.app.Service.Now = func() time.Time { return claimed }
	_, s := h.start(t, "L1")
	h.app.Service.Now = time.Now
	r := h.webhook(t, meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, `,"end_time":"1970-01-01T00:00:00Z"`))
	if r.status != http.StatusOK {
		t.Fatalf("meeting.ended: %d %s", r.status, r.body)
	}
	l, _ := h.env.Store.Lesson(context.Background(), "L1")
	if !l.EndedAt.Equal(claimed) {
		t.Errorf("ended_at = %s, want the meeting's creation %s", l.EndedAt, claimed)
	}
}

// A repeated or stale meeting.ended costs one read; a webhook that runs out
// of its budget (a table too busy to answer) answers 503 so that Zoom sends it
// again, never 500.
func TestWebhookIgnoresRepeatsCheaplyAndNeverAnswers500(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 2)
	_, s1 := h.start(t, "L1")
	_, s2 := h.start(t, "L2") // 429: the pool has one account
	_ = s2
	ended := meetingEvent("meeting.ended", `"`+s1.MeetingData.ID+`"`, "")
	if r := h.webhook(t, ended); r.status != http.StatusOK {
		t.Fatalf("first delivery: %d %s", r.status, r.body)
	}
	h.env.Engine.ResetRequests()
	if r := h.webhook(t, ended); r.status != http.StatusOK {
		t.Fatalf("repeated delivery: %d %s", r.status, r.body)
	}
	if got, want := h.env.Engine.Requests(), map[string]int{"GetItem": 1}; !maps.Equal(got, want) {
		t.Errorf("a repeated notification sent %v, want %v", got, want)
	}

	if r, _ := h.start(t, "L2"); r.status != http.StatusOK {
		t.Fatalf("start L2: %d %s", r.status, r.body)
	}
	l2, _ := h.env.Store.Lesson(context.Background(), "L2")
	// The table never answers, so the webhook runs out of its budget
	// whatever the machine's speed.
	// The handler is the function's own, with its own budget.
	direct := *h
	direct.srv = httptest.NewServer(api.NewZoomWebhook(zoom.Verifier{Secret: webhookSecret}, h.app.Releaser, slog.New(slog.DiscardHandler)))
	defer direct.srv.Close()
	h.env.Engine.InjectFaults(localstack.FailOps(1000, localstack.Stall, "GetItem"))
	body := meetingEvent("meeting.ended", `"`+l2.Meeting.ID+`"`, "")
	r := direct.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom", body, signed(webhookSecret, time.Now(), body))
	h.env.Engine.InjectFaults(nil)
	if e := r.error(t); r.status != http.StatusServiceUnavailable || e.Error != "webhook_timeout" || r.header.Get("Retry-After") == "" {
		t.Errorf("webhook past its budget: %d %s, want 503 webhook_timeout with Retry-After", r.status, r.body)
	}
	// Zoom sends it again, and it goes through.
	if r := h.webhook(t, meetingEvent("meeting.ended", `"`+l2.Meeting.ID+`"`, "")); r.status != http.StatusOK {
		t.Errorf("the repeat: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1", "L2")
}
