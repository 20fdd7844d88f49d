package api_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

// zoomUser is the Zoom user of the harness's account n.
func zoomUser(n int) string { return fmt.Sprintf("zoom-user-%d@example.com", n) }

// account reads account id through the accounts API, as an admin.
func (h *harness) account(t testing.TB, id string) map[string]any {
	t.Helper()
	var a map[string]any
	r := h.do(t, http.MethodGet, "/api/schedule/zoom-accounts/"+id+"/", nil)
	r.json(t, &a)
	if r.status != http.StatusOK {
		t.Fatalf("account %s: %d %s", id, r.status, r.body)
	}
	return a
}

// startUntilRefused starts fresh lessons one after another, each released
// again, until one start met the refused account first and went on to
// another one in the same request (two creates in Zoom for one start).
// Accounts are tried in random order, so each start has an even chance or
// better; it fails the test after 40 tries. It returns that start's answer.
func startUntilRefused(t *testing.T, h *harness, d *zoomtest.Server) started {
	t.Helper()
	now := time.Now()
	for i := range 40 {
		id := fmt.Sprintf("try-%d", i)
		h.env.AddLesson(t, id, now.Add(-time.Minute), now.Add(time.Hour))
		creates := d.Calls(zoomtest.OpCreate)
		r, s := h.start(t, id)
		if r.status != http.StatusOK {
			t.Fatalf("start %s: %d %s", id, r.status, r.body)
		}
		if d.Calls(zoomtest.OpCreate)-creates == 2 {
			return s
		}
		release(t, h, id)
	}
	t.Fatal("40 starts in a row never tried the refused account first")
	return started{}
}

// untilMidnight is how long from now until the next 00:00 UTC, when Zoom's
// daily limits end.
func untilMidnight(now time.Time) time.Duration {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC).Sub(now)
}

func TestDailyLimitedAccountIsSkipped(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 1)
	d.ExhaustDailyLimit(zoomUser(1))
	s := startUntilRefused(t, h, d)
	if s.ZoomAccount != "Zoom Account 2" {
		t.Errorf("the start went to %q, want Zoom Account 2", s.ZoomAccount)
	}
	a := h.account(t, "1")
	until, err := time.Parse(time.RFC3339, fmt.Sprint(a["zoom_limited_until"]))
	if want := time.Now().Add(untilMidnight(time.Now())); err != nil || until.Sub(want).Abs() > time.Minute {
		t.Errorf("account 1 shows zoom_limited_until %v, want the next 00:00 UTC (%s)", a["zoom_limited_until"], want.UTC().Format(time.RFC3339))
	}
	if a["active"] != 0.0 || a["needs_attention"] != nil {
		t.Errorf("account 1 after the limit: %v, want no lesson and no attention needed", a)
	}
	// Everyone sees the limit, admins and teachers alike.
	var list []map[string]any
	h.asTeacher(t, "teacher-1").do(t, http.MethodGet, "/api/schedule/zoom-accounts/", nil).json(t, &list)
	if list[0]["zoom_limited_until"] == nil || list[1]["zoom_limited_until"] != nil {
		t.Errorf("a teacher sees %v, want the limit on account 1 only", list)
	}
	// Later starts skip the account: account 2 is busy, so a start finds no
	// account and says when one is back, without asking Zoom.
	h.env.AddLesson(t, "later", time.Now(), time.Now().Add(2*time.Hour))
	creates := d.Calls(zoomtest.OpCreate)
	r, _ := h.start(t, "later")
	if e := r.error(t); r.status != http.StatusTooManyRequests || e.Error != "pool_exhausted" || !strings.Contains(e.Message, "daily limit") {
		t.Errorf("start with account 2 busy and 1 limited: %d %s %q, want 429 pool_exhausted naming the limit", r.status, e.Error, e.Message)
	}
	if n := d.Calls(zoomtest.OpCreate) - creates; n != 0 {
		t.Errorf("a later start asked Zoom %d times, want none", n)
	}
	// The capacity forecast lists the account apart, until its limit ends.
	var f forecastAnswer
	h.do(t, http.MethodGet, "/api/schedule/capacity/", nil).json(t, &f)
	if f.Capacity != 2 || len(f.Accounts.Limited) != 1 || f.Accounts.Limited[0].ID != "1" || f.Accounts.Limited[0].LimitedUntil == "" {
		t.Errorf("forecast accounts %+v capacity %d, want account 1 limited, 2 slots in all", f.Accounts, f.Capacity)
	}
	pooltest.CheckInvariants(t, h.env.Store, s.LessonID, "later")
}

func TestAllAccountsLimitedAnswer429WithTheLimitsEnd(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 2)
	d.ExhaustDailyLimit(zoomUser(1))
	d.ExhaustDailyLimit(zoomUser(2))
	ids := h.env.AddLessons(t, 1)
	r, _ := h.start(t, ids[0])
	e := r.error(t)
	retry, err := strconv.Atoi(r.header.Get("Retry-After"))
	want := untilMidnight(time.Now())
	if r.status != http.StatusTooManyRequests || e.Error != "pool_exhausted" || err != nil ||
		(time.Duration(retry)*time.Second-want).Abs() > time.Minute {
		t.Errorf("start with every account at its limit: %d %s, Retry-After %q; want 429 pool_exhausted, Retry-After about %d",
			r.status, e.Error, r.header.Get("Retry-After"), int(want.Seconds()))
	}
	if d.Calls(zoomtest.OpCreate) != 2 {
		t.Errorf("Zoom was asked %d times, want once per account", d.Calls(zoomtest.OpCreate))
	}
	accounts, _ := h.env.Store.Pool(context.Background())
	for _, a := range accounts {
		if a.Active != 0 || !a.Limited(time.Now()) {
			t.Errorf("account %s after the start: active %d, limited until %s; want no claim and the limit", a.ID, a.Active, a.LimitedUntil)
		}
	}
	if l, _ := h.env.Store.Lesson(context.Background(), ids[0]); l.Status != pool.StatusScheduled {
		t.Errorf("lesson is %s, want scheduled", l.Status)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestAccountNeedingAttentionIsFlaggedAndClearedByAnAdmin(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 1)
	d.RemoveUser(zoomUser(1))
	s := startUntilRefused(t, h, d)
	if s.ZoomAccount != "Zoom Account 2" {
		t.Errorf("the start went to %q, want Zoom Account 2", s.ZoomAccount)
	}
	a := h.account(t, "1")
	att, _ := a["needs_attention"].(map[string]any)
	if att == nil || att["status"] != 404.0 || att["code"] != 1001.0 || !strings.Contains(fmt.Sprint(att["message"]), "User does not exist") {
		t.Fatalf("account 1 shows needs_attention %v, want Zoom's 404, code 1001 and message", a["needs_attention"])
	}
	var teacherView map[string]any
	h.asTeacher(t, "teacher-1").do(t, http.MethodGet, "/api/schedule/zoom-accounts/1/", nil).json(t, &teacherView)
	if _, shown := teacherView["needs_attention"]; shown {
		t.Errorf("a teacher sees needs_attention: %v", teacherView)
	}
	// Account 2 is busy and account 1 skipped: no account, and Zoom is not asked.
	h.env.AddLesson(t, "later", time.Now(), time.Now().Add(2*time.Hour))
	creates := d.Calls(zoomtest.OpCreate)
	if r, _ := h.start(t, "later"); r.status != http.StatusTooManyRequests || d.Calls(zoomtest.OpCreate) != creates {
		t.Errorf("start with account 1 flagged and 2 busy: %d %s after %d creates, want 429 and none", r.status, r.body, d.Calls(zoomtest.OpCreate)-creates)
	}

	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"needs_attention":"fixed"}`, http.StatusBadRequest},
		{`{"zoom_limited_until":"2026-12-01T00:00:00Z"}`, http.StatusBadRequest},
		{`{"name":"Room 1"}`, http.StatusOK}, // an unrelated change clears nothing
	} {
		if r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/1/", tc.body); r.status != tc.status {
			t.Errorf("PATCH %s: %d %s, want %d", tc.body, r.status, r.body, tc.status)
		}
	}
	if a := h.account(t, "1"); a["needs_attention"] == nil {
		t.Fatalf("needs_attention cleared by a PATCH that did not ask: %v", a)
	}
	// The admin gives the account a Zoom user that exists: the flag is gone,
	// and the next start may use the account.
	r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/1/", `{"zoom_user_id":"zoom-user-9@example.com"}`)
	var patched map[string]any
	r.json(t, &patched)
	if r.status != http.StatusOK || patched["needs_attention"] != nil || patched["zoom_user_id"] != "zoom-user-9@example.com" {
		t.Fatalf("PATCH zoom_user_id: %d %s, want the new user and no needs_attention", r.status, r.body)
	}
	if r, s := h.start(t, "later"); r.status != http.StatusOK || s.ZoomAccount != "Room 1" {
		t.Errorf("start after the fix: %d %s, want 200 on Room 1", r.status, r.body)
	}
	// A busy account keeps its Zoom user; clearing the flag alone is allowed.
	if r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/1/", `{"zoom_user_id":"zoom-user-8@example.com"}`); r.status != http.StatusConflict {
		t.Errorf("PATCH zoom_user_id of a busy account: %d %s, want 409", r.status, r.body)
	}
	if r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/1/", `{"needs_attention":null}`); r.status != http.StatusOK {
		t.Errorf("PATCH needs_attention null: %d %s, want 200", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, s.LessonID, "later")
}

func TestEveryAccountNeedingAttention(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 1)
	d.RemoveUser(zoomUser(1))
	d.RemoveUser(zoomUser(2))
	ids := h.env.AddLessons(t, 1)
	r, _ := h.start(t, ids[0])
	if e := r.error(t); r.status != http.StatusBadGateway || e.Error != "zoom_unavailable" || !strings.Contains(e.Message, "needs an admin's attention") {
		t.Errorf("start when Zoom refuses both accounts: %d %s %q, want 502 zoom_unavailable naming the accounts", r.status, e.Error, e.Message)
	}
	r, _ = h.start(t, ids[0])
	if e := r.error(t); r.status != http.StatusServiceUnavailable || e.Error != "no_accounts" || !strings.Contains(e.Message, "attention") {
		t.Errorf("the next start: %d %s %q, want 503 no_accounts saying they need attention", r.status, e.Error, e.Message)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestRestartRenewsAnOldHostLink(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1)
	ids := h.env.AddLessons(t, 1)
	_, first := h.start(t, ids[0])
	svc := h.app.Service
	// Within the threshold a restart answers the same link and asks Zoom nothing.
	gets := d.Calls(zoomtest.OpGet)
	svc.Now = func() time.Time { return time.Now().Add(pool.DefaultLinkMaxAge - time.Minute) }
	if r, s := h.start(t, ids[0]); r.status != http.StatusOK || s.MeetingData != first.MeetingData || d.Calls(zoomtest.OpGet) != gets {
		t.Errorf("restart within %s: %d, link changed %v, %d reads of Zoom; want the same link and none",
			pool.DefaultLinkMaxAge, r.status, s.MeetingData != first.MeetingData, d.Calls(zoomtest.OpGet)-gets)
	}
	// Past it, the link is renewed, recorded and answered.
	later := time.Now().Add(pool.DefaultLinkMaxAge + time.Minute)
	svc.Now = func() time.Time { return later }
	r, again := h.start(t, ids[0])
	if r.status != http.StatusOK || again.MeetingData.StartURL == first.MeetingData.StartURL || again.MeetingData.ID != first.MeetingData.ID ||
		again.MeetingData.JoinURL != first.MeetingData.JoinURL || !strings.Contains(again.MeetingData.StartURL, "zak=") {
		t.Fatalf("restart past %s: %d %+v; want the same meeting with a new start_url (first %+v)", pool.DefaultLinkMaxAge, r.status, again.MeetingData, first.MeetingData)
	}
	var lesson map[string]any
	h.do(t, http.MethodGet, "/api/schedule/lessons/"+ids[0]+"/", nil).json(t, &lesson)
	if lesson["zoom_start_url"] != again.MeetingData.StartURL || lesson["zoom_start_url_issued_at"] != later.UTC().Format(time.RFC3339) {
		t.Errorf("lesson after the renewal: start_url %v issued at %v; want the new link, issued at %s",
			lesson["zoom_start_url"], lesson["zoom_start_url_issued_at"], later.UTC().Format(time.RFC3339))
	}
	// A restart right after is cheap again: the renewed link is fresh.
	gets = d.Calls(zoomtest.OpGet)
	if r, s := h.start(t, ids[0]); r.status != http.StatusOK || s.MeetingData != again.MeetingData || d.Calls(zoomtest.OpGet) != gets {
		t.Errorf("restart after the renewal: %d, same link %v, %d reads of Zoom; want the renewed link and none",
			r.status, s.MeetingData == again.MeetingData, d.Calls(zoomtest.OpGet)-gets)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// A lesson whose meeting Zoom no longer has (deleted by hand) starts again
// with a new meeting when its link is renewed.
func TestRestartReplacesAMeetingZoomDeleted(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1)
	ids := []string{"long"}
	h.env.AddLesson(t, ids[0], time.Now().Add(-time.Minute), time.Now().Add(3*time.Hour))
	_, first := h.start(t, ids[0])
	c := d.Client(t, zoom.Config{})
	if err := c.DeleteMeeting(context.Background(), pool.Account{ZoomUserID: zoomUser(1)}, first.MeetingData.ID); err != nil {
		t.Fatal(err)
	}
	h.app.Service.Now = func() time.Time { return time.Now().Add(pool.DefaultLinkMaxAge + time.Minute) }
	r, again := h.start(t, ids[0])
	if _, held := d.Meeting(again.MeetingData.ID); r.status != http.StatusOK || again.MeetingData.ID == first.MeetingData.ID || !held {
		t.Errorf("restart of a lesson whose meeting is gone: %d %+v, want a new meeting Zoom holds", r.status, again.MeetingData)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// checkZoomMeetings reports meetings the double holds that no lesson
// records (leaked), and meetings of lessons no longer live that still run.
func checkZoomMeetings(t *testing.T, h *harness, d *zoomtest.Server) {
	t.Helper()
	ctx := context.Background()
	for _, m := range d.Meetings() {
		ref, err := h.env.Store.MeetingLookup(ctx, strconv.FormatUint(m.ID, 10))
		if err != nil {
			t.Errorf("Zoom holds meeting %d (%s), which no lesson records: leaked", m.ID, m.Agenda)
			continue
		}
		if l, err := h.env.Store.Lesson(ctx, ref.LessonID); err == nil && (l.Status != pool.StatusLive || l.HoldToken != ref.Token) && m.Status != "ended" {
			t.Errorf("meeting %d of lesson %s (%s) is still %s", m.ID, l.ID, l.Status, m.Status)
		}
	}
}

func TestSweepEndsTheMeetingsItReleases(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 1)
	now := time.Now()
	h.env.AddLesson(t, "over", now.Add(-time.Minute), now.Add(time.Hour))
	h.env.AddLesson(t, "running", now.Add(-time.Minute), now.Add(4*time.Hour))
	_, over := h.start(t, "over")
	_, running := h.start(t, "running")
	releaser, _ := h.sweeper(2 * time.Hour)
	sum, err := releaser.Sweep(context.Background())
	if err != nil || sum.Released[pool.ReasonLessonEnded] != 1 || sum.Meetings.Ended != 1 || sum.Meetings.Failed != 0 {
		t.Fatalf("sweep: %+v %v, want lesson over released and its meeting ended", sum, err)
	}
	if m, _ := d.Meeting(over.MeetingData.ID); m.Status != "ended" {
		t.Errorf("meeting of the released lesson is %q in Zoom, want ended", m.Status)
	}
	if m, _ := d.Meeting(running.MeetingData.ID); m.Status == "ended" {
		t.Errorf("meeting of the running lesson was ended")
	}
	checkZoomMeetings(t, h, d)
	pooltest.CheckInvariants(t, h.env.Store, "over", "running")
}

// Zoom fails to end the meeting: the sweep says so, and the next one ends
// it; a meeting Zoom no longer has counts as ended.
func TestSweepTriesFailedEndsAgain(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{Attempts: 1}, 1)
	ids := h.env.AddLessons(t, 1)
	_, s := h.start(t, ids[0])
	d.Inject(zoomtest.ServerError(zoomtest.OpEnd, 0))
	releaser, logs := h.sweeper(2 * time.Hour)
	sum, err := releaser.Sweep(context.Background())
	if err != nil || sum.ReleasedTotal() != 1 || sum.Meetings.Failed != 1 || sum.Meetings.Ended != 0 {
		t.Fatalf("sweep while Zoom fails: %+v %v, want the release and one failed end", sum, err)
	}
	if !strings.Contains(logs.String(), `"meeting":"`+s.MeetingData.ID+`"`) || !strings.Contains(logs.String(), "the next sweep tries again") {
		t.Errorf("the failure is not logged with the meeting id:\n%s", logs)
	}
	d.ClearFaults()
	if sum, err := releaser.Sweep(context.Background()); err != nil || sum.Meetings.Ended != 1 {
		t.Errorf("next sweep: %+v %v, want the meeting ended", sum, err)
	}
	if m, _ := d.Meeting(s.MeetingData.ID); m.Status != "ended" {
		t.Errorf("meeting is %q, want ended", m.Status)
	}
	if sum, _ := releaser.Sweep(context.Background()); sum.Meetings != (pool.CleanupSummary{}) {
		t.Errorf("a third sweep still found meetings to clean up: %+v", sum.Meetings)
	}
}

func TestCompensationDeletesTheMeeting(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1)
	ids := h.env.AddLessons(t, 1)
	// The commit fails (every attempt the SDK makes); the claim is undone.
	transactions := 0
	h.env.Engine.InjectFaults(func(op string, _ int) localstack.Fault {
		if op != "TransactWriteItems" {
			return localstack.Pass
		}
		transactions++
		if transactions >= 2 && transactions <= 4 {
			return localstack.FailRequest
		}
		return localstack.Pass
	})
	r, _ := h.start(t, ids[0])
	h.env.Engine.InjectFaults(nil)
	if r.status != http.StatusInternalServerError {
		t.Errorf("start whose commit fails: %d %s, want 500", r.status, r.body)
	}
	if n := len(d.Meetings()); n != 0 || d.Calls(zoomtest.OpDelete) != 1 {
		t.Errorf("Zoom holds %d meetings after %d deletes, want the meeting deleted", n, d.Calls(zoomtest.OpDelete))
	}
	if c, _ := h.env.Store.Cleanups(context.Background()); len(c) != 0 {
		t.Errorf("cleanups left: %+v, want none once the meeting is deleted", c)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// Zoom creates the meeting but the answer is lost, and the lookup that would
// find it fails too: the start gives up, and the sweep finds the meeting by
// its claim's tag and deletes it.
func TestMeetingOfALostCreateIsDeletedByTheSweep(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{AttemptTimeout: 200 * time.Millisecond, Attempts: 2}, 1)
	h.app.Service.ZoomBudget = time.Second
	ids := h.env.AddLessons(t, 1)
	d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, Delay: 5 * time.Second, After: true})
	d.Inject(zoomtest.ServerError(zoomtest.OpList, 0))
	r, _ := h.start(t, ids[0])
	if e := r.error(t); r.status != http.StatusBadGateway || e.Error != "zoom_unavailable" {
		t.Fatalf("start: %d %s, want 502 zoom_unavailable", r.status, r.body)
	}
	if n := len(d.Meetings()); n != 1 {
		t.Fatalf("Zoom holds %d meetings, want the one whose answer was lost", n)
	}
	d.ClearFaults()
	releaser, _ := h.sweeper(0)
	if sum, err := releaser.Sweep(context.Background()); err != nil || sum.Meetings.Deleted != 1 {
		t.Errorf("sweep: %+v %v, want the meeting deleted", sum, err)
	}
	checkZoomMeetings(t, h, d)
	if n := len(d.Meetings()); n != 0 {
		t.Errorf("Zoom holds %d meetings after the sweep", n)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Errorf("start again: %d %s", r.status, r.body)
	}
}

// crashAfterCreate is Zoom for a start that stops, as a crashed function
// does, once Zoom has created the meeting and before it is recorded.
type crashAfterCreate struct{ pool.Zoom }

func (z crashAfterCreate) CreateMeeting(ctx context.Context, a pool.Account, l pool.Lesson, claim string) (pool.Meeting, error) {
	_, _ = z.Zoom.CreateMeeting(ctx, a, l, claim)
	runtime.Goexit()
	return pool.Meeting{}, nil
}

func TestMeetingOfACrashedStartIsDeletedByTheSweep(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1)
	ids := h.env.AddLessons(t, 1)
	svc := *h.app.Service
	svc.Zoom = crashAfterCreate{svc.Zoom}
	crashed(func() { _, _ = svc.Start(context.Background(), ids[0]) })
	if n := len(d.Meetings()); n != 1 {
		t.Fatalf("Zoom holds %d meetings after the crash, want 1", n)
	}
	releaser, _ := h.sweeper(svc.Lease + time.Second)
	sum, err := releaser.Sweep(context.Background())
	if err != nil || sum.Released[pool.ReasonClaimExpired] != 1 || sum.Meetings.Deleted != 1 {
		t.Errorf("sweep after the lease: %+v %v, want the claim released and its meeting deleted", sum, err)
	}
	if n := len(d.Meetings()); n != 0 {
		t.Errorf("Zoom holds %d meetings after the sweep, want none", n)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestWebhookChecksTheMeetingsHost(t *testing.T) {
	h, _ := newLiveHarness(t, zoom.Config{}, 1)
	var logs bytes.Buffer
	h.app.Releaser.Log = slog.New(slog.NewJSONHandler(&syncWriter{w: &logs}, nil))
	ids := h.env.AddLessons(t, 2)
	for i, host := range []string{zoomtest.HostID(zoomUser(1)), "someone-else"} {
		_, s := h.start(t, ids[i])
		r := h.webhook(t, `{"event":"meeting.ended","payload":{"object":{"id":"`+s.MeetingData.ID+`","host_id":"`+host+`"}}}`)
		if r.status != http.StatusOK {
			t.Fatalf("meeting.ended: %d %s", r.status, r.body)
		}
		warned := strings.Contains(logs.String(), "another host")
		if want := host == "someone-else"; warned != want {
			t.Errorf("meeting.ended from host %q: warned %v, want %v\n%s", host, warned, want, logs.String())
		}
	}
	if !strings.Contains(logs.String(), `"expected_host_id":"`+zoomtest.HostID(zoomUser(1))+`"`) {
		t.Errorf("the warning does not name the expected host:\n%s", logs.String())
	}
}
