package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"zoompool/internal/app"
	"zoompool/internal/app/calendar"
	"zoompool/internal/app/core"
	"zoompool/internal/app/webhook"
	"zoompool/internal/auth/authtest"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/zoom"
)

// anchor is the configured start of an upper week: the Monday of the week
// that holds 1 September 2026.
var anchor = pool.Date{Year: 2026, Month: time.August, Day: 31}

// harness is the whole HTTP API, as the local runner serves it, on a fresh
// table, with the fake Zoom, behind the local gateway, which checks tokens of
// the test identity provider as API Gateway's JWT authorizer would.
type harness struct {
	env  *pooltest.Env
	zoom *zoom.Fake // nil on another Zoom client
	app  *app.App
	srv  *httptest.Server
	idp  *authtest.IdP
	// token is sent as "Authorization: Bearer <token>" with every request
	// that carries no Authorization header of its own; "" sends none. It is
	// an admin's unless the harness was made with as, asTeacher, asUser or
	// anonymous.
	token string
	// log is what the functions logged, their metrics included.
	log *logBuffer
}

// harnessFeedKey signs the harness's calendar feed links.
const harnessFeedKey = "harness-calendar-feed-key-0123456789"

// adminSub is the subject of the harness's default caller, an admin.
const adminSub = "admin-1"

// testBudget bounds the harness's webhooks, the releases they send and the
// capacity checks behind calendar writes, in place of api.WebhookTimeout,
// pool.DefaultReleaseTimeout and api.WarningsTimeout: a safety net that a
// loaded machine never reaches. The webhook's own budget is tested on a
// table that never answers (localstack.Stall).
const testBudget = 30 * time.Second

// patient gives a's budgets testBudget.
func patient(a *app.App) {
	a.WebhookTimeout, a.WarningsTimeout, a.Releaser.ReleaseTimeout = testBudget, testBudget, testBudget
}

func newHarness(t testing.TB, capacities ...int) *harness {
	t.Helper()
	return newHarnessOn(t, &zoom.Fake{}, capacities...)
}

// newHarnessOn is newHarness with the Zoom client z, such as the live client
// pointed at the Zoom double (zoomtest.Server.Client).
func newHarnessOn(t testing.TB, z pool.Zoom, capacities ...int) *harness {
	t.Helper()
	return newHarnessWith(t, z, nil, capacities...)
}

// newHarnessWith is newHarnessOn with its configuration changed by configure.
func newHarnessWith(t testing.TB, z pool.Zoom, configure func(*app.Config), capacities ...int) *harness {
	t.Helper()
	env := pooltest.New(t)
	env.AddAccounts(t, capacities...)
	fake, _ := z.(*zoom.Fake)
	cfg := app.Config{
		Config: core.Config{TableName: env.Table, PoolID: "default", StartLease: core.DefaultStartLease,
			StartEarly: core.DefaultStartEarly, UpperWeekAnchor: anchor},
		Webhook: webhook.Config{Secret: webhookSecret}, Calendar: calendar.Config{FeedKey: harnessFeedKey}}
	if configure != nil {
		configure(&cfg)
	}
	log := &logBuffer{}
	a, err := app.New(context.Background(), cfg, env.Client, z, core.NewLogger(log))
	if err != nil {
		t.Fatal(err)
	}
	patient(a)
	idp := authtest.New(t)
	gw, err := localstack.NewGateway(a.HTTPFunctions(), localstack.GatewayOptions{Verifier: idp.Verifier, Log: a.Log})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gw)
	t.Cleanup(srv.Close)
	h := &harness{env: env, zoom: fake, app: a, srv: srv, idp: idp, log: log}
	return h.asAdmin(t)
}

// as returns the harness acting with token ("" for none).
func (h *harness) as(token string) *harness {
	c := *h
	c.token = token
	return &c
}

// signIn returns a token of the test identity provider for sub with roles,
// as Cognito puts the groups of a user in cognito:groups.
func (h *harness) signIn(t testing.TB, sub string, roles ...string) string {
	t.Helper()
	return h.idp.Token(t, sub, map[string]any{"cognito:groups": roles})
}

// asAdmin returns the harness acting as the admin adminSub.
func (h *harness) asAdmin(t testing.TB) *harness { return h.as(h.signIn(t, adminSub, "admin")) }

// asTeacher returns the harness acting as the teacher whose teacher id (and
// sub) is id.
func (h *harness) asTeacher(t testing.TB, id string) *harness {
	return h.as(h.signIn(t, id, "teacher"))
}

// asUser returns the harness acting as a signed-in user sub without a role.
func (h *harness) asUser(t testing.TB, sub string) *harness { return h.as(h.signIn(t, sub)) }

// anonymous returns the harness sending no token.
func (h *harness) anonymous() *harness { return h.as("") }

// feedPath asks for the caller's private calendar link (with filters, a
// query such as "teacher_id=t1") and returns its path and query.
func (h *harness) feedPath(t testing.TB, filters string) string {
	t.Helper()
	r := h.do(t, http.MethodGet, "/api/schedule/calendar/feed-url/?"+filters, nil)
	var out struct {
		URL string `json:"url"`
	}
	r.json(t, &out)
	u, err := url.Parse(out.URL)
	if r.status != http.StatusOK || err != nil || u.Host != strings.TrimPrefix(h.srv.URL, "http://") {
		t.Fatalf("feed-url: %d %s (%v), want a link to %s", r.status, r.body, err, h.srv.URL)
	}
	return u.RequestURI()
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into v, failing the test if it is not JSON.
func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("response %d is not JSON: %v\n%s", r.status, err, r.body)
	}
}

// apiError is the error shape every failure answers with.
type apiError struct {
	Status  string `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func (r response) error(t testing.TB) apiError {
	t.Helper()
	var e apiError
	r.json(t, &e)
	if e.Status != "error" || e.Error == "" || e.Message == "" {
		t.Fatalf("error response %d lacks status/error/message: %s", r.status, r.body)
	}
	return e
}

func (h *harness) do(t testing.TB, method, path string, body any) response {
	t.Helper()
	return h.doWithHeaders(t, method, path, body, nil)
}

func (h *harness) doWithHeaders(t testing.TB, method, path string, body any, header http.Header) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

type started struct {
	Status      string `json:"status"`
	LessonID    string `json:"lesson_id"`
	ZoomAccount string `json:"zoom_account"`
	MeetingData struct {
		ID       string `json:"id"`
		StartURL string `json:"start_url"`
		JoinURL  string `json:"join_url"`
		Password string `json:"password"`
	} `json:"meeting_data"`
}

func (h *harness) start(t testing.TB, id string) (response, started) {
	t.Helper()
	r := h.do(t, http.MethodPost, "/schedule/lesson/"+id+"/start/", nil)
	var s started
	if r.status == http.StatusOK {
		r.json(t, &s)
	}
	return r, s
}

// webhookSecret is the Zoom secret token of the harness's webhook.
const webhookSecret = "harness-webhook-secret-token"

// signed returns the headers Zoom sends with body at time at, signed with secret.
func signed(secret string, at time.Time, body string) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	return http.Header{
		"Content-Type":           {"application/json"},
		"X-Zm-Request-Timestamp": {ts},
		"X-Zm-Signature":         {zoom.Sign(secret, ts, []byte(body))},
	}
}

// webhook posts body to the Zoom webhook as Zoom would, signed now.
func (h *harness) webhook(t testing.TB, body string) response {
	t.Helper()
	return h.doWithHeaders(t, http.MethodPost, "/schedule/webhook/zoom/", body, signed(webhookSecret, time.Now(), body))
}

// webhookAnswer is the answer to a meeting event.
type webhookAnswer struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	Event     string `json:"event"`
	LessonID  string `json:"lesson_id"`
	MeetingID string `json:"meeting_id"`
}

// meetingEvent is the body of a meeting event about meeting id (a JSON string
// or number, written as is), with extra fields of payload.object.
func meetingEvent(event, id string, extra string) string {
	return `{"event":"` + event + `","event_ts":1796029200000,"payload":{"account_id":"AbC","object":{"id":` + id +
		`,"uuid":"4444AAAiAAAAAiAiAiiAii==","host_id":"x1yCzABCDEfg","topic":"Lesson","type":2` + extra + `}}}`
}

// crashed runs start on a goroutine of its own and waits until it stops: a
// start that the test makes stop midway (runtime.Goexit in a Zoom hook), as
// a crashed function would, runs nothing more.
func crashed(start func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		start()
	}()
	<-done
}
