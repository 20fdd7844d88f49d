package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"zoompool/internal/app"
	"zoompool/internal/metrics"
)

// logLine is one line of the runner's log: every line has time, level and
// msg; metrics lines also carry their EMF members.
type logLine map[string]any

func (l logLine) str(k string) string { s, _ := l[k].(string); return s }

// logLines parses what the runner logged after its banner, failing the test
// on a line that is not a JSON object with time, level and msg.
func logLines(t *testing.T, out, banner string) []logLine {
	t.Helper()
	var lines []logLine
	for _, raw := range strings.Split(strings.TrimPrefix(out, banner), "\n") {
		if raw == "" {
			continue
		}
		var l logLine
		if err := json.Unmarshal([]byte(raw), &l); err != nil || l.str("time") == "" || l.str("level") == "" || l.str("msg") == "" {
			t.Errorf("a log line is not a JSON object with time, level and msg: %q", raw)
			continue
		}
		lines = append(lines, l)
	}
	return lines
}

// metric finds a metrics line holding name whose dimensions include dims.
func metric(lines []logLine, name string, dims map[string]string) (float64, bool) {
	for _, l := range lines {
		if l.str("msg") != "metrics" || l["_aws"] == nil {
			continue
		}
		v, ok := l[name].(float64)
		match := ok
		for k, want := range dims {
			match = match && l.str(k) == want
		}
		if match {
			return v, true
		}
	}
	return 0, false
}

// A local run logs one JSON format, the functions' own, and writes among its
// lines the EMF lines from which CloudWatch takes the metrics: for a start,
// for a webhook that releases an account, for the sweep on its timer, and for
// the capacity look-ahead.
func TestLocalRunWritesMetrics(t *testing.T) {
	r := startRunner(t, "-sweep-every", "20ms")
	var started struct {
		MeetingData struct{ ID string } `json:"meeting_data"`
	}
	if status := post(t, r.base+"/schedule/lesson/1/start/", "", r.bearer("TEACHER"), &started); status != 200 {
		t.Fatalf("start lesson 1: %d", status)
	}
	ended := `{"event":"meeting.ended","payload":{"object":{"id":"` + started.MeetingData.ID + `"}}}`
	var answer map[string]any
	if status := post(t, r.base+"/schedule/webhook/zoom/", ended, signedNow(app.LocalWebhookSecret, ended), &answer); status != 200 {
		t.Fatalf("webhook: %d %v", status, answer)
	}
	pool := map[string]string{metrics.DimPool: "default"}
	want := []struct {
		name string
		dims map[string]string
	}{
		{metrics.Starts, map[string]string{metrics.DimPool: "default", metrics.DimOutcome: "started"}},
		{metrics.StartLatency, map[string]string{metrics.DimPool: "default", metrics.DimOutcome: "started"}},
		{metrics.ZoomLatency, map[string]string{metrics.DimPool: "default", metrics.DimOperation: "create_meeting"}},
		{metrics.InUse, pool},
		{metrics.WebhookEvents, map[string]string{metrics.DimPool: "default", metrics.DimOutcome: "released"}},
		{metrics.SweepSucceeded, pool},
		{metrics.SweepReleases, map[string]string{metrics.DimPool: "default", metrics.DimReason: "lesson_ended"}},
		{metrics.ForecastShortfall, pool}, // the daily look-ahead, which the runner also runs when it starts
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		lines := logLines(t, r.out.String(), r.banner)
		missing := ""
		for _, w := range want {
			if _, ok := metric(lines, w.name, w.dims); !ok {
				missing = w.name
				break
			}
		}
		if missing == "" {
			if v, _ := metric(lines, metrics.SweepSucceeded, pool); v != 1 {
				t.Errorf("SweepSucceeded = %g, want 1", v)
			}
			if v, _ := metric(lines, metrics.InUse, pool); v != 0 && v != 1 {
				t.Errorf("InUse = %g with one lesson started", v)
			}
			return
		}
		if time.Now().After(deadline) || t.Failed() {
			t.Logf("the runner's log:\n%s", strings.TrimPrefix(r.out.String(), r.banner))
			t.Fatalf("no metrics line for %s in the runner's log (above)", missing)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
