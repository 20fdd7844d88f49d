package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool"
	"zoompool/internal/sam"
)

// syncBuffer is a bytes.Buffer that the runner's logger and the test can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBannerCurlStartsTheDemoLesson(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	getenv := func(string) string { return "" }
	go func() { done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, getenv, &out, ready) }()

	var base string
	select {
	case base = <-ready:
	case err := <-done:
		t.Fatalf("runner stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("runner not ready after 30s:\n%s", out.String())
	}
	banner := out.String()

	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tmpl.Functions {
		for _, r := range f.Routes {
			if !regexp.MustCompile(`(?m)^  ` + r.Method + ` +` + regexp.QuoteMeta(base+r.Path) + `/?$`).MatchString(banner) {
				t.Errorf("banner does not list %s", r)
			}
		}
	}

	m := regexp.MustCompile(`curl -s -X POST (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("banner has no curl to start lesson 1:\n%s", banner)
	}
	res, err := http.Post(m[1], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Status      string `json:"status"`
		LessonID    string `json:"lesson_id"`
		ZoomAccount string `json:"zoom_account"`
		MeetingData struct {
			JoinURL string `json:"join_url"`
		} `json:"meeting_data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || body.Status != "success" || body.LessonID != "1" ||
		!strings.HasPrefix(body.ZoomAccount, "Zoom Account ") || !strings.Contains(body.MeetingData.JoinURL, "pwd=") {
		t.Errorf("banner's curl answered %d %+v", res.StatusCode, body)
	}

	// The banner's calendar lists today's occurrence of the demo series, and
	// its second curl starts it.
	m = regexp.MustCompile(`curl -s '(\S+/api/schedule/calendar/\S+)'`).FindStringSubmatch(banner)
	starts := regexp.MustCompile(`curl -s -X POST (\S+)`).FindAllStringSubmatch(banner, -1)
	if m == nil || len(starts) != 2 {
		t.Fatalf("banner has no calendar curl and occurrence start:\n%s", banner)
	}
	occurrence := strings.TrimSuffix(strings.TrimPrefix(starts[1][1], base+"/schedule/lesson/"), "/start/")
	calendar, err := http.Get(m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer calendar.Body.Close()
	var events []struct {
		ID string `json:"id"`
	}
	err = json.NewDecoder(calendar.Body).Decode(&events)
	listed := false
	for _, e := range events {
		listed = listed || e.ID == occurrence
	}
	if err != nil || !listed {
		t.Errorf("banner's calendar answered %d %+v (%v), want it to list %s", calendar.StatusCode, events, err, occurrence)
	}
	res, err = http.Post(starts[1][1], "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 || body.LessonID != occurrence {
		t.Errorf("banner's occurrence curl answered %d %+v (%v), want lesson %s started", res.StatusCode, body, err, occurrence)
	}

	cancel() // Ctrl-C
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("runner stopped with %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("runner did not stop after Ctrl-C")
	}
	if !strings.Contains(out.String(), "shutting down") {
		t.Errorf("runner did not say it was shutting down:\n%s", out.String())
	}
}

func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseFlags([]string{"-demo=false", "extra"}, &out); err == nil {
		t.Error("stray arguments were accepted")
	}
	o, err := parseFlags(nil, &out)
	if err != nil || o.addr != "127.0.0.1:3000" || !o.demo {
		t.Errorf("defaults: %+v %v", o, err)
	}
}
