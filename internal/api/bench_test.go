package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
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
	// The functions write each log line to a file, as Lambda's do to
	// standard output, rather than keep all of them in memory as tests do.
	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { devNull.Close() })
	h.log.to = devNull
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

// roundTrips groups calls (one request's DynamoDB requests, in any order)
// into the round trips they made one after another: requests whose times
// overlap were in flight together and make one round trip. It returns how
// long each round trip took, in order.
func roundTrips(calls []localstack.Call) []time.Duration {
	calls = slices.Clone(calls)
	slices.SortFunc(calls, func(a, b localstack.Call) int { return a.Start.Compare(b.Start) })
	var trips []time.Duration
	var start, end time.Time
	for i, c := range calls {
		if i > 0 && c.Start.Before(end) {
			end = later(end, c.End)
			continue
		}
		if i > 0 {
			trips = append(trips, end.Sub(start))
		}
		start, end = c.Start, c.End
	}
	if len(calls) > 0 {
		trips = append(trips, end.Sub(start))
	}
	return trips
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// BenchmarkStartOverhead measures what a start adds to its requests: whole
// starts as Lambda runs the start function (an API Gateway event through the
// Lambda adapter, the handler and the start flow, with the fake Zoom), next
// to the requests each made one after another: its DynamoDB round trips
// (requests in flight together make one round trip, from the first sent to
// the last answered) and its Zoom call. It reports the median start over the
// median of those sums (goal: at most 1.1).
//
// Then it adds 5 ms of network latency to every DynamoDB request, as a
// table in the same region has, and reports a start's median and the round
// trips it makes (goal: 3), and the same ratio as above; with that latency,
// requests sent together always overlap, so the count is exact.
func BenchmarkStartOverhead(b *testing.B) {
	h := newBenchHarness(b, 0)
	zoom := &timedZoom{Zoom: h.app.Service.Zoom}
	h.app.Service.Zoom = zoom
	handler := httpadapter.NewV2(h.app.StartLesson())
	ev := startEvent(b, benchLesson)
	start := func() (took time.Duration, trips []time.Duration) {
		h.env.Engine.Trace(true)
		t0 := time.Now()
		res, err := handler.ProxyWithContext(context.Background(), ev)
		took = time.Since(t0)
		trips = roundTrips(h.env.Engine.Calls())
		h.env.Engine.Trace(false)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("start: %v %d %s", err, res.StatusCode, res.Body)
		}
		releaseBenchLesson(b, h)
		return took, trips
	}
	var starts, sums []time.Duration
	for b.Loop() {
		took, trips := start()
		sum := zoom.last
		for _, t := range trips {
			sum += t
		}
		starts, sums = append(starts, took), append(sums, sum)
	}
	startP50, sumP50 := median(starts), median(sums)
	b.ReportMetric(float64(startP50.Microseconds()), "start-p50-µs")
	b.ReportMetric(float64(sumP50.Microseconds()), "requests-p50-µs")
	b.ReportMetric(float64(startP50)/float64(sumP50), "start/requests")
	overhead := float64(startP50) / float64(sumP50)
	b.Logf("goal start overhead: start p50 %v, its DynamoDB round trips and Zoom call one after another p50 %v: ratio %.2f (at most 1.1): %s",
		startP50.Round(time.Microsecond), sumP50.Round(time.Microsecond), overhead, verdict(overhead <= 1.1))

	const latency = 5 * time.Millisecond
	h.env.Engine.SetLatency(latency)
	defer h.env.Engine.SetLatency(0)
	var slow []time.Duration
	n := 0
	var slowSums []time.Duration
	for range 20 {
		took, trips := start()
		slow, n = append(slow, took), len(trips)
		sum := zoom.last
		for _, t := range trips {
			sum += t
		}
		slowSums = append(slowSums, sum)
	}
	b.ReportMetric(float64(median(slow).Microseconds()), "start-5ms-latency-p50-µs")
	b.ReportMetric(float64(n), "round-trips")
	b.Logf("goal start round trips: with %v latency per DynamoDB request, start p50 %v in %d round trips (at most 3): %s",
		latency, median(slow).Round(time.Microsecond), n, verdict(n <= 3))
	b.Logf("with that latency, the start's round trips and Zoom call one after another p50 %v: start ÷ requests %.2f",
		median(slowSums).Round(time.Microsecond), float64(median(slow))/float64(median(slowSums)))
}

// timedZoom is a pool.Zoom that times its last CreateMeeting.
type timedZoom struct {
	pool.Zoom
	last time.Duration
}

func (z *timedZoom) CreateMeeting(ctx context.Context, a pool.Account, l pool.Lesson, claim string) (pool.Meeting, error) {
	t0 := time.Now()
	m, err := z.Zoom.CreateMeeting(ctx, a, l, claim)
	z.last = time.Since(t0)
	return m, err
}

// startEvent is the API Gateway event of an admin's start of lesson id, as
// the start function receives it: events/start-lesson.json, for id, with the
// claims of an admin.
func startEvent(tb testing.TB, id string) events.APIGatewayV2HTTPRequest {
	tb.Helper()
	raw, err := os.ReadFile("../../events/start-lesson.json")
	if err != nil {
		tb.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		tb.Fatal(err)
	}
	ev.RawPath = "/schedule/lesson/" + id + "/start/"
	ev.RequestContext.HTTP.Path, ev.PathParameters["id"] = ev.RawPath, id
	claims := ev.RequestContext.Authorizer.JWT.Claims
	claims["sub"], claims["cognito:username"], claims["cognito:groups"] = adminSub, adminSub, "[admin]"
	return ev
}

// The race of many starts for a small pool: every one of raceLessons
// lessons is started twice (a double click), in random order, by
// raceClients clients at once, on 20 accounts of capacity 1 and 5 of
// capacity 2.
const (
	raceLessons = 120
	raceClients = 32
)

var raceCapacities = append(slices.Repeat([]int{1}, 20), 2, 2, 2, 2, 2)

// claimRace runs the race on a fresh pool and returns the claims that
// succeeded and the claim transactions that failed (any TransactWriteItems
// DynamoDB refused; the fake Zoom never fails, so only claims can).
func claimRace(tb testing.TB) (claims, failed int) {
	tb.Helper()
	h := newHarness(tb, raceCapacities...)
	ids := h.env.AddLessons(tb, raceLessons)
	requests := append(slices.Clone(ids), ids...)
	rand.Shuffle(len(requests), func(i, j int) { requests[i], requests[j] = requests[j], requests[i] })
	queue := make(chan string, len(requests))
	for _, id := range requests {
		queue <- id
	}
	close(queue)
	h.env.Engine.Trace(true)
	var wg sync.WaitGroup
	for range raceClients {
		wg.Go(func() {
			for id := range queue {
				if r, _ := h.start(tb, id); r.status != http.StatusOK && r.status != http.StatusTooManyRequests {
					tb.Errorf("start %s: %d %s", id, r.status, r.body)
				}
			}
		})
	}
	wg.Wait()
	transactions := 0
	for _, c := range h.env.Engine.Calls() {
		if c.Op == "TransactWriteItems" {
			transactions++
			if c.Status != http.StatusOK {
				failed++
			}
		}
	}
	h.env.Engine.Trace(false)
	pooltest.CheckInvariants(tb, h.env.Store, ids...)
	accounts, err := h.env.Store.Pool(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	for _, a := range accounts {
		claims += len(a.Holds)
	}
	slots := 0
	for _, c := range raceCapacities {
		slots += c
	}
	if claims != slots || h.zoom.Created() != slots || transactions-failed != 2*slots {
		tb.Errorf("the race made %d claims and %d meetings with %d transactions (%d failed), want %d, %d and %d",
			claims, h.zoom.Created(), transactions, failed, slots, slots, 2*slots+failed)
	}
	return claims, failed
}

// racesPerRound is how many races one round of BenchmarkClaimRace runs:
// one race is a few seconds, and its ratio varies from race to race.
const racesPerRound = 5

// BenchmarkClaimRace runs the race of many starts for a small pool, five
// times a round, and reports the failed claim transactions per successful
// claim (goal: at most 1.0; each failed transaction costs write capacity on
// DynamoDB).
func BenchmarkClaimRace(b *testing.B) {
	claims, failed := 0, 0
	for b.Loop() {
		for range racesPerRound {
			c, f := claimRace(b)
			claims, failed = claims+c, failed+f
		}
	}
	ratio := float64(failed) / float64(claims)
	b.ReportMetric(ratio, "failed-claims/claim")
	b.Logf("goal spread claims: %d start requests for %d lessons from %d clients on %d accounts: %.2f failed claim transactions per claim (at most 1.0): %s",
		2*raceLessons, raceLessons, raceClients, len(raceCapacities), ratio, verdict(ratio <= 1.0))
}
