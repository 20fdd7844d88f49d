package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool"
	"zoompool/internal/app"
	"zoompool/internal/sam"
	"zoompool/internal/zoom"
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

// runner is a local runner started by a test.
type runner struct {
	base   string
	banner string
	out    *syncBuffer
	stop   func() // Ctrl-C, and wait for it to stop
	// devKey is the runner's -dev-key; tokens are the banner's, by variable
	// (ADMIN, TEACHER, TEACHER2).
	devKey string
	tokens map[string]string
}

// startRunner runs the local runner with args on free ports until the test ends.
func startRunner(t *testing.T, args ...string) *runner {
	t.Helper()
	return startRunnerWith(t, func(string) string { return "" }, args...)
}

// bannerToken is a line of the banner that exports a token.
var bannerToken = regexp.MustCompile(`(?m)^  export ([A-Z0-9]+)='([^']+)'`)

// startRunnerWith is startRunner with the environment getenv.
func startRunnerWith(t *testing.T, getenv func(string) string, args ...string) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	devKey := filepath.Join(t.TempDir(), "dev-issuer.json")
	args = append([]string{"-addr", "127.0.0.1:0", "-dynamodb-addr", "127.0.0.1:0", "-dev-key", devKey}, args...)
	go func() { done <- run(ctx, args, getenv, out, ready) }()

	r := &runner{out: out, devKey: devKey, tokens: map[string]string{}}
	select {
	case r.base = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("runner stopped: %v\n%s", err, out.String())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("runner not ready after 30s:\n%s", out.String())
	}
	// The sweep and the look-ahead start logging as the runner gets ready, so
	// the banner is what precedes the first log line (a JSON object).
	r.banner = out.String()
	if i := strings.Index(r.banner, "\n{"); i >= 0 {
		r.banner = r.banner[:i+1]
	}
	for _, m := range bannerToken.FindAllStringSubmatch(r.banner, -1) {
		r.tokens[m[1]] = m[2]
	}
	stopped := false
	r.stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("runner stopped with %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("runner did not stop after Ctrl-C")
		}
	}
	t.Cleanup(r.stop)
	return r
}

func TestBannerCurlStartsTheDemoLesson(t *testing.T) {
	r := startRunner(t)
	base, banner := r.base, r.banner

	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tmpl.Functions {
		for _, r := range f.Routes {
			if r.Greedy() {
				continue // the twin that serves the trailing slash the banner shows
			}
			if !regexp.MustCompile(`(?m)^  ` + r.Method + ` +` + regexp.QuoteMeta(base+r.Path) + `/?$`).MatchString(banner) {
				t.Errorf("banner does not list %s", r)
			}
		}
	}

	// Each curl of the banner names the token it sends.
	curl := regexp.MustCompile(`curl -s (-X POST )?'?([^' ]+)'? -H "Authorization: Bearer \$([A-Z0-9]+)"`)
	curls := curl.FindAllStringSubmatch(banner, -1)
	if len(curls) != 3 {
		t.Fatalf("banner has %d curls with tokens, want 3 (start lesson 1, the calendar, start an occurrence):\n%s", len(curls), banner)
	}
	send := func(m []string) *http.Response {
		t.Helper()
		method := http.MethodGet
		if m[1] != "" {
			method = http.MethodPost
		}
		token, ok := r.tokens[m[3]]
		if !ok {
			t.Fatalf("banner's curl sends $%s, which the banner does not export", m[3])
		}
		req, _ := http.NewRequest(method, m[2], nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { res.Body.Close() })
		return res
	}
	res := send(curls[0])
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
	// its second start curl starts it.
	occurrence := strings.TrimSuffix(strings.TrimPrefix(curls[2][2], base+"/schedule/lesson/"), "/start/")
	calendar := send(curls[1])
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
	res = send(curls[2])
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != 200 || body.LessonID != occurrence {
		t.Errorf("banner's occurrence curl answered %d %+v (%v), want lesson %s started", res.StatusCode, body, err, occurrence)
	}

	r.stop()
	if !strings.Contains(r.out.String(), "shutting down") {
		t.Errorf("runner did not say it was shutting down:\n%s", r.out.String())
	}
}

func TestFlags(t *testing.T) {
	var out bytes.Buffer
	if _, err := parseFlags([]string{"-demo=false", "extra"}, &out); err == nil {
		t.Error("stray arguments were accepted")
	}
	o, err := parseFlags(nil, &out)
	if err != nil || o.addr != "127.0.0.1:3000" || !o.demo || o.sweepEvery != 10*time.Minute || o.insecureWebhooks ||
		o.engineAddr != "127.0.0.1:3001" || o.allowedOrigins != "" || o.devKey != defaultDevKeyFile() {
		t.Errorf("defaults: %+v %v", o, err)
	}
	if _, err := parseFlags([]string{"-sweep-every", "-1m"}, &out); err == nil {
		t.Error("a negative -sweep-every was accepted")
	}
	if _, err := parseFlags([]string{"-dynamodb-addr", "0.0.0.0:3001"}, &out); err == nil {
		t.Error("the embedded engine was allowed to listen beyond loopback")
	}
}

// post sends body to url with headers and decodes the JSON answer into v.
func post(t *testing.T, url, body string, header http.Header, v any) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	maps.Copy(req.Header, header)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(v); err != nil {
		t.Fatalf("POST %s answered %d, not JSON: %v", url, res.StatusCode, err)
	}
	return res.StatusCode
}

// bearer is the Authorization header of the banner's token variable.
func (r *runner) bearer(variable string) http.Header {
	return http.Header{"Authorization": {"Bearer " + r.tokens[variable]}}
}

func signedNow(secret, body string) http.Header {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	return http.Header{"X-Zm-Request-Timestamp": {ts}, "X-Zm-Signature": {zoom.Sign(secret, ts, []byte(body))}}
}

// The README's walkthrough: start lesson 1, end its meeting with a webhook
// signed with the local secret; start it again, let it overrun, and run the
// sweep as `make sweep` does.
func TestWebhookAndSweepAgainstTheRunner(t *testing.T) {
	r := startRunner(t)
	var started struct {
		MeetingData struct{ ID string } `json:"meeting_data"`
	}
	teacher := r.bearer("TEACHER")
	if status := post(t, r.base+"/schedule/lesson/1/start/", "", teacher, &started); status != 200 {
		t.Fatalf("start lesson 1: %d", status)
	}
	ended := `{"event":"meeting.ended","payload":{"object":{"id":"` + started.MeetingData.ID + `"}}}`
	webhook := r.base + "/schedule/webhook/zoom/"
	var answer map[string]any
	if status := post(t, webhook, ended, nil, &answer); status != http.StatusUnauthorized {
		t.Errorf("unsigned webhook: %d %v, want 401", status, answer)
	}
	status := post(t, webhook, ended, signedNow(app.LocalWebhookSecret, ended), &answer)
	if msg, _ := answer["message"].(string); status != 200 || answer["status"] != "success" || !strings.HasPrefix(msg, "Account Zoom Account ") {
		t.Errorf("webhook signed with the local secret: %d %v, want success", status, answer)
	}

	// Started again, and overrunning: its end moved 20 minutes into the past.
	if status := post(t, r.base+"/schedule/lesson/1/start/", "", teacher, &started); status != 200 {
		t.Fatalf("start lesson 1 again: %d", status)
	}
	patch := fmt.Sprintf(`{"start_time":%q,"end_time":%q}`,
		time.Now().Add(-time.Hour).UTC().Format(time.RFC3339), time.Now().Add(-20*time.Minute).UTC().Format(time.RFC3339))
	req, _ := http.NewRequest(http.MethodPatch, r.base+"/api/schedule/lessons/1/", strings.NewReader(patch))
	maps.Copy(req.Header, teacher)
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != 200 {
		t.Fatalf("move lesson 1 into the past: %v %v", res, err)
	}

	m := regexp.MustCompile("`make sweep ARGS=\"-dynamodb-addr ([0-9.:]+)\"`").FindStringSubmatch(r.banner)
	if m == nil {
		t.Fatalf("banner does not say how to sweep its table:\n%s", r.banner)
	}
	var out syncBuffer
	if err := sweepOnce(context.Background(), []string{"-dynamodb-addr", m[1]}, func(string) string { return "" }, &out); err != nil {
		t.Fatalf("sweep: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), `"msg":"released account"`) || !strings.Contains(out.String(), `"lesson_ended": 1`) {
		t.Errorf("sweep did not release lesson 1:\n%s", out.String())
	}
	req, _ = http.NewRequest(http.MethodGet, r.base+"/api/schedule/lessons/1/", nil)
	maps.Copy(req.Header, r.bearer("ADMIN"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var lesson map[string]any
	if err := json.NewDecoder(res.Body).Decode(&lesson); err != nil || lesson["status"] != "ended" {
		t.Errorf("lesson 1 after the sweep: %v %v, want ended", lesson, err)
	}
}

func TestInsecureWebhooksAcceptUnsignedRequests(t *testing.T) {
	r := startRunner(t, "-insecure-webhooks", "-demo=false")
	if !strings.Contains(r.banner, "accepts unsigned Zoom webhooks") {
		t.Errorf("banner does not warn about -insecure-webhooks:\n%s", r.banner)
	}
	var answer map[string]any
	body := `{"event":"meeting.ended","payload":{"object":{"id":81476667127}}}`
	if status := post(t, r.base+"/schedule/webhook/zoom", body, nil, &answer); status != 200 || answer["status"] != "ignored" {
		t.Errorf("unsigned webhook with -insecure-webhooks: %d %v, want 200 ignored", status, answer)
	}
}

func TestSweepWithoutARunnerSaysWhatIsMissing(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var out bytes.Buffer
	err = sweepOnce(context.Background(), []string{"-dynamodb-addr", addr}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "make run") {
		t.Errorf("sweep with no runner: %v, want an error asking whether `make run` runs", err)
	}
}

// scripts/zoom-webhook signs with the runner's local secret by default.
func TestWebhookScriptUsesTheLocalSecret(t *testing.T) {
	script, err := os.ReadFile("../../scripts/zoom-webhook")
	if err != nil {
		t.Fatal(err)
	}
	if want := "${ZOOM_WEBHOOK_SECRET_TOKEN:-" + app.LocalWebhookSecret + "}"; !strings.Contains(string(script), want) {
		t.Errorf("scripts/zoom-webhook does not default to the local secret: want %s", want)
	}
}
