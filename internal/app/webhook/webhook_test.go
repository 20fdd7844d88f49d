package webhook_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool/internal/app/core"
	"zoompool/internal/app/webhook"
	"zoompool/internal/pooltest"
	"zoompool/internal/secrets/secretstest"
	"zoompool/internal/zoom"
)

// safeBuffer is a log the handlers and the test share.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// webhookFunction builds the zoom-webhook function as webhook.FromEnv does on
// a cold start, with the secret token in the SSM parameter of a double of
// SSM, and a clock the test moves.
func webhookFunction(t *testing.T, ssm *secretstest.Server, clock *time.Time) (http.Handler, *safeBuffer) {
	t.Helper()
	secretstest.InRegion(t)
	env := pooltest.New(t)
	vars := ssm.Environment()
	vars["TABLE_NAME"], vars["DYNAMODB_ENDPOINT"] = env.Table, env.Engine.Endpoint
	vars["ZOOM_WEBHOOK_SECRET_PARAMETER"] = "/zoom-pool/zoom-webhook-secret-token"
	getenv := func(k string) string { return vars[k] }
	log := &safeBuffer{}
	base, err := core.FromEnv(getenv, log)
	if err != nil {
		t.Fatal(err)
	}
	base.Now = func() time.Time { return *clock }
	// A safety net in place of the function's budget of 1.5 s, which a
	// loaded machine could turn into a 503 while SSM is asked.
	base.WebhookTimeout = time.Minute
	return webhook.Handler(base, base.Releaser(), webhook.ConfigFromEnv(getenv)), log
}

// validate sends endpoint.url_validation signed with secret at now and
// returns the status.
func validate(t *testing.T, h http.Handler, secret string, now time.Time) int {
	t.Helper()
	body := `{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"}}`
	ts := strconv.FormatInt(now.Unix(), 10)
	req := httptest.NewRequest(http.MethodPost, "/schedule/webhook/zoom/", strings.NewReader(body))
	req.Header.Set(zoom.TimestampHeader, ts)
	req.Header.Set(zoom.SignatureHeader, zoom.Sign(secret, ts, []byte(body)))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

// A rotated webhook secret token takes effect within the cache's lifetime,
// in the same running function: no cold start, no redeploy.
func TestWebhookSecretRotatesWithoutAColdStart(t *testing.T) {
	ssm := secretstest.NewServer(t)
	ssm.PutParameter("/zoom-pool/zoom-webhook-secret-token", "first-token")
	clock := time.Now()
	h, _ := webhookFunction(t, ssm, &clock)
	if got := validate(t, h, "first-token", clock); got != 200 {
		t.Fatalf("signed with the token in SSM: %d, want 200", got)
	}
	ssm.PutParameter("/zoom-pool/zoom-webhook-secret-token", "second-token")
	if got := validate(t, h, "first-token", clock); got != 200 {
		t.Errorf("right after the rotation, the cached token: %d, want 200", got)
	}
	clock = clock.Add(6 * time.Minute)
	if got := validate(t, h, "second-token", clock); got != 200 {
		t.Errorf("six minutes after the rotation, the new token: %d, want 200", got)
	}
	if got := validate(t, h, "first-token", clock); got != 401 {
		t.Errorf("six minutes after the rotation, the old token: %d, want 401", got)
	}
}

// Until the parameter exists every notification is refused, and every
// refusal says so in the log, naming the parameter; SSM is asked again
// after a while, not for every request.
func TestMissingWebhookSecretIsLoggedOnEveryRefusal(t *testing.T) {
	ssm := secretstest.NewServer(t)
	clock := time.Now()
	h, log := webhookFunction(t, ssm, &clock)
	for i := range 3 {
		if got := validate(t, h, "some-token", clock); got != 401 {
			t.Errorf("request %d without the parameter: %d, want 401", i, got)
		}
	}
	refusals := strings.Count(log.String(), `"msg":"Zoom webhook refused: no secret token is configured`)
	if refusals != 3 || !strings.Contains(log.String(), "/zoom-pool/zoom-webhook-secret-token") {
		t.Errorf("%d refusals logged, want 3 naming the parameter:\n%s", refusals, log.String())
	}
	if n := ssm.Calls("/zoom-pool/zoom-webhook-secret-token"); n != 1 {
		t.Errorf("SSM was asked %d times for the missing parameter, want once", n)
	}
	ssm.PutParameter("/zoom-pool/zoom-webhook-secret-token", "created-later")
	clock = clock.Add(2 * time.Minute)
	if got := validate(t, h, "created-later", clock); got != 200 {
		t.Errorf("two minutes after the parameter was created: %d, want 200", got)
	}
}
