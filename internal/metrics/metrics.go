// Package metrics writes Zoom Pool's CloudWatch metrics as Embedded Metric
// Format (EMF) log lines: JSON objects, written through the functions' own
// logger, whose "_aws" member tells CloudWatch Logs which of their members are
// metrics and which are dimensions. Lambda sends the lines to CloudWatch Logs,
// which extracts the metrics: no agent, no PutMetricData call, no permission
// beyond writing logs.
//
// Every metric carries the dimension Pool. The namespace names the deployment
// (the template sets ZoomPool/<stack name>), so that two stacks in one
// account keep their metrics apart.
package metrics

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"time"
)

// DefaultNamespace is the namespace when METRICS_NAMESPACE is not set.
const DefaultNamespace = "ZoomPool"

// The metrics, with the dimensions each carries besides Pool.
const (
	// Starts counts start requests by Outcome (started, restarted,
	// pool_exhausted, no_accounts, zoom_unavailable, too_early, or another
	// error code; error for faults of ours). StartLatency is their duration.
	Starts       = "Starts"
	StartLatency = "StartLatency"
	// ZoomCalls counts calls to Zoom by Operation and Outcome (ok,
	// not_found, transient, limited, needs_attention, rejected, timeout,
	// canceled); ZoomLatency is their duration by Operation. ZoomErrors is 1
	// for a failed call and 0 for another, in total and by Outcome.
	ZoomCalls   = "ZoomCalls"
	ZoomLatency = "ZoomLatency"
	ZoomErrors  = "ZoomErrors"
	// InUse is how many meeting slots hold a lesson, Capacity how many the
	// enabled accounts have (an account of capacity 2 has two).
	InUse    = "InUse"
	Capacity = "Capacity"
	// WebhookEvents counts Zoom's notifications by Outcome (released,
	// already_released, unknown_meeting, meeting_started, url_validation,
	// ignored, invalid_signature, not_configured, invalid_request, timeout,
	// error).
	WebhookEvents = "WebhookEvents"
	// SweepReleases counts the sweep's releases by Reason (lesson_ended,
	// claim_expired, orphan). SweepSucceeded is 1 for a sweep that did all
	// it had to and 0 for one that failed, SweepFailures the opposite, and
	// SweepFailedReleases counts the releases a sweep could not make.
	SweepReleases       = "SweepReleases"
	SweepSucceeded      = "SweepSucceeded"
	SweepFailures       = "SweepFailures"
	SweepFailedReleases = "SweepFailedReleases"
	// ForecastShortfall is the largest number of lessons a look ahead finds
	// without a slot at one moment, ForecastOverCapacity the number of
	// intervals where demand exceeds capacity.
	ForecastShortfall    = "ForecastShortfall"
	ForecastOverCapacity = "ForecastOverCapacity"
)

// Dimension names.
const (
	DimPool      = "Pool"
	DimOutcome   = "Outcome"
	DimOperation = "Operation"
	DimReason    = "Reason"
)

// Units, as CloudWatch names them.
const (
	unitCount        = "Count"
	unitMilliseconds = "Milliseconds"
)

// Recorder writes metrics for one pool. A nil *Recorder records nothing, so
// code paths without metrics (tests, tools) need no checks.
type Recorder struct {
	log       *slog.Logger
	namespace string
	pool      string
	// Now is the clock of the metrics' timestamps; time.Now when nil.
	Now func() time.Time
}

// New returns a Recorder that writes its lines to log, under namespace
// (DefaultNamespace when empty), for pool.
func New(log *slog.Logger, namespace, pool string) *Recorder {
	if namespace == "" {
		namespace = DefaultNamespace
	}
	return &Recorder{log: log, namespace: namespace, pool: pool}
}

// Namespace is the namespace the recorder writes to.
func (r *Recorder) Namespace() string { return r.namespace }

// Start records a start request's outcome and how long it took.
func (r *Recorder) Start(outcome string, took time.Duration) {
	r.emit(line{
		dims:       map[string]string{DimOutcome: outcome},
		values:     []metric{{Starts, unitCount, 1}, {StartLatency, unitMilliseconds, ms(took)}},
		directives: []directive{{sets: [][]string{{DimPool, DimOutcome}}, names: []string{Starts, StartLatency}}},
	})
}

// ZoomCall records a call to Zoom: its operation (create_meeting, ...), its
// outcome ("ok", "not_found", or a failure class), whether that outcome is an
// error, and how long it took.
func (r *Recorder) ZoomCall(operation, outcome string, failed bool, took time.Duration) {
	errs := 0.0
	errorSets := [][]string{{DimPool}}
	if failed {
		errs = 1
		errorSets = append(errorSets, []string{DimPool, DimOutcome})
	}
	r.emit(line{
		dims:   map[string]string{DimOperation: operation, DimOutcome: outcome},
		values: []metric{{ZoomCalls, unitCount, 1}, {ZoomLatency, unitMilliseconds, ms(took)}, {ZoomErrors, unitCount, errs}},
		directives: []directive{
			{sets: [][]string{{DimPool, DimOperation, DimOutcome}}, names: []string{ZoomCalls}},
			{sets: [][]string{{DimPool, DimOperation}}, names: []string{ZoomLatency}},
			{sets: errorSets, names: []string{ZoomErrors}},
		},
	})
}

// Occupancy records how many meeting slots are in use and how many the
// enabled accounts have, as last known.
func (r *Recorder) Occupancy(inUse, capacity int) {
	r.emit(poolLine(metric{InUse, unitCount, float64(inUse)}, metric{Capacity, unitCount, float64(capacity)}))
}

// Webhook records one of Zoom's notifications by its outcome.
func (r *Recorder) Webhook(outcome string) {
	r.emit(line{
		dims:       map[string]string{DimOutcome: outcome},
		values:     []metric{{WebhookEvents, unitCount, 1}},
		directives: []directive{{sets: [][]string{{DimPool, DimOutcome}}, names: []string{WebhookEvents}}},
	})
}

// Sweep records one sweep: its releases by reason (every reason given, zeros
// included, so that graphs and alarms see every sweep), the releases that
// failed, and whether the sweep failed.
func (r *Recorder) Sweep(released map[string]int, failedReleases int, failed bool) {
	for _, reason := range sortedKeys(released) {
		r.emit(line{
			dims:       map[string]string{DimReason: reason},
			values:     []metric{{SweepReleases, unitCount, float64(released[reason])}},
			directives: []directive{{sets: [][]string{{DimPool, DimReason}}, names: []string{SweepReleases}}},
		})
	}
	succeeded := 1.0
	if failed {
		succeeded = 0
	}
	r.emit(poolLine(metric{SweepSucceeded, unitCount, succeeded}, metric{SweepFailures, unitCount, 1 - succeeded},
		metric{SweepFailedReleases, unitCount, float64(failedReleases)}))
}

// Forecast records a look ahead at the pool's capacity: the number of
// intervals where more lessons overlap than the enabled accounts have slots,
// and the largest shortfall among them (0 when there is none).
func (r *Recorder) Forecast(overCapacity, worstShortfall int) {
	r.emit(poolLine(metric{ForecastOverCapacity, unitCount, float64(overCapacity)},
		metric{ForecastShortfall, unitCount, float64(worstShortfall)}))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

type metric struct {
	name  string
	unit  string
	value float64
}

// directive groups metrics under the same dimension sets.
type directive struct {
	sets  [][]string
	names []string
}

// line is one EMF document: its dimension values besides Pool, its metric
// values, and which dimension sets each metric is recorded under.
type line struct {
	dims       map[string]string
	values     []metric
	directives []directive
}

// poolLine is a line of metrics recorded under the dimension Pool alone.
func poolLine(values ...metric) line {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = v.name
	}
	return line{values: values, directives: []directive{{sets: [][]string{{DimPool}}, names: names}}}
}

// The EMF metadata, as the specification names its members.
type (
	emfMetadata struct {
		Timestamp         int64             `json:"Timestamp"`
		CloudWatchMetrics []metricDirective `json:"CloudWatchMetrics"`
	}
	metricDirective struct {
		Namespace  string             `json:"Namespace"`
		Dimensions [][]string         `json:"Dimensions"`
		Metrics    []metricDefinition `json:"Metrics"`
	}
	metricDefinition struct {
		Name string `json:"Name"`
		Unit string `json:"Unit"`
	}
)

// emit writes l as one log line: the logger's time, level and msg, then the
// metadata, the dimension values and the metric values as top-level members.
func (r *Recorder) emit(l line) {
	if r == nil || r.log == nil {
		return
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	units := map[string]string{}
	for _, v := range l.values {
		units[v.name] = v.unit
	}
	directives := make([]metricDirective, len(l.directives))
	for i, d := range l.directives {
		defs := make([]metricDefinition, len(d.names))
		for j, n := range d.names {
			defs[j] = metricDefinition{Name: n, Unit: units[n]}
		}
		directives[i] = metricDirective{Namespace: r.namespace, Dimensions: d.sets, Metrics: defs}
	}
	attrs := make([]slog.Attr, 0, 2+len(l.dims)+len(l.values))
	attrs = append(attrs,
		slog.Any("_aws", emfMetadata{Timestamp: now().UnixMilli(), CloudWatchMetrics: directives}),
		slog.String(DimPool, r.pool))
	for _, k := range sortedKeys(l.dims) {
		attrs = append(attrs, slog.String(k, l.dims[k]))
	}
	for _, v := range l.values {
		attrs = append(attrs, slog.Float64(v.name, v.value))
	}
	r.log.LogAttrs(context.Background(), slog.LevelInfo, "metrics", attrs...)
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
