package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

// setItem sets string attributes of the item pk/sk behind the store's back,
// as a hand edit or an old record would leave them.
func (h *harness) setItem(t *testing.T, pk, sk string, set map[string]string) {
	t.Helper()
	var exprs []string
	names, values := map[string]string{}, map[string]types.AttributeValue{}
	for k, v := range set {
		exprs = append(exprs, "#"+k+" = :"+k)
		names["#"+k] = k
		values[":"+k] = &types.AttributeValueMemberS{Value: v}
	}
	_, err := h.env.Client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{
		TableName: &h.env.Table, Key: itemKey(pk, sk), UpdateExpression: aws.String("SET " + strings.Join(exprs, ", ")),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// item reads an item behind the store's back; nil when there is none.
func (h *harness) item(t *testing.T, pk, sk string) map[string]types.AttributeValue {
	t.Helper()
	out, err := h.env.Client.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: &h.env.Table, Key: itemKey(pk, sk), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func itemKey(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
}

// logTo sends the app's logs (the store's included) to a buffer.
func (h *harness) logTo() *syncWriter {
	w := &syncWriter{w: &bytes.Buffer{}}
	log := slog.New(slog.NewJSONHandler(w, nil))
	h.app.Log, h.app.Store.Log, h.app.Service.Log, h.app.Releaser.Log = log, log, log, log
	return w
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

// Every time the API accepts lies between 2000 and 2100: a UTC year outside
// 0000-9999 could be stored but never read back.
func TestTimesOutsideTheWindowAreRefused(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	h.env.AddLesson(t, "live", now.Add(-time.Minute), now.Add(time.Hour))
	if r, _ := h.start(t, "live"); r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	h.addRecurring(t, `"id":"phys"`)
	lesson := `"title":"T","teacher_id":"t","group_id":"g"`
	series := `"title":"T","teacher_id":"t","group_id":"g","weekday":1,"start_time":"09:00","duration_minutes":45,"timezone":"America/Los_Angeles"`
	for _, tc := range []struct {
		name, method, path, body, mention string
	}{
		{"lesson in year 0 (UTC year -1)", "POST", "/api/schedule/lessons/", `{` + lesson + `,"start_time":"0000-01-01T00:00:00+01:00","end_time":"0000-01-01T00:30:00+01:00"}`, "start_time"},
		{"live lesson moved to year 10000 UTC", "PATCH", "/api/schedule/lessons/live/", `{"start_time":"9999-12-31T23:00:00-02:00","end_time":"9999-12-31T23:30:00-02:00"}`, "start_time"},
		{"lesson ending in 2100", "PATCH", "/api/schedule/lessons/live/", `{"start_time":"2099-12-31T23:00:00Z","end_time":"2100-01-01T00:30:00Z"}`, "end_time"},
		{"lesson in 1999", "POST", "/api/schedule/lessons/", `{` + lesson + `,"start_time":"1999-12-31T09:00:00Z","end_time":"1999-12-31T10:00:00Z"}`, "2000-01-01"},
		{"series from 9999", "POST", "/api/schedule/recurring-lessons/", `{` + series + `,"valid_from":"9999-12-01"}`, "valid_from"},
		{"series until 9999", "PATCH", "/api/schedule/recurring-lessons/phys/", `{"valid_until":"9999-12-31"}`, "valid_until"},
		{"series from year 0", "POST", "/api/schedule/recurring-lessons/", `{` + series + `,"valid_from":"0000-01-03"}`, "valid_from"},
		{"cancelled date in 1999", "PATCH", "/api/schedule/recurring-lessons/phys/", `{"cancelled_dates":["1999-12-27"]}`, "cancelled_dates"},
		{"cancel an occurrence in 9999", "POST", "/api/schedule/recurring-lessons/phys/cancelled-dates/", `{"date":"9999-12-27"}`, "9999-12-27"},
		{"occurrence in 9999", "POST", "/schedule/lesson/phys@9999-12-27/start/", ``, "9999-12-27"},
		{"lessons from year 1", "GET", "/api/schedule/lessons/?start=0001-01-01&end=0001-01-08", ``, "start"},
		{"calendar in 9999", "GET", "/api/schedule/calendar/?start=9999-12-01&end=9999-12-08", ``, "start"},
		{"calendar into 2100", "GET", "/api/schedule/calendar/?start=2099-12-01&end=2100-01-08", ``, "end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			if e := r.error(t); r.status != http.StatusBadRequest || e.Error != "invalid_request" || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %d %s %q, want 400 invalid_request mentioning %q", r.status, e.Error, e.Message, tc.mention)
			}
		})
	}
	// Nothing was written that cannot be read: the pool, the lesson, the
	// series and the sweep all still work.
	for _, path := range []string{"/api/schedule/zoom-accounts/", "/api/schedule/lessons/live/", "/api/schedule/recurring-lessons/phys/",
		"/api/schedule/calendar/?start=2099-12-01&end=2100-01-01"} {
		if r := h.do(t, "GET", path, nil); r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.body)
		}
	}
	if _, err := h.app.Releaser.Sweep(context.Background()); err != nil {
		t.Errorf("sweep: %v", err)
	}
	if _, err := h.env.Store.Lesson(context.Background(), "phys@9999-12-27"); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("the refused occurrence start left a lesson behind (%v)", err)
	}
	pooltest.CheckInvariants(t, h.env.Store, "live")
}

// A record that cannot be decoded (written by an older version, edited by
// hand) is skipped and logged with its key by every read of many records; it
// never takes the pool, the starts, the sweep or the calendar down.
func TestUnreadableRecordsAreSkippedAndLogged(t *testing.T) {
	h := newHarness(t, 1, 1, 1)
	logs := h.logTo()
	now := time.Now()
	for _, id := range []string{"bad-lesson", "bad-hold", "next"} {
		h.env.AddLesson(t, id, now.Add(-time.Minute), now.Add(time.Hour))
	}
	for _, id := range []string{"bad-lesson", "bad-hold"} {
		if r, _ := h.start(t, id); r.status != http.StatusOK {
			t.Fatalf("start %s: %d %s", id, r.status, r.body)
		}
	}
	accounts, _ := h.env.Store.Pool(context.Background())
	holdOf := map[string]pool.Hold{}
	free := ""
	for _, a := range accounts {
		for _, hd := range a.Holds {
			holdOf[hd.LessonID] = hd
		}
		if len(a.Holds) == 0 {
			free = a.ID
		}
	}
	// A lesson from before the time window, a hold whose lesson end is not a
	// time, an account that reads wrong.
	h.setItem(t, "LESSON#bad-lesson", "LESSON", map[string]string{"start": "10000-01-01T01:00:00.000Z", "end": "10000-01-01T01:30:00.000Z"})
	badHold := holdOf["bad-hold"]
	h.setItem(t, "POOL#default", "ACCOUNT#"+badHold.AccountID+"#HOLD#bad-hold", map[string]string{"lesson_end": "-0001-12-31T23:00:00.000Z"})
	h.setItem(t, "POOL#default", "ACCOUNT#"+free, map[string]string{"last_claimed_at": "yesterday"})

	var list []map[string]any
	if r := h.do(t, "GET", "/api/schedule/zoom-accounts/", nil); r.status != http.StatusOK {
		t.Fatalf("GET zoom-accounts: %d %s", r.status, r.body)
	} else {
		r.json(t, &list)
	}
	if len(list) != 2 {
		t.Errorf("the pool lists %d accounts, want the 2 readable ones", len(list))
	}
	if r := h.do(t, "GET", "/api/schedule/lessons/?start="+now.Add(-24*time.Hour).UTC().Format(time.DateOnly), nil); r.status != http.StatusOK {
		t.Errorf("list lessons: %d %s", r.status, r.body)
	}
	sum, err := h.app.Releaser.Sweep(context.Background())
	if err != nil || sum.Unreadable != 1 || sum.ReleasedTotal() != 0 {
		t.Errorf("sweep: %+v %v, want the hold of the unreadable lesson left alone and counted", sum, err)
	}
	// The account of the unreadable hold still counts it, and the free
	// account cannot be read: no account is free, a 429 and not a 500.
	if r, _ := h.start(t, "next"); r.status != http.StatusTooManyRequests {
		t.Errorf("start with every account busy or unreadable: %d %s, want 429", r.status, r.body)
	}
	for _, key := range []string{`"pk":"LESSON#bad-lesson"`, `"sk":"ACCOUNT#` + badHold.AccountID + `#HOLD#bad-hold"`, `"sk":"ACCOUNT#` + free + `"`} {
		if !strings.Contains(logs.String(), key) {
			t.Errorf("no log line names the unreadable record %s:\n%s", key, logs)
		}
	}
}

// Starting a lesson is possible from START_EARLY (15 minutes) before it
// begins; earlier is lesson_too_early with the seconds until then.
func TestStartTooEarly(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	h.app.Service.Now = func() time.Time { return now }
	h.env.AddLesson(t, "later", now.Add(2*time.Hour), now.Add(3*time.Hour))
	h.addRecurring(t, `"id":"phys"`) // Mondays 09:00 in Berlin: 2026-12-07T08:00Z

	for _, tc := range []struct {
		id    string
		retry time.Duration
	}{
		{"later", 2*time.Hour - 15*time.Minute},
		{"phys@2026-12-14", 7*24*time.Hour - 15*time.Minute},
	} {
		r, _ := h.start(t, tc.id)
		e := r.error(t)
		retry, _ := strconv.Atoi(r.header.Get("Retry-After"))
		if r.status != http.StatusConflict || e.Error != "lesson_too_early" || time.Duration(retry)*time.Second != tc.retry {
			t.Errorf("start %s: %d %s, Retry-After %q; want 409 lesson_too_early, Retry-After %d", tc.id, r.status, e.Error,
				r.header.Get("Retry-After"), int(tc.retry.Seconds()))
		}
	}
	if _, err := h.env.Store.Lesson(context.Background(), "phys@2026-12-14"); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("an occurrence started too early was created as a lesson (%v)", err)
	}
	if h.zoom.Created() != 0 {
		t.Errorf("Zoom meetings created: %d, want 0", h.zoom.Created())
	}
	now = now.Add(2*time.Hour - 15*time.Minute)
	if r, _ := h.start(t, "later"); r.status != http.StatusOK {
		t.Errorf("start 15 minutes early: %d %s", r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, "later")
}

func TestPatchAccountWithAnIDThatIsNoAccountWritesNothing(t *testing.T) {
	h := newHarness(t, 2)
	h.env.AddLessons(t, 1)
	if r, _ := h.start(t, "L1"); r.status != http.StatusOK {
		t.Fatalf("start: %d %s", r.status, r.body)
	}
	hold := h.item(t, "POOL#default", "ACCOUNT#1#HOLD#L1")
	for _, id := range []string{"1%23HOLD%23L1", "1%23HOLD%23L2", "x%20y"} {
		r := h.do(t, http.MethodPatch, "/api/schedule/zoom-accounts/"+id+"/", `{"enabled":false,"name":"pwned"}`)
		if e := r.error(t); r.status != http.StatusNotFound || e.Error != "account_not_found" {
			t.Errorf("PATCH %s: %d %s, want 404 account_not_found", id, r.status, e.Error)
		}
	}
	after := h.item(t, "POOL#default", "ACCOUNT#1#HOLD#L1")
	if _, ok := after["name"]; ok || len(after) != len(hold) {
		t.Errorf("PATCH of a hold's key changed it: %v -> %v", hold, after)
	}
	if h.item(t, "POOL#default", "ACCOUNT#1#HOLD#L2") != nil {
		t.Error("PATCH of a missing hold's key created an item")
	}
	pooltest.CheckInvariants(t, h.env.Store, "L1")
}

func TestTextFieldsRefuseControlCharacters(t *testing.T) {
	h := newHarness(t, 1)
	h.env.AddLessons(t, 1)
	h.addRecurring(t, `"id":"phys"`)
	times := `,"teacher_id":"t","group_id":"g","start_time":"2026-12-01T09:00:00Z","end_time":"2026-12-01T10:00:00Z"`
	for _, tc := range []struct {
		name, method, path, body, mention string
	}{
		{"carriage return in a title", "POST", "/api/schedule/lessons/", `{"title":"Evil\rEND:VEVENT\rBEGIN:VEVENT"` + times + `}`, "title"},
		{"line feed in a title", "PATCH", "/api/schedule/lessons/L1/", `{"title":"a\nb"}`, "title"},
		{"NUL in a title", "PATCH", "/api/schedule/lessons/L1/", `{"title":"a\u0000b"}`, "title"},
		{"C1 control in topics", "PATCH", "/api/schedule/lessons/L1/", `{"topics":"a\u0085b"}`, "topics"},
		{"bare carriage return in topics", "PATCH", "/api/schedule/lessons/L1/", `{"topics":"a\rb"}`, "topics"},
		{"bidi override in a title", "PATCH", "/api/schedule/lessons/L1/", `{"title":"exam \u202egnp.exe"}`, "title"},
		{"escape in a series title", "PATCH", "/api/schedule/recurring-lessons/phys/", `{"title":"\u001b[31mred"}`, "title"},
		{"line feed in an account name", "POST", "/api/schedule/zoom-accounts/", `{"name":"Room\n4","zoom_user_id":"r4@example.com"}`, "name"},
		{"tab-free control in a zoom user", "POST", "/api/schedule/zoom-accounts/", `{"name":"Room 4","zoom_user_id":"r4@example.com\u0007"}`, "zoom_user_id"},
		{"line feed in an account rename", "PATCH", "/api/schedule/zoom-accounts/1/", `{"name":"a\r\nb"}`, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			if e := r.error(t); r.status != http.StatusBadRequest || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %d %q, want 400 mentioning %q", r.status, e.Message, tc.mention)
			}
		})
	}
	// Lines and tabs in topics are text.
	if r := h.do(t, "PATCH", "/api/schedule/lessons/L1/", `{"topics":"1.\tAngles\r\n2.\tTriangles\n"}`); r.status != http.StatusOK {
		t.Errorf("topics over several lines: %d %s", r.status, r.body)
	}
}

// Paths with empty or dot segments answer JSON, not an HTML redirect: no
// route matches them, so the gateway answers as API Gateway does, and a
// function that gets one answers its own JSON 404.
func TestUncleanPathsAnswerJSON(t *testing.T) {
	h := newHarness(t, 1)
	client := h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	accounts := h.app.HTTPFunctions()["AccountsFunction"]
	for _, path := range []string{"/api/schedule//zoom-accounts/", "//api/schedule/zoom-accounts", "/api/schedule/./zoom-accounts/",
		"/api/schedule/x/../zoom-accounts/", "/schedule/lesson/1/start/.."} {
		r := h.do(t, http.MethodGet, path, nil)
		if r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/json" || strings.TrimSpace(string(r.body)) != `{"message":"Not Found"}` {
			t.Errorf("GET %s: %d %s %s, want API Gateway's JSON 404", path, r.status, r.header.Get("Content-Type"), r.body)
		}
		rec := httptest.NewRecorder()
		accounts.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://x"+path, nil))
		r = response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		if e := r.error(t); r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/json" || e.Error != "not_found" {
			t.Errorf("the accounts function, GET %s: %d %s %s, want a JSON 404", path, r.status, r.header.Get("Content-Type"), r.body)
		}
	}
}
