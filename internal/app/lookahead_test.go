package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"gopkg.in/yaml.v3"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/app"
	"zoompool/internal/app/core"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

// schedule is a ScheduleV2 event of the release-stuck function in template.yaml.
type schedule struct {
	Expression string `yaml:"ScheduleExpression"`
	Input      string `yaml:"Input"`
}

// releaseStuckSchedules returns the release-stuck function's schedules by
// event name, and the template's parameter defaults.
func releaseStuckSchedules(t *testing.T) (map[string]schedule, map[string]string) {
	t.Helper()
	var doc struct {
		Parameters map[string]struct {
			Default string `yaml:"Default"`
		} `yaml:"Parameters"`
		Resources struct {
			ReleaseStuckFunction struct {
				Properties struct {
					Events map[string]struct {
						Type       string   `yaml:"Type"`
						Properties schedule `yaml:"Properties"`
					} `yaml:"Events"`
				} `yaml:"Properties"`
			} `yaml:"ReleaseStuckFunction"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(zoompool.Template, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]schedule{}
	for name, ev := range doc.Resources.ReleaseStuckFunction.Properties.Events {
		if ev.Type == "ScheduleV2" {
			out[name] = ev.Properties
		}
	}
	params := map[string]string{}
	for name, p := range doc.Parameters {
		params[name] = p.Default
	}
	return out, params
}

// logLines decodes JSON log lines, but for metrics lines.
func logLines(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(b.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		if m["msg"] == "metrics" {
			continue // the metrics' EMF lines, which cmd/local's and internal/metrics' tests check
		}
		out = append(out, m)
	}
	b.Reset()
	return out
}

func messages(lines []map[string]any) []string {
	var out []string
	for _, l := range lines {
		out = append(out, l["msg"].(string))
	}
	return out
}

// The release-stuck function has two schedules, told apart by their input:
// every 10 minutes a sweep, which computes no forecast, and once a day the
// capacity look-ahead of the next 14 days, which releases nothing and logs
// one line of numbers.
func TestScheduledEventsSweepOrLookAhead(t *testing.T) {
	schedules, params := releaseStuckSchedules(t)
	sweep, daily := schedules["Sweep"], schedules["LookAhead"]
	if sweep.Expression != "rate(10 minutes)" {
		t.Errorf("sweep schedule %q, want rate(10 minutes)", sweep.Expression)
	}
	if daily.Expression != "LookAheadSchedule" || !regexp.MustCompile(`^cron\([0-9]+ [0-9]+ \* \* \? \*\)$`).MatchString(params["LookAheadSchedule"]) {
		t.Errorf("look-ahead schedule %q (default %q), want the parameter LookAheadSchedule holding a daily cron expression",
			daily.Expression, params["LookAheadSchedule"])
	}
	sample, err := os.ReadFile("../../events/capacity-look-ahead.json")
	if err != nil {
		t.Fatal(err)
	}

	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	day := func(d, hh int) time.Time { return time.Date(2026, 12, d, hh, 0, 0, 0, time.UTC) }
	env.AddLesson(t, "a", day(2, 10), day(2, 11))
	env.AddLesson(t, "b", day(2, 10), day(2, 11))
	env.AddLesson(t, "later-a", day(20, 10), day(20, 11)) // beyond the 14 days
	env.AddLesson(t, "later-b", day(20, 10), day(20, 11))
	var logs bytes.Buffer
	cfg := app.Config{Config: core.Config{TableName: env.Table, PoolID: "default", StartLease: core.DefaultStartLease}}
	a, err := app.New(context.Background(), cfg, env.Client, &zoom.Fake{}, slog.New(slog.NewJSONHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	a.Now = func() time.Time { return day(1, 6) }
	handler := a.Scheduled()

	var ev events.EventBridgeEvent
	if err := json.Unmarshal([]byte(sweep.Input), &ev); err != nil {
		t.Fatalf("sweep input %q: %v", sweep.Input, err)
	}
	res, err := handler(context.Background(), ev)
	if _, ok := res.(api.SweepResult); !ok || err != nil {
		t.Errorf("the sweep input answered %#v, %v; want a sweep's summary", res, err)
	}
	if got := messages(logLines(t, &logs)); len(got) != 1 || got[0] != "sweep" {
		t.Errorf("the sweep input logged %q, want one sweep line and no look-ahead", got)
	}

	for _, tc := range []struct {
		name, input string
	}{{"the template's look-ahead input", daily.Input}, {"events/capacity-look-ahead.json", string(sample)}} {
		var ev events.EventBridgeEvent
		if err := json.Unmarshal([]byte(tc.input), &ev); err != nil {
			t.Fatalf("%s %q: %v", tc.name, tc.input, err)
		}
		res, err := handler(context.Background(), ev)
		got, ok := res.(api.LookAheadResult)
		if !ok || err != nil || got.Status != "success" || got.OverCapacityIntervals != 1 || got.WorstShortfall != 1 ||
			got.WorstAt == nil || *got.WorstAt != "2026-12-02T10:00:00Z" || got.PeakDemand != 2 || got.Capacity != 1 ||
			got.Lessons != 2 || got.From != "2026-12-01T06:00:00Z" || got.To != "2026-12-15T06:00:00Z" {
			t.Errorf("%s answered %#v, %v; want 1 interval 1 short at 2026-12-02T10:00Z of the 14 days from 2026-12-01T06:00Z", tc.name, res, err)
		}
		lines := logLines(t, &logs)
		if len(lines) != 1 || lines[0]["msg"] != "capacity look-ahead" || lines[0]["level"] != "WARN" ||
			lines[0]["over_capacity_intervals"] != 1.0 || lines[0]["worst_shortfall"] != 1.0 || lines[0]["capacity"] != 1.0 {
			t.Errorf("%s logged %v, want one look-ahead line with its numbers and no sweep", tc.name, lines)
		}
	}
}
