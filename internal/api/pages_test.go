package api_test

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"
)

var nextLink = regexp.MustCompile(`^<([^>]+)>; rel="next"$`)

// listAll follows a list's Link headers from its first page of limit items
// and returns the ids of every page.
func (h *harness) listAll(t *testing.T, first string) [][]string {
	t.Helper()
	var pages [][]string
	for url := first; url != ""; {
		r := h.do(t, http.MethodGet, url, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", url, r.status, r.body)
		}
		var items []struct {
			ID string `json:"id"`
		}
		r.json(t, &items)
		ids := []string{}
		for _, it := range items {
			ids = append(ids, it.ID)
		}
		pages = append(pages, ids)
		url = ""
		if link := r.header.Get("Link"); link != "" {
			m := nextLink.FindStringSubmatch(link)
			if m == nil {
				t.Fatalf("Link header %q is not <url>; rel=\"next\"", link)
			}
			url = m[1]
		}
		if len(pages) > 20 {
			t.Fatalf("more than 20 pages: %v", pages)
		}
	}
	return pages
}

// The lessons list comes in pages of ?limit= lessons, each pointing at the
// next with a Link header; together they hold every lesson once, in order,
// across the months the range spans.
func TestLessonsListInPages(t *testing.T) {
	h := newHarness(t)
	start := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	var want []string
	for i := range 5 {
		id := fmt.Sprintf("L%d", i)
		at := start.Add(time.Duration(i) * 24 * time.Hour) // 28 November to 2 December
		h.env.AddLesson(t, id, at, at.Add(time.Hour))
		want = append(want, id)
	}
	for _, tc := range []struct {
		query string
		pages [][]string
	}{
		{"?start=2026-11-27&end=2026-12-10&limit=2", [][]string{{"L0", "L1"}, {"L2", "L3"}, {"L4"}}},
		{"?start=2026-11-27&end=2026-12-10&limit=5", [][]string{want}},
		{"?start=2026-11-27&end=2026-12-10&limit=4&teacher_id=teacher-1", [][]string{{"L0", "L1", "L2", "L3"}, {"L4"}}},
		{"?start=2026-11-29&end=2026-12-01&limit=1", [][]string{{"L1"}, {"L2"}}},
		{"?start=2026-11-27&end=2026-12-10", [][]string{want}},
	} {
		if got := h.listAll(t, "/api/schedule/lessons/"+tc.query); !slices.EqualFunc(got, tc.pages, slices.Equal) {
			t.Errorf("pages of %s: %v, want %v", tc.query, got, tc.pages)
		}
	}
}

// The recurring lessons list comes in pages too.
func TestRecurringLessonsListInPages(t *testing.T) {
	h := newHarness(t)
	for _, f := range []string{
		`"id":"r1","valid_until":"2027-01-31"`, `"id":"r2","valid_until":"2026-12-31"`, `"id":"r3"`,
		`"id":"r4","valid_until":"2027-01-31"`, `"id":"r5","teacher_id":"t9"`,
	} {
		h.addRecurring(t, f)
	}
	for _, tc := range []struct {
		query string
		pages [][]string
	}{
		{"?limit=2", [][]string{{"r2", "r1"}, {"r4", "r3"}, {"r5"}}},
		{"?limit=3&teacher_id=t1", [][]string{{"r2", "r1", "r4"}, {"r3"}}},
		{"", [][]string{{"r2", "r1", "r4", "r3", "r5"}}},
	} {
		if got := h.listAll(t, "/api/schedule/recurring-lessons/"+tc.query); !slices.EqualFunc(got, tc.pages, slices.Equal) {
			t.Errorf("pages of %s: %v, want %v", tc.query, got, tc.pages)
		}
	}
}

func TestPagesRefuseBadLimitsAndCursors(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{
		"/api/schedule/lessons/?limit=0", "/api/schedule/lessons/?limit=1001", "/api/schedule/lessons/?limit=ten",
		"/api/schedule/lessons/?cursor=not-a-cursor", "/api/schedule/recurring-lessons/?cursor=%21%21",
		"/api/schedule/recurring-lessons/?cursor=MjAyNi0xMS0yOFQwOTowMDowMC4wMDBaI0wx", // a lessons cursor
	} {
		r := h.do(t, http.MethodGet, path, nil)
		if e := r.error(t); r.status != http.StatusBadRequest || e.Error != "invalid_request" {
			t.Errorf("GET %s: %d %s, want 400 invalid_request", path, r.status, e.Error)
		}
	}
}
