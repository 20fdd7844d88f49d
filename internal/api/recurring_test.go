package api_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// recurringJSON is a recurring lesson as the API answers it.
type recurringJSON struct {
	ID                string   `json:"id"`
	Title             string   `json:"title"`
	TeacherID         string   `json:"teacher_id"`
	GroupID           string   `json:"group_id"`
	Weekday           int      `json:"weekday"`
	StartTime         string   `json:"start_time"`
	DurationMinutes   int      `json:"duration_minutes"`
	TimeZone          string   `json:"timezone"`
	WeekType          string   `json:"week_type"`
	ValidFrom         string   `json:"valid_from"`
	ValidUntil        *string  `json:"valid_until"`
	CancelledDates    []string `json:"cancelled_dates"`
	MaterializedDates []string `json:"materialized_dates"`
}

// addRecurring creates a recurring lesson through the API from the JSON
// fields given, with defaults for the rest, and returns it.
func (h *harness) addRecurring(t testing.TB, fields string) recurringJSON {
	t.Helper()
	body := `{"title":"Maths","teacher_id":"t1","group_id":"g1","weekday":1,"start_time":"09:00","duration_minutes":45,` +
		`"timezone":"Europe/Berlin","valid_from":"2026-09-01"`
	if fields != "" {
		body += "," + fields
	}
	r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/", body+"}")
	if r.status != http.StatusCreated {
		t.Fatalf("create recurring lesson %s: %d %s", fields, r.status, r.body)
	}
	var out recurringJSON
	r.json(t, &out)
	return out
}

func TestRecurringLessonsLifecycle(t *testing.T) {
	h := newHarness(t)
	r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons", `{"id":"alg","title":"Algebra","teacher_id":7,"group_id":"9b",`+
		`"weekday":1,"start_time":"09:00:00","duration_minutes":90,"timezone":"Europe/Berlin","week_type":"upper",`+
		`"valid_from":"2026-09-01","valid_until":"2027-06-30"}`)
	var got recurringJSON
	r.json(t, &got)
	if r.status != http.StatusCreated || r.header.Get("Location") != "/api/schedule/recurring-lessons/alg/" ||
		got.TeacherID != "7" || got.StartTime != "09:00" || got.WeekType != "upper" || got.ValidUntil == nil || *got.ValidUntil != "2027-06-30" ||
		got.CancelledDates == nil || len(got.CancelledDates) != 0 {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	h.addRecurring(t, `"id":"bio","teacher_id":"t2","group_id":"9b","weekday":3`)
	h.addRecurring(t, `"id":"chem","teacher_id":"7","group_id":"10a","weekday":2`)

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"alg", "bio", "chem"}}, // by last valid day (open series last), then id
		{"?teacher_id=7", []string{"alg", "chem"}},
		{"?group_id=9b", []string{"alg", "bio"}},
		{"?teacher_id=7&group_id=9b", []string{"alg"}},
		{"?teacher_id=nobody", []string{}},
	} {
		var list []recurringJSON
		h.do(t, http.MethodGet, "/api/schedule/recurring-lessons/"+tc.query, nil).json(t, &list)
		ids := []string{}
		for _, l := range list {
			ids = append(ids, l.ID)
		}
		if !slices.Equal(ids, tc.want) {
			t.Errorf("list %s: got %v, want %v", tc.query, ids, tc.want)
		}
	}

	r = h.do(t, http.MethodPatch, "/api/schedule/recurring-lessons/alg/", `{"title":"Algebra II","valid_until":null,"cancelled_dates":["2026-10-12","2026-09-28","2026-10-12"]}`)
	r.json(t, &got)
	if r.status != http.StatusOK || got.Title != "Algebra II" || got.ValidUntil != nil || got.DurationMinutes != 90 ||
		!slices.Equal(got.CancelledDates, []string{"2026-09-28", "2026-10-12"}) {
		t.Errorf("patch: %d %s", r.status, r.body)
	}

	// Cancelling one occurrence: 2026-09-14 is a Monday of an upper week.
	for range 2 {
		r = h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/alg/cancelled-dates/", `{"date":"2026-09-14"}`)
		r.json(t, &got)
		if r.status != http.StatusOK || !slices.Equal(got.CancelledDates, []string{"2026-09-14", "2026-09-28", "2026-10-12"}) {
			t.Errorf("cancel 2026-09-14: %d %s", r.status, r.body)
		}
	}
	var one recurringJSON
	h.do(t, http.MethodGet, "/api/schedule/recurring-lessons/alg/", nil).json(t, &one)
	if !slices.Equal(one.CancelledDates, got.CancelledDates) || one.Title != "Algebra II" {
		t.Errorf("read back %+v, want %+v", one, got)
	}

	if r := h.do(t, http.MethodDelete, "/api/schedule/recurring-lessons/alg/", nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := h.do(t, http.MethodGet, "/api/schedule/recurring-lessons/alg/", nil); r.status != http.StatusNotFound || r.error(t).Error != "recurring_lesson_not_found" {
		t.Errorf("read after delete: %d %s", r.status, r.body)
	}
}

func TestRecurringLessonsRejectBadInput(t *testing.T) {
	h := newHarness(t)
	h.addRecurring(t, `"id":"r1","week_type":"upper"`)
	post := func(fields string) string {
		return `{"title":"T","teacher_id":"t","group_id":"g","weekday":1,"start_time":"09:00","duration_minutes":45,"timezone":"Europe/Berlin","valid_from":"2026-09-01",` + fields + `}`
	}
	const base = "/api/schedule/recurring-lessons/"
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		mention                  string
	}{
		{"unknown time zone", "POST", base, post(`"timezone":"Mars/Olympus_Mons"`), 400, `timezone "Mars/Olympus_Mons" is not an IANA time zone`},
		{"the machine's zone", "POST", base, post(`"timezone":"Local"`), 400, `timezone "Local"`},
		{"no time zone", "POST", base, `{"title":"T","teacher_id":"t","group_id":"g","weekday":1,"start_time":"09:00","duration_minutes":45,"valid_from":"2026-09-01"}`, 400, "timezone is required"},
		{"weekday 0", "POST", base, post(`"weekday":0`), 400, "weekday must be 1 (Monday) to 7 (Sunday); got 0"},
		{"weekday 8", "POST", base, post(`"weekday":8`), 400, "got 8"},
		{"weekday as a name", "POST", base, post(`"weekday":"Monday"`), 400, "weekday must be a whole number"},
		{"hour 24", "POST", base, post(`"start_time":"24:00"`), 400, `start_time must be a local time "HH:MM"`},
		{"one-digit hour", "POST", base, post(`"start_time":"9:30"`), 400, `got "9:30"`},
		{"seconds", "POST", base, post(`"start_time":"09:30:15"`), 400, "start_time"},
		{"no minutes", "POST", base, post(`"duration_minutes":0`), 400, "duration_minutes must be 1 to 720"},
		{"over 12 hours", "POST", base, post(`"duration_minutes":721`), 400, "got 721"},
		{"until before from", "POST", base, post(`"valid_until":"2026-08-31"`), 400, "valid_until (2026-08-31) must not be before valid_from (2026-09-01)"},
		{"malformed date", "POST", base, post(`"valid_from":"01.09.2026"`), 400, `valid_from must hold dates such as 2026-09-01; got "01.09.2026"`},
		{"impossible date", "POST", base, post(`"valid_until":"2027-02-30"`), 400, "valid_until"},
		{"no valid_from", "POST", base, `{"title":"T","teacher_id":"t","group_id":"g","weekday":1,"start_time":"09:00","duration_minutes":45,"timezone":"UTC"}`, 400, "valid_from is required"},
		{"malformed cancelled date", "POST", base, post(`"cancelled_dates":["2026-09-14","next week"]`), 400, `cancelled_dates must hold dates such as 2026-09-01; got "next week"`},
		{"cancelled dates as a string", "POST", base, post(`"cancelled_dates":"2026-09-14"`), 400, "cancelled_dates must be a list of strings"},
		{"unknown week type", "POST", base, post(`"week_type":"odd"`), 400, `week_type must be "all", "upper" or "lower"; got "odd"`},
		{"id with '@'", "POST", base, post(`"id":"a@2026-09-07"`), 400, "id must be"},
		{"missing title", "POST", base, `{"teacher_id":"t","group_id":"g"}`, 400, "title is required"},
		{"taken id", "POST", base, post(`"id":"r1"`), 409, "r1"},
		{"patch to a bad zone", "PATCH", base + "r1/", `{"timezone":"Europe/Atlantis"}`, 400, "Europe/Atlantis"},
		{"patch until before from", "PATCH", base + "r1/", `{"valid_until":"2020-01-01"}`, 400, "must not be before valid_from"},
		{"patch of an unknown series", "PATCH", base + "nope/", `{"title":"x"}`, 404, "nope"},
		{"unknown series", "GET", base + "nope/", ``, 404, "nope"},
		{"delete of an unknown series", "DELETE", base + "nope/", ``, 404, "nope"},
		{"bad teacher filter", "GET", base + "?teacher_id=a%20b", ``, 400, "teacher_id must be"},
		{"cancel without a date", "POST", base + "r1/cancelled-dates/", `{}`, 400, "date is required"},
		{"cancel a malformed date", "POST", base + "r1/cancelled-dates/", `{"date":"14/09/2026"}`, 400, "date must hold dates"},
		{"cancel a day it does not meet", "POST", base + "r1/cancelled-dates/", `{"date":"2026-09-15"}`, 400, "it meets on Mondays of upper weeks, and 2026-09-15 is a Tuesday"},
		{"cancel in a week it does not meet", "POST", base + "r1/cancelled-dates/", `{"date":"2026-09-21"}`, 400, "the week of 2026-09-21 is a lower week"},
		{"cancel before the series", "POST", base + "r1/cancelled-dates/", `{"date":"2026-08-31"}`, 400, "it runs from 2026-09-01 on"},
		{"cancel in an unknown series", "POST", base + "nope/cancelled-dates/", `{"date":"2026-09-14"}`, 404, "nope"},
		{"body over 1 MiB", "POST", base, `{"title":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			e := r.error(t)
			if r.status != tc.status || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %d %q, want %d with a message mentioning %q", r.status, e.Message, tc.status, tc.mention)
			}
		})
	}
	var after recurringJSON
	h.do(t, http.MethodGet, base+"r1/", nil).json(t, &after)
	if after.Title != "Maths" || after.TimeZone != "Europe/Berlin" || after.ValidUntil != nil || len(after.CancelledDates) != 0 {
		t.Errorf("after refused requests r1 is %+v, want it unchanged", after)
	}
}
