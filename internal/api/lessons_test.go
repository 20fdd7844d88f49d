package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"zoompool/internal/pooltest"
)

func TestLessonsLifecycle(t *testing.T) {
	h := newHarness(t, 1)

	r := h.do(t, "POST", "/api/schedule/lessons/", `{"title":"Algebra","teacher_id":7,"group_id":"9b","start_time":"2026-12-01T09:00:00+01:00","end_time":"2026-12-01T10:30:00+01:00","topics":"Linear equations"}`)
	var l map[string]any
	r.json(t, &l)
	if r.status != http.StatusCreated || l["status"] != "scheduled" || l["teacher_id"] != "7" ||
		l["start_time"] != "2026-12-01T08:00:00Z" || l["end_time"] != "2026-12-01T09:30:00Z" || l["zoom_meeting_id"] != nil {
		t.Fatalf("create: %d %v", r.status, l)
	}
	id := l["id"].(string)

	r = h.do(t, "PATCH", "/api/schedule/lessons/"+id+"/", `{"title":"Algebra II","end_time":"2026-12-01T09:45:00Z"}`)
	r.json(t, &l)
	if r.status != http.StatusOK || l["title"] != "Algebra II" || l["end_time"] != "2026-12-01T09:45:00Z" || l["topics"] != "Linear equations" {
		t.Errorf("patch: %d %v", r.status, l)
	}

	var list []map[string]any
	h.do(t, "GET", "/api/schedule/lessons/?start=2026-12-01&end=2026-12-02&teacher_id=7", nil).json(t, &list)
	if len(list) != 1 || list[0]["id"] != id {
		t.Errorf("list of teacher 7 on 2026-12-01: %v, want lesson %s", list, id)
	}
	h.do(t, "GET", "/api/schedule/lessons/?start=2026-12-02&end=2026-12-03", nil).json(t, &list)
	if len(list) != 0 {
		t.Errorf("list of 2026-12-02: %v, want none", list)
	}

	r = h.do(t, "DELETE", "/api/schedule/lessons/"+id+"/", nil)
	r.json(t, &l)
	if r.status != http.StatusOK || l["status"] != "cancelled" {
		t.Errorf("cancel: %d %v", r.status, l)
	}
	if r := h.do(t, "PATCH", "/api/schedule/lessons/"+id+"/", `{"title":"x"}`); r.status != http.StatusConflict {
		t.Errorf("patch of a cancelled lesson: %d %s, want 409", r.status, r.body)
	}
}

func TestLiveLessonKeepsItsHoldInStep(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}

	if r := h.do(t, "DELETE", "/api/schedule/lessons/"+ids[0]+"/", nil); r.status != http.StatusConflict || r.error(t).Error != "lesson_live" {
		t.Errorf("cancel of a live lesson: %d %s, want 409 lesson_live", r.status, r.body)
	}
	newEnd := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	if r := h.do(t, "PATCH", "/api/schedule/lessons/"+ids[0]+"/", `{"end_time":"`+newEnd+`"}`); r.status != http.StatusOK {
		t.Fatalf("extend a live lesson: %d %s", r.status, r.body)
	}
	var a map[string]any
	h.do(t, "GET", "/api/schedule/zoom-accounts/1/", nil).json(t, &a)
	cur := a["current_lessons"].([]any)[0].(map[string]any)
	if cur["expected_end"] != newEnd {
		t.Errorf("the account expects the lesson to end at %v, want the new end %s", cur["expected_end"], newEnd)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestLessonEditsRaceWithStarts(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 10 {
			end := time.Now().Add(time.Duration(60+i) * time.Minute).UTC().Format(time.RFC3339)
			if r := h.do(t, "PATCH", "/api/schedule/lessons/"+ids[0]+"/", `{"end_time":"`+end+`"}`); r.status != http.StatusOK {
				t.Errorf("patch %d: %d %s", i, r.status, r.body)
			}
		}
	}()
	if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
		t.Errorf("start: %d %s", r.status, r.body)
	}
	<-done
	l, _ := h.env.Store.Lesson(context.Background(), ids[0])
	a, _ := h.env.Store.Account(context.Background(), "1")
	if len(a.Holds) != 1 || !a.Holds[0].LessonEnd.Equal(l.End) {
		t.Errorf("hold expects end %v, lesson ends %s", a.Holds, l.End)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestLessonsRejectBadInput(t *testing.T) {
	h := newHarness(t)
	h.env.AddLessons(t, 1)
	valid := `"title":"T","teacher_id":"t","group_id":"g"`
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		mention                  string
	}{
		{"malformed JSON", "POST", "/api/schedule/lessons/", `{"title":`, 400, "JSON"},
		{"missing title", "POST", "/api/schedule/lessons/", `{"teacher_id":"t","group_id":"g","start_time":"2026-12-01T09:00:00Z","end_time":"2026-12-01T10:00:00Z"}`, 400, "title"},
		{"missing times", "POST", "/api/schedule/lessons/", `{` + valid + `}`, 400, "start_time"},
		{"end before start", "POST", "/api/schedule/lessons/", `{` + valid + `,"start_time":"2026-12-01T10:00:00Z","end_time":"2026-12-01T09:00:00Z"}`, 400, "after start_time"},
		{"equal times", "POST", "/api/schedule/lessons/", `{` + valid + `,"start_time":"2026-12-01T10:00:00Z","end_time":"2026-12-01T10:00:00Z"}`, 400, "after start_time"},
		{"too long", "POST", "/api/schedule/lessons/", `{` + valid + `,"start_time":"2026-12-01T08:00:00Z","end_time":"2026-12-01T21:00:00Z"}`, 400, "12 hours"},
		{"time without zone", "POST", "/api/schedule/lessons/", `{` + valid + `,"start_time":"2026-12-01T09:00:00","end_time":"2026-12-01T10:00:00Z"}`, 400, "start_time"},
		{"time as number", "POST", "/api/schedule/lessons/", `{` + valid + `,"start_time":1764579600,"end_time":"2026-12-01T10:00:00Z"}`, 400, "start_time"},
		{"teacher as object", "POST", "/api/schedule/lessons/", `{"title":"T","teacher_id":{},"group_id":"g"}`, 400, "teacher_id"},
		{"title as list", "PATCH", "/api/schedule/lessons/L1/", `{"title":["a"]}`, 400, "title"},
		{"patch end before start", "PATCH", "/api/schedule/lessons/L1/", `{"end_time":"2000-01-01T00:00:00Z"}`, 400, "after start_time"},
		{"taken id", "POST", "/api/schedule/lessons/", `{"id":"L1",` + valid + `,"start_time":"2026-12-01T09:00:00Z","end_time":"2026-12-01T10:00:00Z"}`, 409, "L1"},
		{"unknown lesson", "GET", "/api/schedule/lessons/nope/", ``, 404, "nope"},
		{"range end before start", "GET", "/api/schedule/lessons/?start=2026-12-02&end=2026-12-01", ``, 400, "after start"},
		{"range over a year", "GET", "/api/schedule/lessons/?start=2026-01-01&end=2027-06-01", ``, 400, "366 days"},
		{"unparsable range", "GET", "/api/schedule/lessons/?start=tomorrow", ``, 400, "start"},
		{"body over 1 MiB", "POST", "/api/schedule/lessons/", `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			e := r.error(t)
			if r.status != tc.status || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %d %q, want %d with a message mentioning %q", r.status, e.Message, tc.status, tc.mention)
			}
		})
	}
	l, _ := h.env.Store.Lesson(context.Background(), "L1")
	if l.Title != "Lesson L1" || l.Version != 1 {
		t.Errorf("after refused requests lesson L1 is %+v, want it unchanged", l)
	}
}

func TestRoutesAnswerWithAndWithoutTrailingSlash(t *testing.T) {
	h := newHarness(t, 1)
	for _, path := range []string{"/api/schedule/zoom-accounts", "/api/schedule/zoom-accounts/", "/api/schedule/zoom-accounts/1", "/api/schedule/zoom-accounts/1/"} {
		if r := h.do(t, "GET", path, nil); r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
}
