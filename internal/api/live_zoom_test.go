package api_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

// newLiveHarness is the HTTP API with the live Zoom client, calling the Zoom
// double over HTTP.
func newLiveHarness(t testing.TB, cfg zoom.Config, capacities ...int) (*harness, *zoomtest.Server) {
	t.Helper()
	d := zoomtest.NewServer(t)
	if cfg.Backoff == 0 {
		cfg.Backoff, cfg.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	}
	cfg.Log = slog.New(slog.DiscardHandler)
	return newHarnessOn(t, d.Client(t, cfg), capacities...), d
}

func TestStartCreatesTheMeetingInZoom(t *testing.T) {
	h, d := newLiveHarness(t, zoom.Config{}, 1, 1)
	ids := h.env.AddLessons(t, 2)
	var meetings []string
	for _, id := range ids {
		r, s := h.start(t, id)
		if r.status != http.StatusOK {
			t.Fatalf("start %s: %d %s", id, r.status, r.body)
		}
		held, ok := d.Meeting(s.MeetingData.ID)
		if lesson, _ := zoom.LessonOfAgenda(held.Agenda); !ok || lesson != id || held.Topic != "Lesson "+id ||
			s.MeetingData.JoinURL != held.JoinURL || s.MeetingData.Password != held.Password {
			t.Errorf("start %s answered %+v; Zoom holds %+v", id, s.MeetingData, held)
		}
		meetings = append(meetings, s.MeetingData.ID)
	}
	if held := d.Meetings(); len(held) != 2 || held[0].UserID == held[1].UserID {
		t.Errorf("Zoom holds %+v, want one meeting on each account's user", held)
	}
	// Starting a live lesson again answers its meeting and creates nothing.
	if r, s := h.start(t, ids[0]); r.status != http.StatusOK || s.MeetingData.ID != meetings[0] || len(d.Meetings()) != 2 {
		t.Errorf("restart: %d %s with %d meetings in Zoom", r.status, r.body, len(d.Meetings()))
	}
	pooltest.CheckInvariants(t, h.env.Store, ids...)
}

// 100 starts in a row, and 50 at once, each fetch one token.
func TestStartsShareOneToken(t *testing.T) {
	t.Run("100 in a row", func(t *testing.T) {
		h, d := newLiveHarness(t, zoom.Config{}, 1)
		now := time.Now()
		h.env.AddLesson(t, "again", now.Add(-time.Minute), now.Add(time.Hour))
		for range 100 {
			if r, _ := h.start(t, "again"); r.status != http.StatusOK {
				t.Fatalf("start: %d %s", r.status, r.body)
			}
			release(t, h, "again")
		}
		if n, m := d.TokenFetches(), len(d.Meetings()); n != 1 || m != 100 {
			t.Errorf("100 starts fetched %d tokens and made %d meetings, want 1 and 100", n, m)
		}
	})
	t.Run("50 at once", func(t *testing.T) {
		capacities := make([]int, 25)
		for i := range capacities {
			capacities[i] = 2
		}
		h, d := newLiveHarness(t, zoom.Config{}, capacities...)
		ids := h.env.AddLessons(t, 50)
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				if r, _ := h.start(t, id); r.status != http.StatusOK {
					t.Errorf("start %s: %d %s", id, r.status, r.body)
				}
			})
		}
		wg.Wait()
		if n, m := d.TokenFetches(), len(d.Meetings()); n != 1 || m != 50 {
			t.Errorf("50 concurrent starts fetched %d tokens and made %d meetings, want 1 and 50", n, m)
		}
		pooltest.CheckInvariants(t, h.env.Store, ids...)
	})
}

// release ends lesson id's loan, as the webhook would.
func release(t testing.TB, h *harness, id string) {
	t.Helper()
	l, err := h.env.Store.Lesson(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.env.Store.Release(context.Background(), pool.Release{AccountID: l.AccountID, LessonID: id, Token: l.HoldToken,
		LessonStatus: pool.StatusEnded, EndedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

func TestZoomFaultsThroughTheLiveClient(t *testing.T) {
	t.Run("Zoom down: 502, the account back, no meeting left", func(t *testing.T) {
		h, d := newLiveHarness(t, zoom.Config{Attempts: 2}, 1)
		ids := h.env.AddLessons(t, 1)
		d.Inject(zoomtest.ServerError(zoomtest.OpCreate, 0))
		r, _ := h.start(t, ids[0])
		if e := r.error(t); r.status != http.StatusBadGateway || e.Error != "zoom_unavailable" {
			t.Errorf("start while Zoom answers 500: %d %s, want 502 zoom_unavailable", r.status, e.Error)
		}
		if n := len(d.Meetings()); n != 0 {
			t.Errorf("Zoom holds %d meetings", n)
		}
		pooltest.CheckInvariants(t, h.env.Store, ids...)
		d.ClearFaults()
		if r, _ := h.start(t, ids[0]); r.status != http.StatusOK {
			t.Errorf("start once Zoom is back: %d %s", r.status, r.body)
		}
	})
	t.Run("a create whose answer is lost after creating: one meeting", func(t *testing.T) {
		h, d := newLiveHarness(t, zoom.Config{}, 1)
		ids := h.env.AddLessons(t, 1)
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, After: true, Drop: true})
		r, s := h.start(t, ids[0])
		if r.status != http.StatusOK {
			t.Fatalf("start: %d %s", r.status, r.body)
		}
		if held := d.Meetings(); len(held) != 1 || fmt.Sprint(held[0].ID) != s.MeetingData.ID {
			t.Errorf("Zoom holds %+v, want only meeting %s", held, s.MeetingData.ID)
		}
		pooltest.CheckInvariants(t, h.env.Store, ids...)
	})
	t.Run("a Zoom user that does not exist: 502 and the account back", func(t *testing.T) {
		h, d := newLiveHarness(t, zoom.Config{}, 1)
		ids := h.env.AddLessons(t, 1)
		d.RemoveUser("zoom-user-1@example.com")
		if r, _ := h.start(t, ids[0]); r.status != http.StatusBadGateway {
			t.Errorf("start: %d %s, want 502", r.status, r.body)
		}
		pooltest.CheckInvariants(t, h.env.Store, ids...)
	})
}

// BenchmarkStartLessonLiveZoom measures whole starts over HTTP in one run:
// with the fake Zoom, and with the live client against the Zoom double over
// HTTP, and reports both medians and the live client's added latency.
func BenchmarkStartLessonLiveZoom(b *testing.B) {
	fake := newHarness(b, 1)
	live, d := newLiveHarness(b, zoom.Config{}, 1)
	d.DailyCreateLimit = 1 << 30 // the benchmark makes more meetings than Zoom lets one user make a day
	now := time.Now()
	for _, h := range []*harness{fake, live} {
		h.env.AddLesson(b, "bench", now, now.Add(24*time.Hour))
	}
	var took [2][]time.Duration
	for b.Loop() {
		for i, h := range []*harness{fake, live} {
			t0 := time.Now()
			if r, _ := h.start(b, "bench"); r.status != http.StatusOK {
				b.Fatalf("start: %d %s", r.status, r.body)
			}
			took[i] = append(took[i], time.Since(t0))
			release(b, h, "bench")
		}
	}
	fakeP50, liveP50 := median(took[0]), median(took[1])
	b.ReportMetric(float64(fakeP50.Microseconds()), "start-fake-p50-µs")
	b.ReportMetric(float64(liveP50.Microseconds()), "start-live-p50-µs")
	b.ReportMetric(float64((liveP50 - fakeP50).Microseconds()), "added-p50-µs")
}
