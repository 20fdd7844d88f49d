package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/api"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

// sweeper returns a copy of the harness's releaser whose clock runs ahead by
// ahead and whose log goes to the returned buffer.
func (h *harness) sweeper(ahead time.Duration) (*pool.Releaser, *bytes.Buffer) {
	var buf bytes.Buffer
	r := *h.app.Releaser
	r.Now = func() time.Time { return time.Now().Add(ahead) }
	r.Log = slog.New(slog.NewJSONHandler(&syncWriter{w: &buf}, nil))
	return &r, &buf
}

type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// crashStart claims an account for lesson id and stops the start before it
// records the meeting, as a crashed function would: the claim stays, leased.
func (h *harness) crashStart(t *testing.T, id string) {
	t.Helper()
	hook := h.zoom.Hook
	h.zoom.Hook = func(context.Context, pool.Account, pool.Lesson) error { runtime.Goexit(); return nil }
	defer func() { h.zoom.Hook = hook }()
	crashed(func() { _, _ = h.app.Service.Start(context.Background(), id) })
}

// rawLesson changes a lesson's item behind the store's back, as a person
// editing the table by hand would: delete it (update nil) or set attributes.
func (h *harness) rawLesson(t *testing.T, id string, set map[string]string) {
	t.Helper()
	key := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "LESSON#" + id},
		"sk": &types.AttributeValueMemberS{Value: "LESSON"},
	}
	var err error
	if set == nil {
		_, err = h.env.Client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: &h.env.Table, Key: key})
	} else {
		var exprs []string
		names, values := map[string]string{}, map[string]types.AttributeValue{}
		for k, v := range set {
			exprs = append(exprs, "#"+k+" = :"+k)
			names["#"+k] = k
			values[":"+k] = &types.AttributeValueMemberS{Value: v}
		}
		_, err = h.env.Client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
			TableName: &h.env.Table, Key: key, UpdateExpression: aws.String("SET " + strings.Join(exprs, ", ")),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		})
	}
	if err != nil {
		t.Fatal(err)
	}
}

type logLine struct {
	Msg          string `json:"msg"`
	Account      string `json:"account"`
	Lesson       string `json:"lesson"`
	Reason       string `json:"reason"`
	LessonEnd    string `json:"lesson_end"`
	Released     int    `json:"released"`
	LessonEnded  *int   `json:"lesson_ended"`
	ClaimExpired *int   `json:"claim_expired"`
	Orphan       *int   `json:"orphan"`
}

func logLines(t *testing.T, buf *bytes.Buffer) []logLine {
	t.Helper()
	var out []logLine
	for line := range strings.Lines(buf.String()) {
		var l logLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("log line is not JSON: %v: %s", err, line)
		}
		out = append(out, l)
	}
	return out
}

func TestSweepReleasesStuckHolds(t *testing.T) {
	h := newHarness(t, 1, 1, 1, 1, 1, 1)
	now := time.Now().UTC().Truncate(time.Second)
	const ahead = 2 * time.Hour // the sweep runs two hours from now
	lesson := func(id string, end time.Duration) { h.env.AddLesson(t, id, now.Add(-time.Minute), now.Add(end)) }
	lesson("over", time.Hour)                // ended an hour before the sweep
	lesson("in-grace", ahead-10*time.Minute) // ended ten minutes before it
	lesson("running", 3*time.Hour)           // still running
	lesson("crashed", 3*time.Hour)           // its start died after claiming
	lesson("orphan-missing", 3*time.Hour)    // removed by hand
	lesson("orphan-rewritten", 3*time.Hour)  // rewritten by hand
	for _, id := range []string{"over", "in-grace", "running", "orphan-missing", "orphan-rewritten"} {
		if r, _ := h.start(t, id); r.status != 200 {
			t.Fatalf("start %s: %d %s", id, r.status, r.body)
		}
	}
	h.crashStart(t, "crashed")
	h.rawLesson(t, "orphan-missing", nil)
	h.rawLesson(t, "orphan-rewritten", map[string]string{"hold_token": "", "status": "scheduled"})
	accountOf := map[string]string{}
	accounts, _ := h.env.Store.Pool(context.Background())
	for _, a := range accounts {
		for _, hold := range a.Holds {
			accountOf[hold.LessonID] = a.Name
		}
	}

	releaser, logs := h.sweeper(ahead)
	res, err := api.NewReleaseStuck(releaser, nil)(context.Background(), events.EventBridgeEvent{DetailType: "Scheduled Event"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[pool.Reason]int{pool.ReasonLessonEnded: 1, pool.ReasonClaimExpired: 1, pool.ReasonOrphan: 2}
	if res.Status != "success" || res.Holds != 6 || !maps.Equal(res.Released, want) || res.ReleasedTotal != 4 || res.Skipped != 0 {
		t.Errorf("sweep answered %+v, want 6 holds and released %v", res, want)
	}
	// The meetings of the released holds were ended in Zoom, the others not;
	// the crashed start made none.
	if m := res.Meetings; m.Ended != 3 || m.Deleted != 0 || m.Failed != 0 {
		t.Errorf("sweep did %+v in Zoom, want 3 meetings ended", m)
	}
	for _, m := range h.zoom.Meetings() {
		if wantEnded := m.LessonID != "in-grace" && m.LessonID != "running"; m.Ended != wantEnded {
			t.Errorf("meeting of lesson %s: ended %v, want %v", m.LessonID, m.Ended, wantEnded)
		}
	}

	ctx := context.Background()
	for _, tc := range []struct {
		lesson  string
		status  pool.LessonStatus
		holding bool
	}{
		{"over", pool.StatusEnded, false},
		{"in-grace", pool.StatusLive, true},
		{"running", pool.StatusLive, true},
		{"crashed", pool.StatusScheduled, false}, // nothing was used: it may start again
		{"orphan-rewritten", pool.StatusScheduled, false},
	} {
		l, err := h.env.Store.Lesson(ctx, tc.lesson)
		if err != nil || l.Status != tc.status || l.Holding() != tc.holding {
			t.Errorf("lesson %s after the sweep: %s, holding %v (%v); want %s, holding %v", tc.lesson, l.Status, l.Holding(), err, tc.status, tc.holding)
		}
	}
	if l, _ := h.env.Store.Lesson(ctx, "over"); !l.EndedAt.Equal(l.End) {
		t.Errorf("lesson over ended at %s, want its scheduled end %s", l.EndedAt, l.End)
	}
	if _, err := h.env.Store.Lesson(ctx, "orphan-missing"); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("the sweep recreated the missing lesson: %v", err)
	}
	busy := 0
	accounts, _ = h.env.Store.Pool(ctx)
	for _, a := range accounts {
		busy += a.Active
	}
	if busy != 2 {
		t.Errorf("%d accounts busy after the sweep, want 2 (in-grace, running)", busy)
	}
	pooltest.CheckInvariants(t, h.env.Store, "over", "in-grace", "running", "crashed", "orphan-rewritten")

	// One line per release with account, lesson, reason and lesson end, then the summary.
	lines := logLines(t, logs)
	released := map[string]logLine{}
	for _, l := range lines[:len(lines)-1] {
		if l.Msg == "ended meeting" {
			continue
		}
		if l.Msg != "released account" || l.Account != accountOf[l.Lesson] || l.Reason == "" || l.LessonEnd == "" {
			t.Errorf("release log line %+v lacks the account name, lesson, reason or lesson end", l)
		}
		released[l.Lesson] = l
	}
	wantReasons := map[string]string{"over": "lesson_ended", "crashed": "claim_expired", "orphan-missing": "orphan", "orphan-rewritten": "orphan"}
	for lessonID, reason := range wantReasons {
		if released[lessonID].Reason != reason {
			t.Errorf("log says lesson %s was released for %q, want %q", lessonID, released[lessonID].Reason, reason)
		}
	}
	if len(released) != len(wantReasons) {
		t.Errorf("%d release lines, want %d: %+v", len(released), len(wantReasons), released)
	}
	last := lines[len(lines)-1]
	if last.Msg != "sweep" || last.Released != 4 || last.LessonEnded == nil || *last.LessonEnded != 1 ||
		*last.ClaimExpired != 1 || *last.Orphan != 2 {
		t.Errorf("summary log line %+v, want released 4: 1 lesson_ended, 1 claim_expired, 2 orphan", last)
	}

	// A second sweep finds nothing more.
	res, err = api.NewReleaseStuck(releaser, nil)(ctx, events.EventBridgeEvent{})
	if err != nil || res.ReleasedTotal != 0 || res.Holds != 2 {
		t.Errorf("second sweep: %+v %v, want 2 holds and nothing released", res, err)
	}
}

// A lesson extended after the sweep read it but before the release keeps its
// account.
func TestSweepKeepsALessonExtendedMeanwhile(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	if r, _ := h.start(t, ids[0]); r.status != 200 {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	releaser, _ := h.sweeper(2 * time.Hour)
	// The store answers the sweep's read of the lessons after the teacher
	// moved the end: the sweep decided on the pool read just before.
	releaser.Store = extendingStore{ReleaseStore: releaser.Store, extend: func() {
		newEnd := time.Now().Add(4 * time.Hour).UTC().Format(time.RFC3339)
		if r := h.do(t, http.MethodPatch, "/api/schedule/lessons/"+ids[0]+"/", `{"end_time":"`+newEnd+`"}`); r.status != 200 {
			t.Errorf("extend: %d %s", r.status, r.body)
		}
	}}
	sum, err := releaser.Sweep(context.Background())
	if err != nil || sum.ReleasedTotal() != 0 || sum.Skipped != 1 {
		t.Errorf("sweep racing an extension: %+v %v, want the hold skipped", sum, err)
	}
	if l, _ := h.env.Store.Lesson(context.Background(), ids[0]); l.Status != pool.StatusLive {
		t.Errorf("extended lesson is %s, want live", l.Status)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// extendingStore runs extend before answering LessonsByID.
type extendingStore struct {
	pool.ReleaseStore
	extend func()
}

func (s extendingStore) LessonsByID(ctx context.Context, ids []string) (map[string]pool.Lesson, map[string]bool, error) {
	s.extend()
	return s.ReleaseStore.LessonsByID(ctx, ids)
}

// Sweeps (two at once, their clocks far ahead so that every lesson looks
// over and every claim expired), webhooks and starts race: every hold is
// released exactly once, and the invariants hold afterwards.
func TestSweepsRaceWebhooksAndStarts(t *testing.T) {
	h := newHarness(t, 1, 2, 1, 2)
	h.zoom.Delay = 2 * time.Millisecond
	ids := h.env.AddLessons(t, 24)
	releaser, _ := h.sweeper(3 * time.Hour)
	ctx := context.Background()

	var webhookReleases, sweepReleases atomic.Int64
	// Three rounds each, and more (up to 30) until both a webhook and a
	// sweep have released a claim: on a slow engine the race can go one way
	// for three whole rounds.
	more := func(round int) bool {
		return round < 3 || round < 30 && (webhookReleases.Load() == 0 || sweepReleases.Load() == 0)
	}
	var starters, sweepers sync.WaitGroup
	for i, id := range ids {
		starters.Go(func() {
			for round := 0; more(round); round++ {
				r, s := h.start(t, id)
				if r.status != 200 {
					continue // pool_exhausted, or a sweep took the claim back (start_expired)
				}
				if (i+round)%3 == 0 {
					// The webhook is lost: only the sweep releases this one,
					// unless the lesson's next round restarts it first.
					time.Sleep(time.Duration(rand.IntN(20)) * time.Millisecond)
					continue
				}
				time.Sleep(time.Duration(rand.IntN(5)) * time.Millisecond)
				var got webhookAnswer
				r = h.webhook(t, meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, ""))
				if r.json(t, &got); r.status != 200 {
					t.Errorf("meeting.ended of lesson %s: %d %s", id, r.status, r.body)
				}
				if got.Status == "success" {
					webhookReleases.Add(1)
				}
			}
		})
	}
	done := make(chan struct{})
	for range 2 {
		sweepers.Go(func() {
			for {
				sum, err := releaser.Sweep(ctx)
				if err != nil {
					t.Errorf("sweep: %v", err)
				}
				sweepReleases.Add(int64(sum.ReleasedTotal()))
				select {
				case <-done:
					return
				default:
				}
			}
		})
	}
	starters.Wait()
	close(done)
	sweepers.Wait()
	// One more sweep once everything else is over: it takes back the holds
	// whose webhooks were lost in the last round, however the race went.
	sum, err := releaser.Sweep(ctx)
	if err != nil {
		t.Errorf("last sweep: %v", err)
	}
	sweepReleases.Add(int64(sum.ReleasedTotal()))

	remaining := 0
	accounts, _ := h.env.Store.Pool(ctx)
	for _, a := range accounts {
		remaining += len(a.Holds)
	}
	// Every claim created one meeting; every claim was released once or still holds.
	claims := int64(h.zoom.Created())
	if got := webhookReleases.Load() + sweepReleases.Load() + int64(remaining); got != claims {
		t.Errorf("%d claims, but %d released by webhooks + %d by sweeps + %d still held = %d",
			claims, webhookReleases.Load(), sweepReleases.Load(), remaining, got)
	}
	if sweepReleases.Load() == 0 || webhookReleases.Load() == 0 {
		t.Errorf("releases: %d by webhooks, %d by sweeps; the race needs both", webhookReleases.Load(), sweepReleases.Load())
	}
	t.Logf("%d claims: %d released by webhooks, %d by sweeps, %d held", claims, webhookReleases.Load(), sweepReleases.Load(), remaining)
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// One sweep's DynamoDB requests grow with the busy accounts (one transaction
// per release and one DeleteItem per meeting it ended, one BatchGetItem per
// 100 holds) and not at all with the lessons in the table.
func TestSweepRequestsGrowWithBusyAccountsNotLessons(t *testing.T) {
	const maxBusy = 8
	capacities := make([]int, maxBusy)
	for i := range capacities {
		capacities[i] = 1
	}
	sweepRequests := func(h *harness, ahead time.Duration, released int) map[string]int {
		t.Helper()
		r, _ := h.sweeper(ahead)
		h.env.Engine.ResetRequests()
		if sum, err := r.Sweep(context.Background()); err != nil || sum.ReleasedTotal() != released {
			t.Fatalf("sweep %s ahead: %+v %v, want %d released", ahead, sum, err, released)
		}
		return h.env.Engine.Requests()
	}
	for _, others := range []int{0, 250} {
		h := newHarness(t, capacities...)
		now := time.Now()
		for i := range others {
			start := now.Add(time.Duration(i-others/2) * time.Hour)
			h.env.AddLesson(t, fmt.Sprintf("other-%d", i), start, start.Add(45*time.Minute))
		}
		busy := 0
		for _, target := range []int{0, 1, 4, maxBusy} {
			for ; busy < target; busy++ {
				id := fmt.Sprintf("busy-%d", busy)
				h.env.AddLesson(t, id, now.Add(-time.Minute), now.Add(time.Hour))
				if r, _ := h.start(t, id); r.status != 200 {
					t.Fatalf("start %s: %d %s", id, r.status, r.body)
				}
			}
			// The pool, and the meetings left to end or delete.
			want := map[string]int{"Query": 2}
			if busy > 0 {
				want["BatchGetItem"] = 1
			}
			got := sweepRequests(h, 0, 0)
			t.Logf("%d busy accounts, %3d other lessons: a sweep that releases nothing sends %v", busy, others, got)
			if !maps.Equal(got, want) {
				t.Errorf("%d busy accounts, %d other lessons: the sweep sent %v, want %v", busy, others, got, want)
			}
		}
		// Two hours later every busy lesson is over: each release records
		// its meeting, which is ended in Zoom and then forgotten.
		want := map[string]int{"Query": 2, "BatchGetItem": 1, "TransactWriteItems": maxBusy, "DeleteItem": maxBusy}
		got := sweepRequests(h, 2*time.Hour, maxBusy)
		t.Logf("%d busy accounts, %3d other lessons: a sweep that releases them all sends %v", maxBusy, others, got)
		if !maps.Equal(got, want) {
			t.Errorf("%d other lessons: the releasing sweep sent %v, want %v", others, got, want)
		}
	}
}
