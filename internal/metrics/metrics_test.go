package metrics_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"zoompool/internal/metrics"
)

// units CloudWatch accepts in a MetricDefinition's Unit.
var units = []string{
	"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
	"Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count",
	"Bytes/Second", "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second",
	"Bits/Second", "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}

// metricValue is an extracted metric: its dimensions and value.
type metricValue struct {
	Namespace  string
	Name       string
	Unit       string
	Dimensions map[string]string
	Value      float64
}

func (m metricValue) String() string {
	var dims []string
	for _, k := range slices.Sorted(maps.Keys(m.Dimensions)) {
		dims = append(dims, k+"="+m.Dimensions[k])
	}
	return fmt.Sprintf("%s %s{%s}=%g %s", m.Namespace, m.Name, strings.Join(dims, ","), m.Value, m.Unit)
}

// checkEMF checks one log line against the CloudWatch embedded metric format
// specification and returns the metrics CloudWatch would extract from it.
func checkEMF(raw []byte, now time.Time) ([]metricValue, error) {
	fail := func(format string, args ...any) ([]metricValue, error) {
		return nil, fmt.Errorf("not EMF: "+format+"\n%s", append(args, raw)...)
	}
	if len(raw) > 256*1024 {
		return fail("%d bytes, over the 256 KB of a log event", len(raw))
	}
	// The message is one JSON object with nothing before or after it.
	var root map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&root); err != nil || dec.More() {
		return fail("the line is not one JSON object (%v)", err)
	}
	var meta map[string]json.RawMessage
	if err := json.Unmarshal(root["_aws"], &meta); err != nil {
		return fail("_aws is not an object")
	}
	for k := range meta {
		if k != "Timestamp" && k != "CloudWatchMetrics" {
			return fail("_aws has the member %q, which the specification does not define", k)
		}
	}
	var ts json.Number
	if err := json.Unmarshal(meta["Timestamp"], &ts); err != nil {
		return fail("_aws.Timestamp is not a number")
	}
	ms, err := ts.Int64()
	if err != nil || time.UnixMilli(ms).Sub(now).Abs() > time.Minute {
		return fail("_aws.Timestamp %s is not the milliseconds since 1970 of now", ts)
	}
	var directives []map[string]json.RawMessage
	if err := json.Unmarshal(meta["CloudWatchMetrics"], &directives); err != nil || len(directives) == 0 {
		return fail("_aws.CloudWatchMetrics is not a non-empty array of objects")
	}
	var out []metricValue
	for _, d := range directives {
		for k := range d {
			if k != "Namespace" && k != "Dimensions" && k != "Metrics" {
				return fail("a MetricDirective has the member %q", k)
			}
		}
		var ns string
		if err := json.Unmarshal(d["Namespace"], &ns); err != nil || ns == "" || len(ns) > 255 || strings.HasPrefix(ns, ":") {
			return fail("Namespace %s is not a string of 1 to 255 characters", d["Namespace"])
		}
		var sets [][]string
		if err := json.Unmarshal(d["Dimensions"], &sets); err != nil || sets == nil {
			return fail("Dimensions is not an array of DimensionSets (arrays of strings)")
		}
		var defs []map[string]json.RawMessage
		if err := json.Unmarshal(d["Metrics"], &defs); err != nil || len(defs) == 0 || len(defs) > 100 {
			return fail("Metrics is not an array of 1 to 100 MetricDefinitions")
		}
		for _, set := range sets {
			if len(set) > 30 {
				return fail("a DimensionSet has %d keys, over 30", len(set))
			}
			for _, key := range set {
				var v string
				if err := json.Unmarshal(root[key], &v); err != nil {
					return fail("dimension %q has no string member at the root", key)
				}
				if key == "" || len(key) > 255 || v == "" || len(v) > 1024 || strings.TrimSpace(v) == "" {
					return fail("dimension %q=%q: names are 1-255 and values 1-1024 characters, not blank", key, v)
				}
				for _, r := range key + v {
					if r < 0x20 || r > 0x7e {
						return fail("dimension %q=%q holds a character that is not printable ASCII", key, v)
					}
				}
			}
		}
		for _, def := range defs {
			for k := range def {
				if k != "Name" && k != "Unit" && k != "StorageResolution" {
					return fail("a MetricDefinition has the member %q", k)
				}
			}
			var name, unit string
			if err := json.Unmarshal(def["Name"], &name); err != nil || name == "" || len(name) > 255 {
				return fail("a MetricDefinition's Name is not a string of 1 to 255 characters")
			}
			if u, ok := def["Unit"]; ok {
				if err := json.Unmarshal(u, &unit); err != nil || !slices.Contains(units, unit) {
					return fail("metric %s has the unit %s, which CloudWatch does not know", name, u)
				}
			}
			if sr, ok := def["StorageResolution"]; ok && string(sr) != "1" && string(sr) != "60" {
				return fail("metric %s has StorageResolution %s, not 1 or 60", name, sr)
			}
			var values []float64
			var one float64
			switch target := root[name]; {
			case json.Unmarshal(target, &one) == nil:
				values = []float64{one}
			case json.Unmarshal(target, &values) == nil && len(values) > 0 && len(values) <= 100:
			default:
				return fail("metric %s has no number (or array of up to 100 numbers) at the root", name)
			}
			for _, set := range sets {
				dims := map[string]string{}
				for _, key := range set {
					if key == name {
						return fail("%s is both a dimension and a metric", name)
					}
					var v string
					_ = json.Unmarshal(root[key], &v)
					dims[key] = v
				}
				for _, v := range values {
					out = append(out, metricValue{Namespace: ns, Name: name, Unit: unit, Dimensions: dims, Value: v})
				}
			}
		}
	}
	return out, nil
}

// record runs f on a recorder and returns the metrics its lines carry.
func record(t *testing.T, f func(r *metrics.Recorder)) []string {
	t.Helper()
	var buf bytes.Buffer
	r := metrics.New(slog.New(slog.NewJSONHandler(&buf, nil)), "ZoomPool/test-stack", "default")
	now := time.Now()
	f(r)
	var got []string
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var line struct {
			Msg   string `json:"msg"`
			Level string `json:"level"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil || line.Msg != "metrics" || line.Level != "INFO" {
			t.Errorf("metrics line is not a log line like the others (msg metrics, level INFO): %s", sc.Bytes())
		}
		ms, err := checkEMF(sc.Bytes(), now)
		if err != nil {
			t.Error(err)
		}
		for _, m := range ms {
			got = append(got, m.String())
		}
	}
	return got
}

func TestLinesFollowTheEmbeddedMetricFormat(t *testing.T) {
	const ns = "ZoomPool/test-stack "
	for _, tc := range []struct {
		name   string
		record func(r *metrics.Recorder)
		want   []string
	}{
		{"start", func(r *metrics.Recorder) { r.Start("started", 1500*time.Microsecond) }, []string{
			ns + "Starts{Outcome=started,Pool=default}=1 Count",
			ns + "StartLatency{Outcome=started,Pool=default}=1.5 Milliseconds",
		}},
		{"zoom call", func(r *metrics.Recorder) { r.ZoomCall("create_meeting", "ok", false, 250*time.Millisecond) }, []string{
			ns + "ZoomCalls{Operation=create_meeting,Outcome=ok,Pool=default}=1 Count",
			ns + "ZoomLatency{Operation=create_meeting,Pool=default}=250 Milliseconds",
			ns + "ZoomErrors{Pool=default}=0 Count",
		}},
		{"failed zoom call", func(r *metrics.Recorder) { r.ZoomCall("create_meeting", "transient", true, time.Second) }, []string{
			ns + "ZoomCalls{Operation=create_meeting,Outcome=transient,Pool=default}=1 Count",
			ns + "ZoomLatency{Operation=create_meeting,Pool=default}=1000 Milliseconds",
			ns + "ZoomErrors{Pool=default}=1 Count",
			ns + "ZoomErrors{Outcome=transient,Pool=default}=1 Count",
		}},
		{"occupancy", func(r *metrics.Recorder) { r.Occupancy(2, 4) }, []string{
			ns + "InUse{Pool=default}=2 Count",
			ns + "Capacity{Pool=default}=4 Count",
		}},
		{"webhook", func(r *metrics.Recorder) { r.Webhook("invalid_signature") }, []string{
			ns + "WebhookEvents{Outcome=invalid_signature,Pool=default}=1 Count",
		}},
		{"sweep", func(r *metrics.Recorder) {
			r.Sweep(map[string]int{"lesson_ended": 2, "claim_expired": 0, "orphan": 1}, 1, true)
		}, []string{
			ns + "SweepReleases{Pool=default,Reason=claim_expired}=0 Count",
			ns + "SweepReleases{Pool=default,Reason=lesson_ended}=2 Count",
			ns + "SweepReleases{Pool=default,Reason=orphan}=1 Count",
			ns + "SweepSucceeded{Pool=default}=0 Count",
			ns + "SweepFailures{Pool=default}=1 Count",
			ns + "SweepFailedReleases{Pool=default}=1 Count",
		}},
		{"forecast", func(r *metrics.Recorder) { r.Forecast(3, 2) }, []string{
			ns + "ForecastOverCapacity{Pool=default}=3 Count",
			ns + "ForecastShortfall{Pool=default}=2 Count",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := record(t, tc.record)
			if !slices.Equal(got, tc.want) {
				t.Errorf("extracted\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
		})
	}
}

// The checker itself refuses what the specification forbids, so the test
// above can fail.
func TestCheckerRefusesBrokenDocuments(t *testing.T) {
	now := time.Now()
	ts := now.UnixMilli()
	for name, doc := range map[string]string{
		"no _aws":            `{"Pool":"p","Starts":1}`,
		"no timestamp":       `{"_aws":{"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts"}]}]},"Pool":"p","Starts":1}`,
		"seconds, not ms":    fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts"}]}]},"Pool":"p","Starts":1}`, ts/1000),
		"missing dimension":  fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts"}]}]},"Starts":1}`, ts),
		"metric as a string": fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts"}]}]},"Pool":"p","Starts":"1"}`, ts),
		"unknown unit":       fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts","Unit":"ms"}]}]},"Pool":"p","Starts":1}`, ts),
		"text after it":      fmt.Sprintf(`{"_aws":{"Timestamp":%d,"CloudWatchMetrics":[{"Namespace":"n","Dimensions":[["Pool"]],"Metrics":[{"Name":"Starts"}]}]},"Pool":"p","Starts":1} x`, ts),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := checkEMF([]byte(doc), now); err == nil {
				t.Errorf("the checker accepted %s", doc)
			}
		})
	}
}

func TestNilRecorderRecordsNothing(t *testing.T) {
	var r *metrics.Recorder
	r.Start("started", time.Second)
	r.Occupancy(1, 2)
	r.Sweep(map[string]int{"orphan": 1}, 0, false)
}
