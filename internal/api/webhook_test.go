package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

const validation = `{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`

func TestWebhookSignature(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	for _, tc := range []struct {
		name   string
		header http.Header
		body   string
		status int
		code   string
	}{
		{"signed now", signed(webhookSecret, now, validation), validation, 200, ""},
		{"signed 4 minutes ago", signed(webhookSecret, now.Add(-4*time.Minute), validation), validation, 200, ""},
		{"stale: signed 6 minutes ago", signed(webhookSecret, now.Add(-6*time.Minute), validation), validation, 401, "invalid_signature"},
		{"from the future: 6 minutes ahead", signed(webhookSecret, now.Add(6*time.Minute), validation), validation, 401, "invalid_signature"},
		{"tampered body", signed(webhookSecret, now, validation), strings.Replace(validation, "qgg8", "qgg9", 1), 401, "invalid_signature"},
		{"body with a trailing newline", signed(webhookSecret, now, validation), validation + "\n", 401, "invalid_signature"},
		{"other secret", signed("another-app-secret", now, validation), validation, 401, "invalid_signature"},
		{"no signature", http.Header{"X-Zm-Request-Timestamp": signed(webhookSecret, now, validation)["X-Zm-Request-Timestamp"]}, validation, 401, "invalid_signature"},
		{"no timestamp", http.Header{"X-Zm-Signature": signed(webhookSecret, now, validation)["X-Zm-Signature"]}, validation, 401, "invalid_signature"},
		{"unsigned", nil, validation, 401, "invalid_signature"},
		{"timestamp in milliseconds", withHeader(signed(webhookSecret, now, validation), "X-Zm-Request-Timestamp", "1796029200000"), validation, 401, "invalid_signature"},
		{"timestamp not a number", withHeader(signed(webhookSecret, now, validation), "X-Zm-Request-Timestamp", "yesterday"), validation, 401, "invalid_signature"},
		{"signature without v0=", withHeader(signed(webhookSecret, now, validation), "X-Zm-Signature",
			strings.TrimPrefix(signed(webhookSecret, now, validation).Get("X-Zm-Signature"), "v0=")), validation, 401, "invalid_signature"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom/", tc.body, tc.header)
			if tc.status == 200 {
				if r.status != 200 {
					t.Fatalf("got %d %s, want 200", r.status, r.body)
				}
				return
			}
			if e := r.error(t); r.status != tc.status || e.Error != tc.code {
				t.Errorf("got %d %s (%s), want %d %s", r.status, e.Error, e.Message, tc.status, tc.code)
			}
		})
	}
}

func withHeader(h http.Header, key, value string) http.Header {
	h.Set(key, value)
	return h
}

// A function deployed without a secret token refuses everything, even a
// request "signed" with an empty key.
func TestWebhookWithoutSecretRefusesEverything(t *testing.T) {
	h := newHarness(t, 1)
	srv := httptest.NewServer(api.NewZoomWebhook(zoom.Verifier{}, h.app.Releaser, slog.New(slog.DiscardHandler)))
	defer srv.Close()
	for _, header := range []http.Header{nil, signed("", time.Now(), validation)} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/schedule/webhook/zoom", strings.NewReader(validation))
		maps.Copy(req.Header, header)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("webhook without a secret answered %d, want 401", res.StatusCode)
		}
	}
}

func TestWebhookURLValidation(t *testing.T) {
	h := newHarness(t, 1)
	r := h.webhook(t, validation)
	var got struct {
		PlainToken     string `json:"plainToken"`
		EncryptedToken string `json:"encryptedToken"`
	}
	r.json(t, &got)
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	mac.Write([]byte("qgg8vlvZRS6UYooatFL8Aw"))
	want := hex.EncodeToString(mac.Sum(nil))
	if r.status != 200 || got.PlainToken != "qgg8vlvZRS6UYooatFL8Aw" || got.EncryptedToken != want {
		t.Errorf("url_validation: %d %+v, want 200 with plainToken and encryptedToken %s", r.status, got, want)
	}
}

func TestWebhookReleasesTheAccount(t *testing.T) {
	for _, tc := range []struct {
		name string
		id   func(meeting string) string // payload.object.id as JSON
	}{
		{"id as string", func(m string) string { return `"` + m + `"` }},
		{"id as number", func(m string) string { return m }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, 1)
			ids := h.env.AddLessons(t, 1)
			// The meeting began a minute ago and ended 30 seconds ago.
			h.app.Service.Now = func() time.Time { return time.Now().Add(-time.Minute) }
			_, s := h.start(t, ids[0])
			h.app.Service.Now = time.Now
			m := s.MeetingData.ID
			endedAt := time.Now().Add(-30 * time.Second).UTC().Truncate(time.Second)

			h.env.Engine.ResetRequests()
			r := h.webhook(t, meetingEvent("meeting.ended", tc.id(m), `,"end_time":"`+endedAt.Format(time.RFC3339)+`"`))
			requests := h.env.Engine.Requests()
			var got webhookAnswer
			r.json(t, &got)
			want := webhookAnswer{Status: "success", Message: "Account Zoom Account 1 released", LessonID: ids[0], MeetingID: m}
			if r.status != 200 || got != want {
				t.Fatalf("meeting.ended: %d %+v, want 200 %+v", r.status, got, want)
			}
			// One key read of the meeting lookup, one transaction.
			if wantReq := map[string]int{"GetItem": 1, "TransactWriteItems": 1}; !maps.Equal(requests, wantReq) {
				t.Errorf("a webhook release sent %v, want %v", requests, wantReq)
			}

			l, _ := h.env.Store.Lesson(context.Background(), ids[0])
			if l.Status != pool.StatusEnded || !l.EndedAt.Equal(endedAt) || l.Meeting == nil || l.Meeting.ID != m {
				t.Errorf("lesson after meeting.ended: %s ended at %s, meeting %+v; want ended at %s keeping meeting %s",
					l.Status, l.EndedAt, l.Meeting, endedAt, m)
			}
			a, _ := h.env.Store.Account(context.Background(), "1")
			if a.Active != 0 || len(a.Holds) != 0 {
				t.Errorf("account after meeting.ended: active %d, holds %v; want free", a.Active, a.Holds)
			}
			pooltest.CheckInvariants(t, h.env.Store, ids...)

			// The account serves the next lesson.
			other := h.env.AddLesson(t, "next", time.Now(), time.Now().Add(time.Hour))
			if r, _ := h.start(t, other.ID); r.status != 200 {
				t.Errorf("start after the release: %d %s", r.status, r.body)
			}
		})
	}
}

func TestWebhookDuplicateDeliveryChangesNothing(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	_, s := h.start(t, ids[0])
	body := meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, "")
	header := signed(webhookSecret, time.Now(), body)
	if r := h.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom/", body, header); r.status != 200 {
		t.Fatalf("first delivery: %d %s", r.status, r.body)
	}
	before, _ := h.env.Store.Lesson(context.Background(), ids[0])

	// Zoom sends the very same request again.
	r := h.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom/", body, header)
	var got webhookAnswer
	r.json(t, &got)
	if r.status != 200 || got.Status != "ignored" || got.LessonID != ids[0] || got.MeetingID != s.MeetingData.ID {
		t.Errorf("second delivery: %d %+v, want 200 ignored for lesson %s", r.status, got, ids[0])
	}
	after, _ := h.env.Store.Lesson(context.Background(), ids[0])
	if after.Version != before.Version || !after.EndedAt.Equal(before.EndedAt) || after.Status != pool.StatusEnded {
		t.Errorf("the second delivery changed the lesson: version %d -> %d, ended_at %s -> %s",
			before.Version, after.Version, before.EndedAt, after.EndedAt)
	}
	if a, _ := h.env.Store.Account(context.Background(), "1"); a.Active != 0 {
		t.Errorf("account active = %d after a duplicate release, want 0", a.Active)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestWebhookUnknownMeetingIsIgnored(t *testing.T) {
	h := newHarness(t, 1)
	for _, event := range []string{"meeting.ended", "meeting.started"} {
		r := h.webhook(t, meetingEvent(event, "89999999999", ""))
		var got webhookAnswer
		r.json(t, &got)
		if r.status != 200 || got.Status != "ignored" || got.MeetingID != "89999999999" {
			t.Errorf("%s of an unknown meeting: %d %+v, want 200 ignored", event, r.status, got)
		}
	}
}

// A meeting.ended that arrives after its account went back to the pool and
// was lent again must not release the new loan: neither another lesson's,
// nor the same lesson's after it was started again with a new meeting.
func TestLateMeetingEndedLeavesTheNewHoldAlone(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 2)
	_, first := h.start(t, ids[0])
	late := meetingEvent("meeting.ended", `"`+first.MeetingData.ID+`"`, "")
	if r := h.webhook(t, late); r.status != 200 {
		t.Fatalf("meeting.ended: %d %s", r.status, r.body)
	}

	check := func(t *testing.T, lessonID string) {
		t.Helper()
		a, _ := h.env.Store.Account(context.Background(), "1")
		if len(a.Holds) != 1 {
			t.Fatalf("account holds %v, want lesson %s's hold", a.Holds, lessonID)
		}
		hold := a.Holds[0]
		r := h.webhook(t, late)
		var got webhookAnswer
		r.json(t, &got)
		if r.status != 200 || got.Status != "ignored" {
			t.Errorf("late meeting.ended: %d %+v, want 200 ignored", r.status, got)
		}
		a, _ = h.env.Store.Account(context.Background(), "1")
		if len(a.Holds) != 1 || a.Holds[0] != hold || a.Active != 1 {
			t.Errorf("after the late meeting.ended the account holds %+v (active %d), want %+v", a.Holds, a.Active, hold)
		}
		if l, _ := h.env.Store.Lesson(context.Background(), lessonID); l.Status != pool.StatusLive || l.HoldToken != hold.Token {
			t.Errorf("lesson %s is %s with token %q, want live with %q", lessonID, l.Status, l.HoldToken, hold.Token)
		}
		pooltest.CheckInvariants(t, h.env.Store, ids...)
	}

	t.Run("account lent to another lesson", func(t *testing.T) {
		if r, _ := h.start(t, ids[1]); r.status != 200 {
			t.Fatalf("start %s: %d %s", ids[1], r.status, r.body)
		}
		check(t, ids[1])
		_, s := h.start(t, ids[1])
		if r := h.webhook(t, meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, "")); r.status != 200 {
			t.Fatalf("end %s: %d %s", ids[1], r.status, r.body)
		}
	})
	t.Run("same lesson started again", func(t *testing.T) {
		_, again := h.start(t, ids[0])
		if again.MeetingData.ID == "" || again.MeetingData.ID == first.MeetingData.ID {
			t.Fatalf("restart of %s got meeting %q, want a new one", ids[0], again.MeetingData.ID)
		}
		check(t, ids[0])
	})
}

func TestWebhookMeetingStarted(t *testing.T) {
	h := newHarness(t, 1)
	ids := h.env.AddLessons(t, 1)
	_, s := h.start(t, ids[0])
	started := meetingEvent("meeting.started", s.MeetingData.ID, `,"start_time":"2026-11-30T09:00:00Z"`)

	h.env.Engine.ResetRequests()
	for range 2 { // harmless when repeated
		r := h.webhook(t, started)
		var got webhookAnswer
		r.json(t, &got)
		if r.status != 200 || got.Status != "success" || got.LessonID != ids[0] {
			t.Errorf("meeting.started of a live lesson: %d %+v, want 200 success", r.status, got)
		}
	}
	for op := range h.env.Engine.Requests() {
		if op != "GetItem" {
			t.Errorf("meeting.started sent %s; it only reads", op)
		}
	}

	// Started again after its account went back (the host reopened the
	// meeting): the lesson has no account, so it must not become live.
	h.webhook(t, meetingEvent("meeting.ended", s.MeetingData.ID, ""))
	r := h.webhook(t, started)
	var got webhookAnswer
	r.json(t, &got)
	if r.status != 200 || got.Status != "ignored" {
		t.Errorf("meeting.started after the release: %d %+v, want 200 ignored", r.status, got)
	}
	if l, _ := h.env.Store.Lesson(context.Background(), ids[0]); l.Status != pool.StatusEnded {
		t.Errorf("lesson is %s after a late meeting.started, want it to stay ended", l.Status)
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

func TestWebhookBadRequests(t *testing.T) {
	h := newHarness(t, 1)
	for _, tc := range []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"other event", `{"event":"meeting.participant_joined","payload":{"object":{"id":"81476667127"}}}`, 200, ""},
		{"malformed JSON", `{"event":"meeting.ended",`, 400, "invalid_request"},
		{"not an object", `["meeting.ended"]`, 400, "invalid_request"},
		{"no event", `{"payload":{"object":{"id":"81476667127"}}}`, 400, "invalid_request"},
		{"empty body", ``, 400, "invalid_request"},
		{"meeting.ended without id", `{"event":"meeting.ended","payload":{"object":{}}}`, 400, "invalid_request"},
		{"meeting id a fraction", meetingEvent("meeting.ended", "8147666712.5", ""), 400, "invalid_request"},
		{"meeting id negative", meetingEvent("meeting.ended", "-81476667127", ""), 400, "invalid_request"},
		{"meeting id an object", meetingEvent("meeting.ended", `{"n":1}`, ""), 400, "invalid_request"},
		{"url_validation without plainToken", `{"event":"endpoint.url_validation","payload":{}}`, 400, "invalid_request"},
		{"body over 1 MiB", `{"event":"x","pad":"` + strings.Repeat("x", 1<<20) + `"}`, 413, "body_too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.webhook(t, tc.body)
			if tc.status == 200 {
				var got webhookAnswer
				r.json(t, &got)
				if r.status != 200 || got.Status != "ignored" {
					t.Errorf("got %d %+v, want 200 ignored", r.status, got)
				}
				return
			}
			if e := r.error(t); r.status != tc.status || e.Error != tc.code {
				t.Errorf("got %d %s (%s), want %d %s", r.status, e.Error, e.Message, tc.status, tc.code)
			}
		})
	}
}
