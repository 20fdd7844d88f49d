package calendar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/api"
	"zoompool/internal/app/calendar"
	appcore "zoompool/internal/app/core"
	"zoompool/internal/pooltest"
	"zoompool/internal/secrets/secretstest"
)

const keyParameter = "/zoom-pool/calendar-feed-key"

// calendarFunction builds the calendar function as calendar.FromEnv does on a
// cold start, with its feed key in the SSM parameter of a double of SSM, and
// a clock the test moves.
func calendarFunction(t *testing.T, ssm *secretstest.Server, clock *time.Time) (*api.Router, *bytes.Buffer) {
	t.Helper()
	secretstest.InRegion(t)
	env := pooltest.New(t)
	vars := ssm.Environment()
	vars["TABLE_NAME"], vars["DYNAMODB_ENDPOINT"], vars["CALENDAR_FEED_KEY_PARAMETER"] = env.Table, env.Engine.Endpoint, keyParameter
	getenv := func(k string) string { return vars[k] }
	var log bytes.Buffer
	base, err := appcore.FromEnv(getenv, &log)
	if err != nil {
		t.Fatal(err)
	}
	base.Now = func() time.Time { return *clock }
	cfg, err := calendar.ConfigFromEnv(getenv)
	if err != nil {
		t.Fatal(err)
	}
	return calendar.Handler(base, base.Planner(), cfg), &log
}

// get sends GET target through the Lambda adapter as a signed-in teacher
// (the claims of events/calendar-feed-url.json), and returns the status and
// body.
func get(t *testing.T, h *api.Router, target string) (int, string) {
	t.Helper()
	raw, err := os.ReadFile("../../../events/calendar-feed-url.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.RawPath, ev.RawQueryString, _ = strings.Cut(target, "?")
	ev.RequestContext.HTTP.Path = ev.RawPath
	res, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Body
}

// link asks for the teacher's calendar link and returns its path and query.
func link(t *testing.T, h *api.Router) string {
	t.Helper()
	status, body := get(t, h, "/api/schedule/calendar/feed-url/")
	var out struct{ URL string }
	if err := json.Unmarshal([]byte(body), &out); status != http.StatusOK || err != nil {
		t.Fatalf("feed-url: %d %s", status, body)
	}
	u, err := url.Parse(out.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// The feed key is read from SSM when a link is first made or checked, not at
// a cold start. Until its parameter exists links are off; while SSM fails
// they are unavailable; a new key takes effect within the cache's five
// minutes and revokes the links of the old one.
func TestFeedKeyFromSSMWhileTheFunctionRuns(t *testing.T) {
	ssm := secretstest.NewServer(t)
	clock := time.Now()
	h, log := calendarFunction(t, ssm, &clock)
	if n := ssm.Calls(keyParameter); n != 0 {
		t.Errorf("the key was read %d times while the function started, want never", n)
	}
	if status, body := get(t, h, "/api/schedule/calendar/feed-url/"); status != http.StatusServiceUnavailable || !strings.Contains(body, "feeds_not_configured") {
		t.Errorf("without the parameter: %d %s, want 503 feeds_not_configured", status, body)
	}
	if !strings.Contains(log.String(), keyParameter) {
		t.Errorf("the log does not name the missing parameter:\n%s", log)
	}

	ssm.PutParameter(keyParameter, "the-first-key-of-thirty-two-chars")
	clock = clock.Add(2 * time.Minute) // past the minute a missing parameter is taken as missing
	ssm.Fail(10)
	if status, body := get(t, h, "/api/schedule/calendar/feed-url/"); status != http.StatusServiceUnavailable || !strings.Contains(body, "feeds_unavailable") {
		t.Errorf("while SSM fails: %d %s, want 503 feeds_unavailable", status, body)
	}
	ssm.Fail(0)
	first := link(t, h)
	if status, body := get(t, h, first); status != http.StatusOK || !strings.Contains(body, "BEGIN:VCALENDAR") {
		t.Fatalf("the link: %d %s", status, body)
	}

	ssm.PutParameter(keyParameter, "the-second-key-of-thirty-two-chars")
	if status, _ := get(t, h, first); status != http.StatusOK {
		t.Errorf("right after the new key, the old link: %d, want 200 (the cached key)", status)
	}
	clock = clock.Add(6 * time.Minute)
	if status, body := get(t, h, first); status != http.StatusNotFound {
		t.Errorf("six minutes after the new key, the old link: %d %s, want 404", status, body)
	}
	if status, _ := get(t, h, link(t, h)); status != http.StatusOK {
		t.Errorf("a link of the new key: %d, want 200", status)
	}
}
