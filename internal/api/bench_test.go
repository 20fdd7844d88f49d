package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
)

// BenchmarkStartLesson measures a whole start over HTTP (lesson read, pool
// query, claim, fake Zoom, commit) against the embedded engine, and a single
// GetItem through the same client in the same run, and reports both medians
// and their ratio.
//
// The embedded engine copies the whole table for every transaction and
// matches every key for a Query, so its latencies grow with the table (real
// DynamoDB's do not): the sub-benchmarks hold other lessons besides, and each
// iteration restarts the same lesson (an ended lesson may start again before
// its end) to keep the size steady.
func BenchmarkStartLesson(b *testing.B) {
	for _, others := range []int{0, 500} {
		b.Run(fmt.Sprintf("other-lessons=%d", others), func(b *testing.B) { benchmarkStart(b, others) })
	}
}

func benchmarkStart(b *testing.B, others int) {
	h := newHarness(b, 1)
	ctx := context.Background()
	now := time.Now()
	for i := range others {
		h.env.AddLesson(b, fmt.Sprintf("other-%d", i), now.Add(time.Duration(i)*time.Hour), now.Add(time.Duration(i)*time.Hour+45*time.Minute))
	}
	const id = "bench"
	h.env.AddLesson(b, id, now, now.Add(24*time.Hour))
	var starts, gets []time.Duration
	for b.Loop() {
		t0 := time.Now()
		r, _ := h.start(b, id)
		starts = append(starts, time.Since(t0))
		if r.status != http.StatusOK {
			b.Fatalf("start %s: %d %s", id, r.status, r.body)
		}

		t0 = time.Now()
		l, err := h.env.Store.Lesson(ctx, id)
		gets = append(gets, time.Since(t0))
		if err != nil {
			b.Fatal(err)
		}
		if err := h.env.Store.Release(ctx, pool.Release{AccountID: l.AccountID, LessonID: id, Token: l.HoldToken,
			LessonStatus: pool.StatusEnded, EndedAt: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	startP50, getP50 := median(starts), median(gets)
	b.ReportMetric(float64(startP50.Microseconds()), "start-p50-µs")
	b.ReportMetric(float64(getP50.Microseconds()), "getitem-p50-µs")
	b.ReportMetric(float64(startP50)/float64(getP50), "start/getitem")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// BenchmarkWebhookRelease measures a signed meeting.ended over HTTP (verify,
// meeting lookup, release transaction) against the embedded engine, next to
// other lessons as BenchmarkStartLesson does. Zoom waits 3 s for the answer.
func BenchmarkWebhookRelease(b *testing.B) {
	for _, others := range []int{0, 500} {
		b.Run(fmt.Sprintf("other-lessons=%d", others), func(b *testing.B) {
			h := newHarness(b, 1)
			now := time.Now()
			for i := range others {
				h.env.AddLesson(b, fmt.Sprintf("other-%d", i), now.Add(time.Duration(i)*time.Hour), now.Add(time.Duration(i)*time.Hour+45*time.Minute))
			}
			const id = "bench"
			h.env.AddLesson(b, id, now, now.Add(24*time.Hour))
			var releases []time.Duration
			for b.Loop() {
				r, s := h.start(b, id)
				if r.status != http.StatusOK {
					b.Fatalf("start %s: %d %s", id, r.status, r.body)
				}
				t0 := time.Now()
				r = h.webhook(b, meetingEvent("meeting.ended", `"`+s.MeetingData.ID+`"`, ""))
				releases = append(releases, time.Since(t0))
				if r.status != http.StatusOK {
					b.Fatalf("meeting.ended: %d %s", r.status, r.body)
				}
			}
			b.ReportMetric(float64(median(releases).Microseconds()), "webhook-p50-µs")
		})
	}
}
