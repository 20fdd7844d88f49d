package api_test

import (
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"zoompool/internal/app"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

// Without UPPER_WEEK_ANCHOR a date's week is upper or lower by its own
// academic year, whenever the calendar is read, the feed made or the
// occurrence started. The academic year 2030/31 has 53 weeks (its first
// Monday is 26 August 2030, the next one's 1 September 2031), so 25 August
// and 1 September 2031 are both upper weeks.
func TestWeekParityWithoutAnchor(t *testing.T) {
	h := newHarnessWith(t, &zoom.Fake{}, func(c *app.Config) { c.UpperWeekAnchor = pool.Date{} }, 1)
	var clock atomic.Int64
	setClock := func(s string) {
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		clock.Store(at.UnixNano())
	}
	h.app.Now = func() time.Time { return time.Unix(0, clock.Load()) }
	setClock("2030-09-15T12:00:00Z")
	// Mondays at 00:10 in Berlin: 22:10 UTC the evening before.
	h.addRecurring(t, `"id":"up","week_type":"upper","start_time":"00:10","valid_from":"2030-09-01"`)

	for _, seen := range []string{"2031-08-20T12:00:00Z", "2031-09-02T12:00:00Z", "2026-11-30T12:00:00Z"} {
		setClock(seen)
		var got []string
		for _, e := range h.calendar(t, "start=2031-08-25&end=2031-09-15&timeZone=Europe/Berlin") {
			got = append(got, e.ID+" "+e.ExtendedProps.Week)
		}
		if want := []string{"up@2031-08-25 upper", "up@2031-09-01 upper"}; !slices.Equal(got, want) {
			t.Errorf("seen on %s, the calendar shows %v, want %v", seen, got, want)
		}
	}

	// A feed made in September 2030 has the occurrences of September 2031:
	// the new academic year's rhythm is a rule of its own.
	setClock("2030-09-15T12:00:00Z")
	r := h.do(t, http.MethodGet, h.feedPath(t, "")+"&start=2030-10-01&end=2031-10-01", nil)
	if r.status != http.StatusOK {
		t.Fatalf("calendar.ics: %d %s", r.status, r.body)
	}
	for _, line := range []string{
		"UID:recurring-up@zoom-pool\r\n", "DTSTART;TZID=Europe/Berlin:20301007T001000\r\n",
		"UID:recurring-up.2031-09-01@zoom-pool\r\n", "DTSTART;TZID=Europe/Berlin:20310901T001000\r\n",
	} {
		if !strings.Contains(string(r.body), line) {
			t.Errorf("the feed lacks %q:\n%s", line, r.body)
		}
	}

	// Cancelling: 15 September 2031 is an upper week, 8 September a lower one,
	// seen from August.
	setClock("2031-08-20T12:00:00Z")
	if r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/up/cancelled-dates/", `{"date":"2031-09-15"}`); r.status != http.StatusOK {
		t.Errorf("cancel 2031-09-15: %d %s", r.status, r.body)
	}
	if r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/up/cancelled-dates/", `{"date":"2031-09-08"}`); r.status != http.StatusBadRequest ||
		!strings.Contains(r.error(t).Message, "lower week") {
		t.Errorf("cancel 2031-09-08: %d %s, want 400 for a lower week", r.status, r.body)
	}

	// Starting the first lesson of the academic year on the evening it
	// begins, 31 August in UTC and still the old academic year there.
	setClock("2031-08-31T22:00:00Z")
	if r, s := h.start(t, "up@2031-09-01"); r.status != http.StatusOK || s.LessonID != "up@2031-09-01" {
		t.Errorf("start up@2031-09-01 on the evening before: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, "up@2031-09-01")
}
