package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// A method or path that no route of template.yaml serves gets API Gateway's
// own 404, as in AWS; a function that is reached with a method its path does
// not take (through a greedy twin) answers 405 with the methods it takes.
func TestRequestsNoRouteServes(t *testing.T) {
	h := newHarness(t, 1)
	functions := h.app.HTTPFunctions()
	for _, tc := range []struct {
		method, path, function, allow string
	}{
		{"PUT", "/api/schedule/lessons/L1/", "CalendarFunction", "GET, PATCH, DELETE"},
		{"PUT", "/api/schedule/recurring-lessons/r1/", "CalendarFunction", "GET, PATCH, DELETE"},
		{"PUT", "/api/schedule/zoom-accounts/1/", "AccountsFunction", "GET, PATCH, DELETE"},
		{"GET", "/schedule/lesson/over/start/", "StartLessonFunction", "POST"},
		{"GET", "/schedule/webhook/zoom/", "ZoomWebhookFunction", "POST"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			if r := h.do(t, tc.method, tc.path, nil); r.status != 404 || strings.TrimSpace(string(r.body)) != `{"message":"Not Found"}` {
				t.Errorf("through the gateway: %d %s, want API Gateway's 404", r.status, r.body)
			}
			rec := httptest.NewRecorder()
			functions[tc.function].ServeHTTP(rec, httptest.NewRequest(tc.method, tc.path, nil))
			r := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			if e := r.error(t); r.status != http.StatusMethodNotAllowed || e.Error != "method_not_allowed" || r.header.Get("Allow") != tc.allow {
				t.Errorf("the function itself: %d %s, Allow %q; want 405 method_not_allowed, Allow %q", r.status, e.Error, r.header.Get("Allow"), tc.allow)
			}
		})
	}
	// A path of no route at all.
	for _, path := range []string{"/api/schedule/lesson/", "/schedule/lesson/over/begin/"} {
		if r := h.do(t, http.MethodPost, path, nil); r.status != 404 || strings.TrimSpace(string(r.body)) != `{"message":"Not Found"}` {
			t.Errorf("POST %s: %d %s, want API Gateway's 404", path, r.status, r.body)
		}
	}
}
