package zoom_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

// BenchmarkCreateMeeting measures, in one run, a create through the live
// client against the Zoom double over HTTP (token cached) next to the fake,
// and reports both medians, the live client's added latency, and how many
// tokens 100 creates fetch, one after another and 50 at a time.
func BenchmarkCreateMeeting(b *testing.B) {
	d, c := benchClient(b)
	fake := &zoom.Fake{}
	ctx := context.Background()
	var live, faked []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
			b.Fatal(err)
		}
		live = append(live, time.Since(t0))
		t0 = time.Now()
		if _, err := fake.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
			b.Fatal(err)
		}
		faked = append(faked, time.Since(t0))
	}
	liveP50, fakeP50 := median(live), median(faked)
	b.ReportMetric(float64(liveP50.Microseconds()), "live-p50-µs")
	b.ReportMetric(float64(fakeP50.Microseconds()), "fake-p50-µs")
	b.ReportMetric(float64((liveP50 - fakeP50).Microseconds()), "added-p50-µs")

	b.StopTimer()
	d, c = benchClient(b)
	for range 100 {
		if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(d.TokenFetches()), "tokens/100-sequential")
	d, c = benchClient(b)
	for range 2 {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(d.TokenFetches()), "tokens/100-50-concurrent")
}

func benchClient(b *testing.B) (*zoomtest.Server, *zoom.Client) {
	d, c := newClientTB(b, zoom.Config{})
	d.DailyCreateLimit = 1 << 30
	return d, c
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
