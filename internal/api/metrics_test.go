package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"
)

// logBuffer is what an app logged; with to set, the lines go there instead.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
	to io.Writer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.to != nil {
		return l.to.Write(p)
	}
	return l.b.Write(p)
}

// outcomes returns the Outcome of every metrics line recording metric.
func (l *logBuffer) outcomes(t *testing.T, metric string) []string {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(l.b.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line map[string]any
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("log line is not JSON: %s", sc.Bytes())
		}
		if outcome, ok := line["Outcome"].(string); ok && line["msg"] == "metrics" && line[metric] != nil {
			out = append(out, outcome)
		}
	}
	return out
}

// Each start is counted by its outcome: a new meeting, the meeting a live
// lesson already had, or the reason it failed.
func TestStartsAreCountedByOutcome(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	h.env.AddLesson(t, "first", now, now.Add(time.Hour))
	h.env.AddLesson(t, "second", now, now.Add(time.Hour))
	for _, id := range []string{"first", "first", "second", "missing"} {
		h.do(t, http.MethodPost, "/schedule/lesson/"+id+"/start/", nil)
	}
	want := []string{"started", "restarted", "pool_exhausted", "lesson_not_found"}
	if got := h.log.outcomes(t, "Starts"); !slices.Equal(got, want) {
		t.Errorf("Starts by outcome %v, want %v", got, want)
	}
}

// Each notification is counted by its outcome, refusals included.
func TestWebhookEventsAreCountedByOutcome(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	h.env.AddLesson(t, "1", now, now.Add(time.Hour))
	var started struct {
		MeetingData struct{ ID string } `json:"meeting_data"`
	}
	h.do(t, http.MethodPost, "/schedule/lesson/1/start/", nil).json(t, &started)
	ended := meetingEvent("meeting.ended", `"`+started.MeetingData.ID+`"`, "")
	unknown := meetingEvent("meeting.ended", `"81476667127"`, "")
	h.webhook(t, ended)
	h.webhook(t, ended)
	h.webhook(t, unknown)
	h.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom/", ended, signed("another-secret", now, ended))
	h.webhook(t, `{"event":`)
	want := []string{"released", "already_released", "unknown_meeting", "invalid_signature", "invalid_request"}
	if got := h.log.outcomes(t, "WebhookEvents"); !slices.Equal(got, want) {
		t.Errorf("WebhookEvents by outcome %v, want %v", got, want)
	}
}
