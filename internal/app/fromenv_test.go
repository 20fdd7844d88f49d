package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/api"
	"zoompool/internal/app/accounts"
	"zoompool/internal/app/calendar"
	"zoompool/internal/app/start"
	"zoompool/internal/app/sweep"
	"zoompool/internal/app/webhook"
	"zoompool/internal/pooltest"
	"zoompool/internal/secrets/secretstest"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

// Each function built from its environment, as its main builds it at a cold
// start (the template's variables, with the secrets in a double of SSM and
// Secrets Manager, AWS's settings as Lambda gives them, and the live Zoom
// client calling the Zoom double), answers its sample event through the
// Lambda adapter; the secrets are read when first needed.
func TestFunctionsFromTheirEnvironment(t *testing.T) {
	secretstest.InRegion(t)
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	env.AddLesson(t, "1", time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	ssm := secretstest.NewServer(t)
	ssm.PutParameter("/zoom-pool/zoom-webhook-secret-token", "the-webhook-secret-token")
	ssm.PutParameter("/zoom-pool/calendar-feed-key", "the-calendar-feed-key-0123456789")
	ssm.PutSecret("zoom-pool/zoom/default", `{"account_id":"double-account","client_id":"double-client","client_secret":"double-secret"}`)
	zd := zoomtest.NewServer(t)
	vars := ssm.Environment()
	for k, v := range map[string]string{"TABLE_NAME": env.Table, "DYNAMODB_ENDPOINT": env.Engine.Endpoint,
		"ZOOM_WEBHOOK_SECRET_PARAMETER": "/zoom-pool/zoom-webhook-secret-token",
		"CALENDAR_FEED_KEY_PARAMETER":   "/zoom-pool/calendar-feed-key",
		"ZOOM_CLIENT":                   "live", "ZOOM_API_URL": zd.APIURL(), "ZOOM_OAUTH_URL": zd.OAuthURL(),
		"ZOOM_CREDENTIALS": "zoom-pool/zoom/default", "ZOOM_CREDENTIALS_PREFIX": "zoom-pool/zoom/"} {
		vars[k] = v
	}
	getenv := func(k string) string { return vars[k] }
	var logs bytes.Buffer
	build := map[string]func() (*api.Router, error){
		"start-lesson.json":      func() (*api.Router, error) { return start.FromEnv(getenv, &logs) },
		"calendar-feed-url.json": func() (*api.Router, error) { return calendar.FromEnv(getenv, &logs) },
		"accounts-list.json":     func() (*api.Router, error) { return accounts.FromEnv(getenv, &logs) },
		"zoom-webhook-url-validation.json": func() (*api.Router, error) {
			return webhook.FromEnv(getenv, &logs)
		},
	}
	for file, fn := range build {
		t.Run(file, func(t *testing.T) {
			h, err := fn()
			if err != nil {
				t.Fatal(err)
			}
			ev := sampleEvent(t, file)
			if ev.Headers["x-zm-signature"] != "" { // signed now, with the token in SSM
				ts := strconv.FormatInt(time.Now().Unix(), 10)
				ev.Headers["x-zm-request-timestamp"] = ts
				ev.Headers["x-zm-signature"] = zoom.Sign("the-webhook-secret-token", ts, []byte(ev.Body))
			}
			res, err := httpadapter.NewV2(h).ProxyWithContext(context.Background(), ev)
			if err != nil || res.StatusCode != http.StatusOK {
				t.Errorf("answered %d %s, %v\nlog:\n%s", res.StatusCode, res.Body, err, logs.String())
			}
			if file == "calendar-feed-url.json" && !strings.Contains(res.Body, "calendar.ics?token=") {
				t.Errorf("no feed link: %s", res.Body)
			}
		})
	}
	t.Run("release-stuck.json", func(t *testing.T) {
		h, err := sweep.FromEnv(getenv, &logs)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile("../../events/release-stuck.json")
		if err != nil {
			t.Fatal(err)
		}
		var ev events.EventBridgeEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		res, err := h(context.Background(), ev)
		if r, ok := res.(api.SweepResult); !ok || err != nil || r.Status != "success" {
			t.Errorf("answered %#v, %v", res, err)
		}
	})
	for _, name := range []string{"/zoom-pool/calendar-feed-key", "/zoom-pool/zoom-webhook-secret-token", "zoom-pool/zoom/default"} {
		if n := ssm.Calls(name); n != 1 {
			t.Errorf("%s was read %d times, want once", name, n)
		}
	}
	if n := zd.TokenFetches(); n != 1 {
		t.Errorf("the start fetched %d Zoom tokens, want 1 (with the credentials in Secrets Manager)", n)
	}
	pooltest.CheckInvariants(t, env.Store, "1")
}

// sampleEvent is the HTTP API event of events/file.
func sampleEvent(t *testing.T, file string) events.APIGatewayV2HTTPRequest {
	t.Helper()
	raw, err := os.ReadFile("../../events/" + file)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	return ev
}
