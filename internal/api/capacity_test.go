package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/app"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
)

// forecastAnswer is the answer of GET /api/schedule/capacity.
type forecastAnswer struct {
	Start         string  `json:"start"`
	End           string  `json:"end"`
	TimeZone      string  `json:"time_zone"`
	MarginMinutes float64 `json:"margin_minutes"`
	Capacity      int     `json:"capacity"`
	Accounts      struct {
		Enabled        []accountSlot `json:"enabled"`
		Limited        []accountSlot `json:"limited"`
		Disabled       []accountSlot `json:"disabled"`
		NeedsAttention []accountSlot `json:"needs_attention"`
	} `json:"accounts"`
	Lessons int `json:"lessons"`
	Peak    struct {
		Demand int     `json:"demand"`
		At     *string `json:"at"`
	} `json:"peak"`
	Over []struct {
		Start     string `json:"start"`
		End       string `json:"end"`
		Demand    int    `json:"demand"`
		Capacity  int    `json:"capacity"`
		Shortfall int    `json:"shortfall"`
		Lessons   []struct {
			ID          string `json:"id"`
			Title       string `json:"title"`
			TeacherID   string `json:"teacher_id"`
			GroupID     string `json:"group_id"`
			Start       string `json:"start"`
			End         string `json:"end"`
			RecurringID string `json:"recurring_id"`
		} `json:"lessons"`
	} `json:"over_capacity"`
	Days []struct {
		Date      string  `json:"date"`
		MaxDemand int     `json:"max_demand"`
		At        *string `json:"at"`
		Capacity  int     `json:"capacity"`
		Shortfall int     `json:"shortfall"`
	} `json:"days"`
}

type accountSlot struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Capacity     int    `json:"capacity"`
	LimitedUntil string `json:"limited_until"`
}

func (h *harness) capacity(t testing.TB, query string) forecastAnswer {
	t.Helper()
	r := h.do(t, http.MethodGet, "/api/schedule/capacity?"+query, nil)
	if r.status != http.StatusOK {
		t.Fatalf("capacity %s: %d %s", query, r.status, r.body)
	}
	var f forecastAnswer
	r.json(t, &f)
	return f
}

// over writes the answer's over-capacity intervals as "start-end demand/capacity [lesson ids]".
func (f forecastAnswer) over() []string {
	var out []string
	for _, o := range f.Over {
		ids := make([]string, len(o.Lessons))
		for i, l := range o.Lessons {
			ids[i] = l.ID
		}
		out = append(out, fmt.Sprintf("%s-%s %d/%d %v", o.Start, o.End, o.Demand, o.Capacity, ids))
	}
	return out
}

func (h *harness) addLesson(t testing.TB, body string) lessonAnswer {
	t.Helper()
	r := h.do(t, http.MethodPost, "/api/schedule/lessons/", body)
	if r.status != http.StatusCreated {
		t.Fatalf("create lesson %s: %d %s", body, r.status, r.body)
	}
	var a lessonAnswer
	r.json(t, &a)
	return a
}

// The forecast over the HTTP API: recurring lessons of both week types and
// lessons, a cancelled occurrence, an account disabled, and the answer's
// shape, against the embedded engine.
func TestCapacityForecast(t *testing.T) {
	h := newHarness(t, 1, 2)
	// 7 December 2026 is the Monday of an upper week; 09:00 in Berlin is 08:00 UTC.
	h.addRecurring(t, `"id":"every","title":"Every week"`)
	h.addRecurring(t, `"id":"upper","title":"Upper weeks","week_type":"upper","teacher_id":"t2"`)
	h.addRecurring(t, `"id":"lower","title":"Lower weeks","week_type":"lower","teacher_id":"t3"`)
	h.addLesson(t, `{"id":"L1","title":"Chemistry","teacher_id":"t4","group_id":"g4","start_time":"2026-12-07T09:00:00+01:00","end_time":"2026-12-07T10:00:00+01:00"}`)
	h.addLesson(t, `{"id":"L2","title":"Physics","teacher_id":"t5","group_id":"g5","start_time":"2026-12-07T09:00:00+01:00","end_time":"2026-12-07T10:00:00+01:00"}`)
	// Touches the others: it needs no slot of its own.
	h.addLesson(t, `{"id":"L3","title":"Art","teacher_id":"t6","group_id":"g6","start_time":"2026-12-07T10:00:00+01:00","end_time":"2026-12-07T11:00:00+01:00"}`)

	const week = "start=2026-12-07&end=2026-12-14&timeZone=Europe/Berlin"
	f := h.capacity(t, week)
	if f.Start != "2026-12-07T00:00:00+01:00" || f.End != "2026-12-14T00:00:00+01:00" || f.TimeZone != "Europe/Berlin" ||
		f.MarginMinutes != 0 || f.Capacity != 3 || f.Lessons != 5 || f.Peak.Demand != 4 || f.Peak.At == nil || *f.Peak.At != "2026-12-07T09:00:00+01:00" {
		t.Errorf("forecast %+v", f)
	}
	if want := []accountSlot{{"1", "Zoom Account 1", 1, ""}, {"2", "Zoom Account 2", 2, ""}}; !slices.Equal(f.Accounts.Enabled, want) || len(f.Accounts.Disabled) != 0 {
		t.Errorf("accounts %+v, want enabled %v and none disabled", f.Accounts, want)
	}
	want := []string{"2026-12-07T09:00:00+01:00-2026-12-07T09:45:00+01:00 4/3 [L1 L2 every@2026-12-07 upper@2026-12-07]"}
	if got := f.over(); !slices.Equal(got, want) {
		t.Fatalf("over capacity\n got %q\nwant %q", got, want)
	}
	o := f.Over[0]
	if l := o.Lessons[3]; o.Shortfall != 1 || l.Title != "Upper weeks" || l.TeacherID != "t2" || l.GroupID != "g1" ||
		l.Start != "2026-12-07T09:00:00+01:00" || l.End != "2026-12-07T09:45:00+01:00" || l.RecurringID != "upper" {
		t.Errorf("over-capacity interval %+v", o)
	}
	if l := o.Lessons[0]; l.Title != "Chemistry" || l.TeacherID != "t4" || l.RecurringID != "" {
		t.Errorf("lesson L1 in the interval: %+v", l)
	}
	if len(f.Days) != 7 || f.Days[0].Date != "2026-12-07" || f.Days[0].MaxDemand != 4 || f.Days[0].Shortfall != 1 ||
		f.Days[0].Capacity != 3 || *f.Days[0].At != "2026-12-07T09:00:00+01:00" || f.Days[1].MaxDemand != 0 || f.Days[1].At != nil ||
		f.Days[6].Date != "2026-12-13" {
		t.Errorf("days %+v", f.Days)
	}

	// Cancelling an occurrence frees its slot.
	if r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/every/cancelled-dates/", `{"date":"2026-12-07"}`); r.status != http.StatusOK {
		t.Fatalf("cancel an occurrence: %d %s", r.status, r.body)
	}
	if got := h.capacity(t, week).over(); len(got) != 0 {
		t.Errorf("after cancelling every@2026-12-07: over capacity %q", got)
	}

	// An account disabled mid-term: from then on the forecast has fewer slots.
	if r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/2/", `{"enabled":false}`); r.status != http.StatusOK {
		t.Fatalf("disable account 2: %d %s", r.status, r.body)
	}
	f = h.capacity(t, week)
	if want := []accountSlot{{"2", "Zoom Account 2", 2, ""}}; f.Capacity != 1 || !slices.Equal(f.Accounts.Disabled, want) {
		t.Errorf("after disabling account 2: capacity %d, disabled %v; want 1 and %v", f.Capacity, f.Accounts.Disabled, want)
	}
	want = []string{"2026-12-07T09:00:00+01:00-2026-12-07T10:00:00+01:00 3/1 [L1 L2 upper@2026-12-07]"}
	if got := f.over(); !slices.Equal(got, want) {
		t.Errorf("after disabling account 2: over capacity\n got %q\nwant %q", got, want)
	}

	// The next week is a lower week; in UTC.
	f = h.capacity(t, "start=2026-12-14T00:00:00Z&end=2026-12-21T00:00:00Z")
	want = []string{"2026-12-14T08:00:00Z-2026-12-14T08:45:00Z 2/1 [every@2026-12-14 lower@2026-12-14]"}
	if got := f.over(); f.Lessons != 2 || !slices.Equal(got, want) || f.Days[0].Date != "2026-12-14" || f.Start != "2026-12-14T00:00:00Z" {
		t.Errorf("the lower week: %d lessons, over capacity %q, want 2 and %q; %+v", f.Lessons, got, want, f)
	}
}

// The forecast is for admins; a teacher planning their own lessons still
// gets their warnings.
func TestCapacityIsForAdmins(t *testing.T) {
	h := newHarness(t, 1)
	teacher := h.asTeacher(t, "t1")
	if r := teacher.do(t, http.MethodGet, "/api/schedule/capacity/", nil); r.status != http.StatusForbidden || r.error(t).Error != "forbidden" ||
		!strings.Contains(r.error(t).Message, "the capacity forecast needs the admin role") {
		t.Errorf("a teacher asks for the forecast: %d %s, want 403 forbidden", r.status, r.body)
	}
	if r := h.asUser(t, "visitor").do(t, http.MethodGet, "/api/schedule/capacity/", nil); r.status != http.StatusForbidden {
		t.Errorf("a user without a role asks for the forecast: %d %s, want 403", r.status, r.body)
	}
	if r := h.anonymous().do(t, http.MethodGet, "/api/schedule/capacity/", nil); r.status != http.StatusUnauthorized {
		t.Errorf("nobody asks for the forecast: %d %s, want 401", r.status, r.body)
	}
	h.addLesson(t, `{"id":"A","title":"A","teacher_id":"t2","group_id":"g1","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`)
	r := teacher.do(t, http.MethodPost, "/api/schedule/lessons/",
		`{"id":"B","title":"B","teacher_id":"t1","group_id":"g1","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`)
	var b lessonAnswer
	r.json(t, &b)
	if want := []string{"Monday 2030-01-07 09:00-10:00 (UTC): 2 lessons, 1 Zoom slot"}; r.status != http.StatusCreated || !slices.Equal(messagesOf(b.Warnings), want) {
		t.Errorf("a teacher creates a lesson at a full time: %d %s, want warnings %q", r.status, r.body, want)
	}
}

func TestCapacityDefaultsAndBadQueries(t *testing.T) {
	h := newHarness(t, 1)
	f := h.capacity(t, "timeZone=America/New_York")
	loc, _ := time.LoadLocation("America/New_York")
	today := time.Now().In(loc).Format(time.DateOnly)
	if len(f.Days) < 14 || len(f.Days) > 15 || f.Days[0].Date != today || !strings.HasPrefix(f.Start, today+"T00:00:00-0") {
		t.Errorf("without a range: from %s, %d days starting %s; want 14 days from today (%s) in New York", f.Start, len(f.Days), f.Days[0].Date, today)
	}
	for _, tc := range []struct{ query, mention string }{
		{"start=2026-01-01&end=2027-06-01", "366 days"},
		{"start=2026-12-08&end=2026-12-01", "must be after start"},
		{"start=tomorrow", "start must be an RFC 3339 date-time"},
		{"start=2026-12-01&timeZone=Mars/Olympus", `timeZone "Mars/Olympus" is not an IANA time zone`},
		{"teacher_id=t1", "leave out teacher_id and group_id"},
	} {
		r := h.do(t, http.MethodGet, "/api/schedule/capacity/?"+tc.query, nil)
		if e := r.error(t); r.status != http.StatusBadRequest || e.Error != "invalid_request" || !strings.Contains(e.Message, tc.mention) {
			t.Errorf("%s: %d %s, want 400 mentioning %q", tc.query, r.status, r.body, tc.mention)
		}
	}
}

// lessonAnswer is what POST and PATCH of a lesson answer: the record and its warnings.
type lessonAnswer struct {
	ID        string        `json:"id"`
	Title     string        `json:"title"`
	StartTime string        `json:"start_time"`
	Status    string        `json:"status"`
	Warnings  []warningJSON `json:"warnings"`
}

// recurringAnswer is what POST and PATCH of a recurring lesson answer.
type recurringAnswer struct {
	recurringJSON
	Warnings []warningJSON `json:"warnings"`
}

type warningJSON struct {
	Code      string   `json:"code"`
	Message   string   `json:"message"`
	Demand    int      `json:"demand"`
	Capacity  int      `json:"capacity"`
	Shortfall int      `json:"shortfall"`
	Weekday   int      `json:"weekday"`
	StartTime string   `json:"start_time"`
	EndTime   string   `json:"end_time"`
	TimeZone  string   `json:"time_zone"`
	WeekType  string   `json:"week_type"`
	Dates     []string `json:"dates"`
	Moments   []struct {
		Start   string   `json:"start"`
		End     string   `json:"end"`
		Demand  int      `json:"demand"`
		Lessons []string `json:"lessons"`
	} `json:"moments"`
}

func messagesOf(ws []warningJSON) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.Message)
	}
	return out
}

// Creating or changing a lesson or a recurring lesson answers the record and
// the moments when it would find no free account; the write stands.
func TestWarningsWhereSchedulesAreMade(t *testing.T) {
	h := newHarness(t, 1)
	h.app.Now = func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }

	a := h.addLesson(t, `{"id":"A","title":"A","teacher_id":"t1","group_id":"g1","start_time":"2026-12-08T09:00:00Z","end_time":"2026-12-08T10:00:00Z"}`)
	if a.Warnings == nil || len(a.Warnings) != 0 || a.ID != "A" || a.Status != "scheduled" {
		t.Errorf("a lesson the pool can serve: %+v, want no warnings", a)
	}
	b := h.addLesson(t, `{"id":"B","title":"B","teacher_id":"t2","group_id":"g2","start_time":"2026-12-08T09:30:00Z","end_time":"2026-12-08T10:30:00Z"}`)
	if got, want := messagesOf(b.Warnings), []string{"Tuesday 2026-12-08 09:30-10:00 (UTC): 2 lessons, 1 Zoom slot"}; !slices.Equal(got, want) {
		t.Fatalf("warnings of B\n got %q\nwant %q", got, want)
	}
	w := b.Warnings[0]
	if w.Code != "over_capacity" || w.Demand != 2 || w.Capacity != 1 || w.Shortfall != 1 || w.Weekday != 2 || w.StartTime != "09:30" ||
		w.EndTime != "10:00" || w.TimeZone != "UTC" || w.WeekType != "" || !slices.Equal(w.Dates, []string{"2026-12-08"}) ||
		len(w.Moments) != 1 || w.Moments[0].Start != "2026-12-08T09:30:00Z" || !slices.Equal(w.Moments[0].Lessons, []string{"A", "B"}) {
		t.Errorf("structured warning %+v", w)
	}
	if r := h.do(t, http.MethodGet, "/api/schedule/lessons/B/", nil); r.status != http.StatusOK {
		t.Errorf("B after a warning: %d %s, want it saved", r.status, r.body)
	}

	var patched lessonAnswer
	r := h.do(t, http.MethodPatch, "/api/schedule/lessons/B/", `{"start_time":"2026-12-08T10:00:00Z","end_time":"2026-12-08T11:00:00Z"}`)
	r.json(t, &patched)
	if r.status != http.StatusOK || patched.StartTime != "2026-12-08T10:00:00Z" || patched.Warnings == nil || len(patched.Warnings) != 0 {
		t.Errorf("B moved to touch A: %d %s, want no warnings", r.status, r.body)
	}

	// Tuesdays 10:30 in Berlin are 09:30 UTC in winter. Upper weeks from 1
	// December: 8 and 22 December, 5 and 19 January.
	body := `{"id":"alg","title":"Algebra","teacher_id":"t3","group_id":"g3","weekday":2,"start_time":"10:30","duration_minutes":60,
		"timezone":"Europe/Berlin","week_type":"upper","valid_from":"2026-12-01","valid_until":"2027-01-31"}`
	var alg recurringAnswer
	r = h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/", body)
	r.json(t, &alg)
	want := []string{"Tuesdays 10:30-11:30 (Europe/Berlin) in upper weeks: 2 lessons, 1 Zoom slot, on 2026-12-08"}
	if r.status != http.StatusCreated || alg.ID != "alg" || alg.WeekType != "upper" || !slices.Equal(messagesOf(alg.Warnings), want) {
		t.Fatalf("create alg: %d %s\nwant warnings %q", r.status, r.body, want)
	}
	if w := alg.Warnings[0]; w.WeekType != "upper" || w.TimeZone != "Europe/Berlin" || w.Weekday != 2 ||
		len(w.Moments) != 1 || w.Moments[0].Start != "2026-12-08T10:30:00+01:00" || w.Moments[0].End != "2026-12-08T11:30:00+01:00" ||
		!slices.Equal(w.Moments[0].Lessons, []string{"A", "alg@2026-12-08", "B"}) {
		t.Errorf("structured warning %+v", w)
	}

	r = h.do(t, http.MethodPatch, "/api/schedule/recurring-lessons/alg/", `{"week_type":"lower"}`)
	r.json(t, &alg)
	if r.status != http.StatusOK || alg.WeekType != "lower" || alg.Warnings == nil || len(alg.Warnings) != 0 {
		t.Errorf("alg in lower weeks: %d %s, want no warnings", r.status, r.body)
	}

	// What is over before now warns of nothing.
	h.addLesson(t, `{"id":"P1","title":"P","teacher_id":"t1","group_id":"g1","start_time":"2026-11-10T09:00:00Z","end_time":"2026-11-10T10:00:00Z"}`)
	if p := h.addLesson(t, `{"id":"P2","title":"P","teacher_id":"t2","group_id":"g2","start_time":"2026-11-10T09:00:00Z","end_time":"2026-11-10T10:00:00Z"}`); len(p.Warnings) != 0 {
		t.Errorf("a lesson in the past: warnings %q", messagesOf(p.Warnings))
	}
}

// The reads behind the warnings of a write are bounded: a lesson's cost a
// query of the pool, of its month's lessons and of the recurring lessons; a
// recurring lesson's, one query of lessons per month of its validity from now
// (at most a year) instead. Neither grows with lessons elsewhere in the table.
func TestWarningReadsAreBounded(t *testing.T) {
	h := newHarness(t, 1)
	ctx := context.Background()
	counter := &countingTransport{}
	counted := h.through(t, counter, func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) })
	post := func(path, body string) map[string]int {
		t.Helper()
		counter.mu.Lock()
		counter.ops, counter.items = map[string]int{}, 0
		counter.mu.Unlock()
		r := counted.do(t, http.MethodPost, path, body)
		if r.status != http.StatusCreated || !bytes.Contains(r.body, []byte(`"warnings":[`)) {
			t.Fatalf("POST %s: %d %s", path, r.status, r.body)
		}
		counter.mu.Lock()
		defer counter.mu.Unlock()
		return maps.Clone(counter.ops)
	}
	lesson := func(id string) string {
		return `{"id":"` + id + `","title":"x","teacher_id":"t1","group_id":"g1","start_time":"2026-12-08T09:00:00Z","end_time":"2026-12-08T10:00:00Z"}`
	}
	series := func(id string) string {
		return `{"id":"` + id + `","title":"x","teacher_id":"t1","group_id":"g1","weekday":2,"start_time":"10:30","duration_minutes":60,
			"timezone":"Europe/Berlin","valid_from":"2026-12-01","valid_until":"2027-03-31"}`
	}
	oneOff, recurring := post("/api/schedule/lessons/", lesson("first")), post("/api/schedule/recurring-lessons/", series("first"))
	for i := range 100 {
		if _, err := h.env.Store.PutLesson(ctx, pool.Lesson{ID: fmt.Sprintf("elsewhere-%d", i), Title: "x", TeacherID: "t1", GroupID: "g1",
			Start: time.Date(2027, time.Month(6+i%6), 1+i%28, 9, 0, 0, 0, time.UTC), End: time.Date(2027, time.Month(6+i%6), 1+i%28, 10, 0, 0, 0, time.UTC),
			Status: pool.StatusScheduled}); err != nil {
			t.Fatal(err)
		}
	}
	oneOffAfter, recurringAfter := post("/api/schedule/lessons/", lesson("second")), post("/api/schedule/recurring-lessons/", series("second"))
	t.Logf("a lesson and its warnings: %v; a recurring lesson valid 4 months and its warnings: %v", oneOff, recurring)
	if want := map[string]int{"PutItem": 1, "Query": 3}; !maps.Equal(oneOff, want) || !maps.Equal(oneOffAfter, want) {
		t.Errorf("a lesson: %v, then %v; want %v", oneOff, oneOffAfter, want)
	}
	// The pool, the recurring lessons, and the lessons of November (a lesson
	// may start 12 hours before the range) to April (the last occurrence may
	// run past midnight of 31 March).
	if want := map[string]int{"PutItem": 1, "Query": 2 + 6}; !maps.Equal(recurring, want) || !maps.Equal(recurringAfter, want) {
		t.Errorf("a recurring lesson: %v, then %v; want %v", recurring, recurringAfter, want)
	}
}

// through returns h served by a second app on the same table, whose DynamoDB
// client sends its requests through rt and retries faults quickly, with the
// clock now (time.Now when nil), behind the same gateway and sign-in.
func (h *harness) through(t testing.TB, rt http.RoundTripper, now func() time.Time) *harness {
	t.Helper()
	ctx := context.Background()
	client, err := localstack.NewClient(ctx, h.env.Engine.Endpoint, func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: rt}
		o.DisableValidateResponseChecksum = true // rt may read the body
		o.Retryer = retry.AddWithMaxBackoffDelay(retry.NewStandard(), 5*time.Millisecond)
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(ctx, h.app.Settings, client, h.zoom, h.app.Log)
	if err != nil {
		t.Fatal(err)
	}
	a.Now = now
	patient(a)
	gw, err := localstack.NewGateway(a.HTTPFunctions(), localstack.GatewayOptions{Verifier: h.idp.Verifier})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	c := *h
	c.app, c.srv = a, srv
	return &c
}

// failingQueries fails every DynamoDB Query while on, as throttling that
// outlasts the client's retries would.
type failingQueries struct{ on atomic.Bool }

func (f *failingQueries) RoundTrip(r *http.Request) (*http.Response, error) {
	if f.on.Load() && strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".Query") {
		body := `{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}`
		return &http.Response{StatusCode: http.StatusInternalServerError, Status: "500 Internal Server Error", Request: r,
			Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(body))}, nil
	}
	return http.DefaultTransport.RoundTrip(r)
}

// When the warnings cannot be computed, the write stands and its answer says
// the check was not made.
func TestWriteStandsWhenItsCapacityCheckFails(t *testing.T) {
	h := newHarness(t, 1)
	faults := &failingQueries{}
	failing := h.through(t, faults, nil)
	faults.on.Store(true)
	r := failing.do(t, http.MethodPost, "/api/schedule/lessons/",
		`{"id":"L","title":"x","teacher_id":"t1","group_id":"g1","start_time":"2027-01-12T09:00:00Z","end_time":"2027-01-12T10:00:00Z"}`)
	if r.status != http.StatusCreated || !bytes.Contains(r.body, []byte(`"warnings":[{"code":"capacity_unchecked","message":"the lesson was saved, but whether the Zoom accounts suffice for it could not be checked`)) {
		t.Errorf("create while queries fail: %d %s, want 201 with a capacity_unchecked warning", r.status, r.body)
	}
	if l, err := h.env.Store.Lesson(context.Background(), "L"); err != nil || l.Title != "x" {
		t.Errorf("lesson L after the failed check: %+v %v, want it saved", l, err)
	}
}
