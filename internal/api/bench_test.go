package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"zoompool/internal/pool"
)

// BenchmarkStartLesson measures a whole start over HTTP (lesson read, pool
// query, claim, fake Zoom, commit) against the embedded engine, and a single
// GetItem through the same client in the same run, and reports both medians
// and their ratio.
//
// The sub-benchmarks hold other lessons besides (real DynamoDB's latencies do
// not depend on them, and BenchmarkTableSize checks that the embedded
// engine's do not either), and each iteration restarts the same lesson (an
// ended lesson may start again before its end) to keep the size steady.
func BenchmarkStartLesson(b *testing.B) {
	for _, others := range []int{0, 500} {
		b.Run(fmt.Sprintf("other-lessons=%d", others), func(b *testing.B) { benchmarkStart(b, others) })
	}
}

func benchmarkStart(b *testing.B, others int) {
	h := newBenchHarness(b, others)
	var starts, gets []time.Duration
	for b.Loop() {
		starts = append(starts, timeStart(b, h))
		gets = append(gets, releaseBenchLesson(b, h))
	}
	startP50, getP50 := median(starts), median(gets)
	b.ReportMetric(float64(startP50.Microseconds()), "start-p50-µs")
	b.ReportMetric(float64(getP50.Microseconds()), "getitem-p50-µs")
	b.ReportMetric(float64(startP50)/float64(getP50), "start/getitem")
}

// BenchmarkWebhookRelease measures a signed meeting.ended over HTTP (verify,
// meeting lookup, release transaction) against the embedded engine, next to
// other lessons as BenchmarkStartLesson does. Zoom waits 3 s for the answer.
func BenchmarkWebhookRelease(b *testing.B) {
	for _, others := range []int{0, 500} {
		b.Run(fmt.Sprintf("other-lessons=%d", others), func(b *testing.B) {
			h := newBenchHarness(b, others)
			var releases []time.Duration
			for b.Loop() {
				releases = append(releases, timeWebhookRelease(b, h))
			}
			b.ReportMetric(float64(median(releases).Microseconds()), "webhook-p50-µs")
		})
	}
}

// largeTable is about the lessons of a large school's year.
const largeTable = 20_000

// BenchmarkTableSize checks locally what DynamoDB promises: latencies that do
// not grow with the table. Its seed sub-benchmark adds largeTable lessons to
// a table through the store (goal: seconds, not minutes; on a machine shared
// with other work, the CPU time per lesson tells more than the clock; seeding
// takes longer than -benchtime 2s, so it runs once, but -benchtime Nx seeds N
// tables). The start and webhook sub-benchmarks then alternate the same
// operation on the last table and on an empty one, and report both medians
// and their ratio (goal: at most 1.5).
func BenchmarkTableSize(b *testing.B) {
	empty := newBenchHarness(b, 0)
	var full *harness
	b.Run("seed", func(sb *testing.B) {
		cpu := processCPU()
		for sb.Loop() {
			full = newBenchHarness(cleanupWithParent{sb, b}, largeTable)
		}
		lessons := float64(sb.N * largeTable)
		cpuPerLesson := float64((processCPU() - cpu).Microseconds()) / lessons
		sb.ReportMetric(float64(sb.Elapsed().Microseconds())/lessons, "µs/lesson")
		// Engine and client share the process: this is what a lesson costs both.
		sb.ReportMetric(cpuPerLesson, "cpu-µs/lesson")
		perTable := sb.Elapsed() / time.Duration(sb.N)
		sb.Logf("goal flat engine, seeding: %d lessons in %.1f s, %.0f µs of CPU each (seconds, not minutes): %s",
			largeTable, perTable.Seconds(), cpuPerLesson, verdict(perTable < time.Minute))
	})
	if full == nil { // -bench skipped seed
		full = newBenchHarness(b, largeTable)
	}

	ops := []struct {
		name string
		time func(testing.TB, *harness) time.Duration
	}{
		{"start", func(b testing.TB, h *harness) time.Duration {
			d := timeStart(b, h)
			releaseBenchLesson(b, h)
			return d
		}},
		{"webhook", timeWebhookRelease},
	}
	for _, op := range ops {
		b.Run(op.name, func(b *testing.B) {
			var onEmpty, onFull []time.Duration
			emptyFirst := true
			for b.Loop() {
				// Take turns going first, so that neither pays for what the
				// other leaves behind.
				if emptyFirst {
					onEmpty = append(onEmpty, op.time(b, empty))
				}
				onFull = append(onFull, op.time(b, full))
				if !emptyFirst {
					onEmpty = append(onEmpty, op.time(b, empty))
				}
				emptyFirst = !emptyFirst
			}
			e, f := median(onEmpty), median(onFull)
			b.ReportMetric(float64(e.Microseconds()), "p50-µs-empty")
			b.ReportMetric(float64(f.Microseconds()), fmt.Sprintf("p50-µs-%d", largeTable))
			b.ReportMetric(float64(f)/float64(e), "ratio")
			ratio := float64(f) / float64(e)
			b.Logf("goal flat engine, %s: p50 with %d lessons %v, with none %v: ratio %.2f (at most 1.5): %s",
				op.name, largeTable, f.Round(time.Microsecond), e.Round(time.Microsecond), ratio, verdict(ratio <= 1.5))
		})
	}
}

// verdict says whether a goal of the performance benchmarks was met, as
// `make bench` collects them from lines that start "goal ".
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

// cleanupWithParent is a sub-benchmark whose cleanups run when its parent
// ends, so that what it builds outlives it.
type cleanupWithParent struct {
	*testing.B
	parent *testing.B
}

func (c cleanupWithParent) Cleanup(f func()) { c.parent.Cleanup(f) }

// benchLesson is the lesson the benchmarks start again and again.
const benchLesson = "bench"

// seedWriters is how many lessons newBenchHarness writes at once, as an
// import would.
const seedWriters = 8

// newBenchHarness is a pool of one account with benchLesson, which may start
// now and for a day, and others lessons besides: spread over a year, 200
// teachers and 100 groups, and written through the store.
func newBenchHarness(b testing.TB, others int) *harness {
	b.Helper()
	h := newHarness(b, 1)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, seedWriters)
	for w := range seedWriters {
		wg.Go(func() {
			for i := w; i < others; i += seedWriters {
				start := now.Add(time.Duration(i) * 26 * time.Minute)
				if _, err := h.env.Store.PutLesson(ctx, pool.Lesson{
					ID: fmt.Sprintf("other-%d", i), Title: "Lesson", Status: pool.StatusScheduled,
					TeacherID: fmt.Sprintf("teacher-%d", i%200), GroupID: fmt.Sprintf("group-%d", i%100),
					Start: start, End: start.Add(45 * time.Minute),
				}); err != nil {
					errs <- fmt.Errorf("add lesson %d: %w", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	h.env.AddLesson(b, benchLesson, now, now.Add(24*time.Hour))
	return h
}

// timeStart starts benchLesson over HTTP and returns how long that took.
func timeStart(b testing.TB, h *harness) time.Duration {
	t0 := time.Now()
	r, _ := h.start(b, benchLesson)
	d := time.Since(t0)
	if r.status != http.StatusOK {
		b.Fatalf("start %s: %d %s", benchLesson, r.status, r.body)
	}
	return d
}

// releaseBenchLesson releases the started benchLesson through the store and
// returns how long reading the lesson (one GetItem) took.
func releaseBenchLesson(b testing.TB, h *harness) time.Duration {
	ctx := context.Background()
	t0 := time.Now()
	l, err := h.env.Store.Lesson(ctx, benchLesson)
	d := time.Since(t0)
	if err != nil {
		b.Fatal(err)
	}
	if err := h.env.Store.Release(ctx, pool.Release{AccountID: l.AccountID, LessonID: benchLesson, Token: l.HoldToken,
		LessonStatus: pool.StatusEnded, EndedAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	return d
}

// timeWebhookRelease starts benchLesson, then times the signed meeting.ended
// that releases it.
func timeWebhookRelease(b testing.TB, h *harness) time.Duration {
	r, s := h.start(b, benchLesson)
	if r.status != http.StatusOK {
		b.Fatalf("start %s: %d %s", benchLesson, r.status, r.body)
	}
	t0 := time.Now()
	r = h.webhook(b, meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, ""))
	d := time.Since(t0)
	if r.status != http.StatusOK {
		b.Fatalf("meeting.ended: %d %s", r.status, r.body)
	}
	return d
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
