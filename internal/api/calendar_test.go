package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

// event is a FullCalendar event as the calendar feed answers it.
type event struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Start         string `json:"start"`
	End           string `json:"end"`
	ExtendedProps struct {
		Kind           string `json:"kind"`
		LessonID       string `json:"lesson_id"`
		RecurringID    string `json:"recurring_id"`
		OccurrenceDate string `json:"occurrence_date"`
		TeacherID      string `json:"teacher_id"`
		GroupID        string `json:"group_id"`
		WeekType       string `json:"week_type"`
		Week           string `json:"week"`
		Status         string `json:"status"`
		JoinURL        string `json:"join_url"`
	} `json:"extendedProps"`
}

func (h *harness) calendar(t testing.TB, query string) []event {
	t.Helper()
	r := h.do(t, http.MethodGet, "/api/schedule/calendar/?"+query, nil)
	if r.status != http.StatusOK {
		t.Fatalf("calendar %s: %d %s", query, r.status, r.body)
	}
	var events []event
	r.json(t, &events)
	return events
}

func summary(events []event) []string {
	out := make([]string, len(events))
	for i, e := range events {
		out[i] = fmt.Sprintf("%s %s %s %s", e.ID, e.ExtendedProps.Kind, e.Start, e.ExtendedProps.Status)
	}
	return out
}

func TestCalendarFeed(t *testing.T) {
	h := newHarness(t)
	h.addRecurring(t, `"id":"up","week_type":"upper","cancelled_dates":["2026-09-28"]`)
	h.addRecurring(t, `"id":"ny","teacher_id":"t2","group_id":"g2","weekday":2,"start_time":"16:30","timezone":"America/New_York"`)
	h.env.AddLesson(t, "L1", time.Date(2026, 9, 16, 12, 0, 0, 0, time.UTC), time.Date(2026, 9, 16, 13, 0, 0, 0, time.UTC))

	events := h.calendar(t, "start=2026-09-14&end=2026-10-05&timeZone=Europe/Berlin")
	want := []string{
		"up@2026-09-14 occurrence 2026-09-14T09:00:00+02:00 scheduled",
		"L1 lesson 2026-09-16T14:00:00+02:00 scheduled",
		"ny@2026-09-15 occurrence 2026-09-15T22:30:00+02:00 scheduled",
		"ny@2026-09-22 occurrence 2026-09-22T22:30:00+02:00 scheduled",
		"ny@2026-09-29 occurrence 2026-09-29T22:30:00+02:00 scheduled",
	}
	slices.Sort(want) // compared by start below
	got := summary(events)
	if len(got) != len(want) {
		t.Fatalf("events\n got %v\nwant (in start order) %v", got, want)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Start < events[i-1].Start {
			t.Errorf("events are not sorted by start: %v", got)
		}
	}
	sorted := slices.Sorted(slices.Values(got))
	if !slices.Equal(sorted, want) {
		t.Errorf("events\n got %v\nwant %v", sorted, want)
	}
	up := events[0].ExtendedProps
	if up.RecurringID != "up" || up.OccurrenceDate != "2026-09-14" || up.WeekType != "upper" || up.Week != "upper" ||
		up.TeacherID != "t1" || up.GroupID != "g1" || up.LessonID != "" || events[0].End != "2026-09-14T09:45:00+02:00" {
		t.Errorf("occurrence event %+v", events[0])
	}

	for _, tc := range []struct {
		query string
		want  int
	}{
		{"start=2026-09-14&end=2026-10-05&teacher_id=t2", 3},
		{"start=2026-09-14&end=2026-10-05&group_id=g1", 1},
		{"start=2026-09-14&end=2026-10-05&teacher_id=teacher-1", 1},
		{"start=2026-09-14T00:00:00Z&end=2026-09-15T00:00:00Z", 1},
		{"start=2026-09-15T00:00:00&end=2026-09-16T00:00:00&timeZone=America/New_York", 1}, // as FullCalendar sends a named zone
	} {
		if got := h.calendar(t, tc.query); len(got) != tc.want {
			t.Errorf("%s: %d events %v, want %d", tc.query, len(got), summary(got), tc.want)
		}
	}
}

func TestCalendarRejectsBadQueries(t *testing.T) {
	h := newHarness(t)
	// The iCalendar feed takes the same range through its signed link.
	for _, path := range []string{"/api/schedule/calendar/?", h.feedPath(t, "") + "&"} {
		for _, tc := range []struct{ query, mention string }{
			{"start=2026-01-01&end=2027-06-01", "366 days"},
			{"start=2026-09-14&end=2026-09-14", "must be after start"},
			{"start=2026-09-14&end=2026-09-01", "must be after start"},
			{"start=monday&end=2026-09-21", "start must be an RFC 3339 date-time"},
			{"start=2026-09-14&end=2026-13-01", "end must be"},
			{"start=2026-09-14&end=2026-09-21&timeZone=Mars/Base", `timeZone "Mars/Base"`},
			{"start=2026-09-14&end=2026-09-21&teacher_id=a%20b", "teacher_id must be"},
		} {
			if strings.Contains(path, ".ics") && strings.Contains(tc.query, "teacher_id") {
				tc.mention = "a calendar link names its own filters"
			}
			t.Run(path+tc.query, func(t *testing.T) {
				r := h.do(t, http.MethodGet, path+tc.query, nil)
				if e := r.error(t); r.status != http.StatusBadRequest || !strings.Contains(e.Message, tc.mention) {
					t.Errorf("got %d %q, want 400 mentioning %q", r.status, e.Message, tc.mention)
				}
			})
		}
	}
}

// The id of a calendar occurrence, fed to the start route by two clicks at
// once, creates one lesson and one meeting; afterwards the calendar shows the
// lesson, live, in the occurrence's place.
func TestStartingACalendarOccurrence(t *testing.T) {
	h := newHarness(t, 1, 1)
	h.zoom.Delay = 30 * time.Millisecond
	now := time.Date(2026, 12, 7, 8, 10, 0, 0, time.UTC) // 09:10 in Berlin, a Monday of an upper week
	h.app.Service.Now = func() time.Time { return now }
	h.addRecurring(t, `"id":"phys","week_type":"upper"`)
	const week = "start=2026-12-07&end=2026-12-14&timeZone=Europe/Berlin"

	before := h.calendar(t, week)
	if len(before) != 1 || before[0].ExtendedProps.Kind != "occurrence" {
		t.Fatalf("calendar before the start: %v", summary(before))
	}
	id := before[0].ID

	var wg sync.WaitGroup
	results := make([]started, 2)
	statuses := make([]int, 2)
	for i := range results {
		wg.Go(func() {
			r, s := h.start(t, id)
			statuses[i], results[i] = r.status, s
		})
	}
	wg.Wait()
	for i, s := range results {
		if statuses[i] != http.StatusOK || s.LessonID != id || s.MeetingData != results[0].MeetingData {
			t.Errorf("start %d of %s: %d %+v, want 200 with lesson %s and one meeting", i, id, statuses[i], s, id)
		}
	}
	if got := h.zoom.Created(); got != 1 {
		t.Errorf("Zoom meetings created: %d, want 1", got)
	}
	var lessons []map[string]any
	h.do(t, http.MethodGet, "/api/schedule/lessons/?start=2026-12-07&end=2026-12-08", nil).json(t, &lessons)
	if len(lessons) != 1 || lessons[0]["id"] != id || lessons[0]["status"] != "live" ||
		lessons[0]["recurring_id"] != "phys" || lessons[0]["occurrence_date"] != "2026-12-07" || lessons[0]["start_time"] != "2026-12-07T08:00:00Z" {
		t.Errorf("lessons after the start: %v, want one live lesson %s", lessons, id)
	}
	pooltest.CheckInvariants(t, h.env.Store, id)

	after := h.calendar(t, week)
	if len(after) != 1 {
		t.Fatalf("calendar after the start: %v, want the lesson once", summary(after))
	}
	e := after[0]
	if e.ID != id || e.ExtendedProps.Kind != "lesson" || e.ExtendedProps.Status != "live" || e.ExtendedProps.LessonID != id ||
		e.ExtendedProps.JoinURL != results[0].MeetingData.JoinURL || e.Start != before[0].Start || e.ExtendedProps.WeekType != "upper" {
		t.Errorf("calendar after the start: %+v", e)
	}
	var series recurringJSON
	h.do(t, http.MethodGet, "/api/schedule/recurring-lessons/phys/", nil).json(t, &series)
	if !slices.Equal(series.MaterializedDates, []string{"2026-12-07"}) {
		t.Errorf("series records materialised dates %v, want [2026-12-07]", series.MaterializedDates)
	}
	// Cancelling the started occurrence is refused: the lesson is cancelled instead.
	if r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/phys/cancelled-dates/", `{"date":"2026-12-07"}`); r.status != http.StatusConflict || r.error(t).Error != "occurrence_started" {
		t.Errorf("cancelling a started occurrence: %d %s, want 409 occurrence_started", r.status, r.body)
	}
	// Moved out of the week, the lesson leaves no twin behind.
	if r := h.do(t, http.MethodPatch, "/api/schedule/lessons/"+id+"/", `{"start_time":"2026-12-15T08:00:00Z","end_time":"2026-12-15T08:45:00Z"}`); r.status != http.StatusOK {
		t.Fatalf("move the lesson: %d %s", r.status, r.body)
	}
	if moved := h.calendar(t, week); len(moved) != 0 {
		t.Errorf("calendar after moving the lesson out: %v, want nothing", summary(moved))
	}
	pooltest.CheckInvariants(t, h.env.Store, id)
}

func TestStartRefusesWhatIsNoOccurrence(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Date(2026, 12, 7, 8, 10, 0, 0, time.UTC)
	h.app.Service.Now = func() time.Time { return now }
	h.addRecurring(t, `"id":"phys","week_type":"upper","cancelled_dates":["2026-12-21"]`)
	for _, tc := range []struct {
		id, code, mention string
		status            int
	}{
		{"phys@2026-12-14", "lesson_not_found", "lower week", 404},
		{"phys@2026-12-08", "lesson_not_found", "is a Tuesday", 404},
		{"phys@2026-08-31", "lesson_not_found", "runs from 2026-09-01", 404},
		{"phys@2026-12-21", "lesson_not_startable", "cancelled", 409},
		{"phys@2026-11-23", "lesson_not_startable", "scheduled to end", 409},
		{"nope@2026-11-30", "lesson_not_found", `no recurring lesson "nope"`, 404},
		{"phys@2026-11-31", "lesson_not_found", "phys@2026-11-31", 404},
		{"phys@30.11.2026", "lesson_not_found", "phys@30.11.2026", 404},
	} {
		t.Run(tc.id, func(t *testing.T) {
			r, _ := h.start(t, tc.id)
			if e := r.error(t); r.status != tc.status || e.Error != tc.code || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("start %s: %d %s %q, want %d %s mentioning %q", tc.id, r.status, e.Error, e.Message, tc.status, tc.code, tc.mention)
			}
			if _, err := h.env.Store.Lesson(context.Background(), tc.id); pool.ErrorKind(err) != pool.KindNotFound {
				t.Errorf("a refused start left lesson %s behind (%v)", tc.id, err)
			}
		})
	}
	if got := h.zoom.Created(); got != 0 {
		t.Errorf("Zoom meetings created: %d, want 0", got)
	}
}

func TestCalendarICS(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Date(2026, 12, 7, 8, 10, 0, 0, time.UTC)
	h.app.Service.Now = func() time.Time { return now }
	h.addRecurring(t, `"id":"phys","week_type":"upper","cancelled_dates":["2026-12-21"]`)
	h.addRecurring(t, `"id":"art","teacher_id":"t2","weekday":5,"start_time":"13:15","timezone":"America/New_York","valid_until":"2026-12-18"`)
	h.env.AddLesson(t, "L1", time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 13, 0, 0, 0, time.UTC))
	if r, _ := h.start(t, "phys@2026-12-07"); r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	const query = "start=2026-11-23&end=2027-01-05"

	r := h.do(t, http.MethodGet, h.feedPath(t, "")+"&"+query, nil)
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/calendar; charset=utf-8" {
		t.Fatalf("calendar.ics: %d %v\n%s", r.status, r.header, r.body)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
	}
	uids := map[string]*ics.VEvent{}
	for _, e := range cal.Events() {
		uids[e.Id()] = e
	}
	// Each lesson in the JSON calendar is a VEVENT; each series with
	// occurrences is one VEVENT that recurs.
	for _, e := range h.calendar(t, query) {
		uid := "lesson-" + e.ID + "@zoom-pool"
		if e.ExtendedProps.Kind == "occurrence" {
			uid = "recurring-" + e.ExtendedProps.RecurringID + "@zoom-pool"
		}
		ev := uids[uid]
		if ev == nil {
			t.Errorf("event %s has no VEVENT %s in the feed", e.ID, uid)
			continue
		}
		if got := ev.GetProperty(ics.ComponentPropertySummary).Value; got != e.Title {
			t.Errorf("VEVENT %s is titled %q, the event %q", uid, got, e.Title)
		}
		if e.ExtendedProps.Kind == "lesson" {
			start, err := ev.GetStartAt()
			if want, _ := time.Parse(time.RFC3339, e.Start); err != nil || !start.Equal(want) {
				t.Errorf("VEVENT %s starts %s (%v), the event %s", uid, start, err, e.Start)
			}
		}
	}
	if len(uids) != 4 {
		t.Errorf("the feed has %d VEVENTs %v, want phys, art, L1 and the started occurrence", len(uids), slices.Collect(func(yield func(string) bool) {
			for k := range uids {
				if !yield(k) {
					return
				}
			}
		}))
	}
	phys := uids["recurring-phys@zoom-pool"]
	var exdates []string
	for _, p := range phys.GetProperties(ics.ComponentPropertyExdate) {
		exdates = append(exdates, p.Value)
	}
	if !slices.Equal(exdates, []string{"20261207T090000", "20261221T090000"}) {
		t.Errorf("phys is excluded on %v, want the started 7 December and the cancelled 21 December", exdates)
	}
	if rr := phys.GetProperty(ics.ComponentPropertyRrule).Value; !strings.Contains(rr, "INTERVAL=2") {
		t.Errorf("phys recurs %s, want every two weeks", rr)
	}

	// Subscribing clients send no range: the feed covers the coming year.
	r = h.anonymous().do(t, http.MethodGet, h.feedPath(t, "teacher_id=t1"), nil)
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte("X-WR-CALNAME:Zoom Pool\\, teacher t1")) {
		t.Errorf("calendar.ics without a range: %d\n%s", r.status, r.body)
	}
}

// countingTransport counts the DynamoDB requests of a client by operation,
// and the items its Queries return.
type countingTransport struct {
	mu    sync.Mutex
	ops   map[string]int
	items int
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return res, err
	}
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	var out struct{ Count int }
	if op == "Query" {
		_ = json.Unmarshal(body, &out)
	}
	c.mu.Lock()
	c.ops[op]++
	c.items += out.Count
	c.mu.Unlock()
	return res, nil
}

// The calendar's storage reads grow with the range and what it returns, not
// with the table: lessons in other months, series that have ended, and other
// teachers' lessons are never read.
func TestCalendarReadsDoNotGrowWithTheTable(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	counter := &countingTransport{}
	srv := h.through(t, counter, nil).srv
	type reads struct {
		ops   map[string]int
		items int
		body  string
	}
	measure := func(query string) reads {
		t.Helper()
		counter.mu.Lock()
		counter.ops, counter.items = map[string]int{}, 0
		counter.mu.Unlock()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/schedule/calendar/?start=2026-12-07&end=2026-12-14"+query, nil)
		req.Header.Set("Authorization", "Bearer "+h.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("calendar: %d %s", res.StatusCode, body)
		}
		return reads{counter.ops, counter.items, string(body)}
	}
	addLesson := func(id, teacher string, start time.Time) {
		if _, err := h.env.Store.PutLesson(ctx, pool.Lesson{ID: id, Title: id, TeacherID: teacher, GroupID: "g1",
			Start: start, End: start.Add(45 * time.Minute), Status: pool.StatusScheduled}); err != nil {
			t.Fatal(err)
		}
	}
	day := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	addLesson("in-range", "t1", day)
	h.addRecurring(t, `"id":"current","teacher_id":"t1","valid_until":"2027-06-30"`)
	before, beforeT1 := measure(""), measure("&teacher_id=t1")

	for i := range 150 {
		addLesson(fmt.Sprintf("earlier-%d", i), []string{"t1", "t2"}[i%2], day.AddDate(0, -1-i%3, 0))
		addLesson(fmt.Sprintf("later-%d", i), []string{"t1", "t2"}[i%2], day.AddDate(0, 1+i%3, 0).Add(time.Duration(i)*time.Hour))
	}
	for i := range 40 {
		h.addRecurring(t, fmt.Sprintf(`"id":"ended-%d","teacher_id":"t1","valid_from":"2025-09-01","valid_until":"2026-06-30"`, i))
	}
	for i := range 20 { // another teacher's, in the range
		addLesson(fmt.Sprintf("t9-%d", i), "t9", day.Add(time.Duration(i)*time.Hour))
	}
	after, afterT1 := measure(""), measure("&teacher_id=t1")

	t.Logf("one week, all teachers: %v requests, %d items read, then %v and %d", before.ops, before.items, after.ops, after.items)
	t.Logf("one week, teacher t1:   %v requests, %d items read, then %v and %d", beforeT1.ops, beforeT1.items, afterT1.ops, afterT1.items)
	if !maps.Equal(after.ops, before.ops) || after.items != before.items+20 {
		t.Errorf("all teachers: %v requests reading %d items, then %v reading %d; want the same requests and only t9's 20 lessons more",
			before.ops, before.items, after.ops, after.items)
	}
	if !maps.Equal(afterT1.ops, beforeT1.ops) || afterT1.items != beforeT1.items || afterT1.body != beforeT1.body {
		t.Errorf("teacher t1: %v requests reading %d items, then %v reading %d; want no change", beforeT1.ops, beforeT1.items, afterT1.ops, afterT1.items)
	}
	if n := before.ops["Scan"] + after.ops["Scan"]; n != 0 {
		t.Errorf("the calendar scanned the table %d times", n)
	}
}
