package api_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/sam"
)

// callers of the route x role table, in its columns' order.
var callers = []string{"admin", "teacher", "user", "anonymous"}

// caller returns h acting as one of callers: the admin, the teacher t1, a
// signed-in user without a role, or nobody.
func (h *harness) caller(t *testing.T, who string) *harness {
	switch who {
	case "admin":
		return h.asAdmin(t)
	case "teacher":
		return h.asTeacher(t, "t1")
	case "user":
		return h.asUser(t, "visitor")
	}
	return h.anonymous()
}

// recurringToday is the body of a weekly lesson of teacher that meets today
// (UTC) from the start of the current hour for two hours, so that today's
// occurrence can be started now.
func recurringToday(id, teacher string) string {
	now := time.Now().UTC()
	d := pool.DateOf(now)
	return fmt.Sprintf(`{"id":%q,"title":"Series %s","teacher_id":%q,"group_id":"g1","weekday":%d,"start_time":"%02d:00",`+
		`"duration_minutes":120,"timezone":"UTC","valid_from":%q}`, id, id, teacher, d.ISOWeekday(), now.Hour(), d.AddDays(-7))
}

// todayOf is the id of today's occurrence of recurring lesson id.
func todayOf(id string) string { return pool.OccurrenceID(id, pool.DateOf(time.Now().UTC())) }

// seedOwnership adds, as an admin, lessons and recurring lessons of the
// teachers t1 and t2, each in several copies so that every row of the table
// has its own.
func seedOwnership(t *testing.T, h *harness) {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Minute)
	lesson := func(id, teacher string, start time.Time) {
		body := fmt.Sprintf(`{"id":%q,"title":"Lesson %s","teacher_id":%q,"group_id":"g1","start_time":%q,"end_time":%q}`,
			id, id, teacher, start.Format(time.RFC3339), start.Add(time.Hour).Format(time.RFC3339))
		if r := h.do(t, http.MethodPost, "/api/schedule/lessons/", body); r.status != http.StatusCreated {
			t.Fatalf("seed lesson %s: %d %s", id, r.status, r.body)
		}
	}
	for _, owner := range []struct{ prefix, teacher string }{{"own", "t1"}, {"other", "t2"}} {
		lesson(owner.prefix, owner.teacher, now.Add(-time.Minute))
		lesson(owner.prefix+"-move", owner.teacher, now.Add(24*time.Hour))
		lesson(owner.prefix+"-cancel", owner.teacher, now.Add(48*time.Hour))
		for _, suffix := range []string{"", "-del"} {
			if r := h.do(t, http.MethodPost, "/api/schedule/recurring-lessons/", recurringToday("r"+owner.prefix+suffix, owner.teacher)); r.status != http.StatusCreated {
				t.Fatalf("seed recurring lesson: %d %s", r.status, r.body)
			}
		}
	}
	if r := h.do(t, http.MethodPost, "/api/schedule/zoom-accounts/", `{"id":"spare","name":"Spare","zoom_user_id":"spare@school.example"}`); r.status != http.StatusCreated {
		t.Fatalf("seed account: %d %s", r.status, r.body)
	}
}

// Every route answers each kind of caller as the table of who may do what
// says, through the local gateway (as API Gateway's authorizer and the Lambda
// functions would answer). Rows run in order against one fresh table per
// caller.
func TestRouteRoleTable(t *testing.T) {
	lessonBody := func(id, teacher string) string {
		return fmt.Sprintf(`{"id":%q,"title":"New","teacher_id":%q,"group_id":"g1","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`, id, teacher)
	}
	rows := []struct {
		method, path, body string
		want               [4]int // admin, teacher t1, user without a role, anonymous
	}{
		{"GET", "/api/schedule/lessons/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/lessons/own/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/lessons/other/", "", [4]int{200, 200, 200, 401}},
		{"POST", "/api/schedule/lessons/", lessonBody("new-own", "t1"), [4]int{201, 201, 403, 401}},
		{"POST", "/api/schedule/lessons/", lessonBody("new-other", "t2"), [4]int{201, 403, 403, 401}},
		{"PATCH", "/api/schedule/lessons/own/", `{"topics":"Fractions"}`, [4]int{200, 200, 403, 401}},
		{"PATCH", "/api/schedule/lessons/other/", `{"topics":"Fractions"}`, [4]int{200, 403, 403, 401}},
		{"PATCH", "/api/schedule/lessons/own-move/", `{"teacher_id":"t2"}`, [4]int{200, 403, 403, 401}},
		{"PATCH", "/api/schedule/lessons/other-move/", `{"teacher_id":"t1"}`, [4]int{200, 403, 403, 401}},
		{"DELETE", "/api/schedule/lessons/own-cancel/", "", [4]int{200, 200, 403, 401}},
		{"DELETE", "/api/schedule/lessons/other-cancel/", "", [4]int{200, 403, 403, 401}},
		{"GET", "/api/schedule/recurring-lessons/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/recurring-lessons/rother/", "", [4]int{200, 200, 200, 401}},
		{"POST", "/api/schedule/recurring-lessons/", recurringToday("new-own", "t1"), [4]int{201, 201, 403, 401}},
		{"POST", "/api/schedule/recurring-lessons/", recurringToday("new-other", "t2"), [4]int{201, 403, 403, 401}},
		{"PATCH", "/api/schedule/recurring-lessons/rown/", `{"title":"Geometry"}`, [4]int{200, 200, 403, 401}},
		{"PATCH", "/api/schedule/recurring-lessons/rother/", `{"title":"Geometry"}`, [4]int{200, 403, 403, 401}},
		{"PATCH", "/api/schedule/recurring-lessons/rown-del/", `{"teacher_id":"t2"}`, [4]int{200, 403, 403, 401}},
		{"POST", "/api/schedule/recurring-lessons/rown/cancelled-dates/", fmt.Sprintf(`{"date":%q}`, pool.DateOf(time.Now().UTC()).AddDays(7)), [4]int{200, 200, 403, 401}},
		{"POST", "/api/schedule/recurring-lessons/rother/cancelled-dates/", fmt.Sprintf(`{"date":%q}`, pool.DateOf(time.Now().UTC()).AddDays(7)), [4]int{200, 403, 403, 401}},
		{"GET", "/api/schedule/calendar/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/calendar/feed-url/", "", [4]int{200, 200, 200, 401}},
		{"DELETE", "/api/schedule/calendar/feed-url/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/calendar.ics", "", [4]int{401, 401, 401, 401}}, // a signed link, never a token
		{"GET", "/api/schedule/capacity/", "", [4]int{200, 403, 403, 401}},
		{"GET", "/api/schedule/zoom-accounts/", "", [4]int{200, 200, 200, 401}},
		{"GET", "/api/schedule/zoom-accounts/1/", "", [4]int{200, 200, 200, 401}},
		{"POST", "/api/schedule/zoom-accounts/", `{"id":"new","name":"New","zoom_user_id":"new@school.example"}`, [4]int{201, 403, 403, 401}},
		{"PATCH", "/api/schedule/zoom-accounts/1/", `{"name":"Room 1"}`, [4]int{200, 403, 403, 401}},
		{"DELETE", "/api/schedule/zoom-accounts/spare/", "", [4]int{204, 403, 403, 401}},
		{"POST", "/schedule/lesson/own/start/", "", [4]int{200, 200, 403, 401}},
		{"POST", "/schedule/lesson/other/start/", "", [4]int{200, 403, 403, 401}},
		{"POST", "/schedule/lesson/" + todayOf("rown") + "/start/", "", [4]int{200, 200, 403, 401}},
		{"POST", "/schedule/lesson/" + todayOf("rother") + "/start/", "", [4]int{200, 403, 403, 401}},
		{"DELETE", "/api/schedule/recurring-lessons/rother-del/", "", [4]int{204, 403, 403, 401}},
		{"DELETE", "/api/schedule/recurring-lessons/rown-del/", "", [4]int{204, 204, 403, 401}},
		{"POST", "/schedule/webhook/zoom/", `{"event":"meeting.ended","payload":{"object":{"id":"1"}}}`, [4]int{401, 401, 401, 401}}, // unsigned
		// The console's page and assets, which hold no data.
		{"GET", "/console", "", [4]int{200, 200, 200, 200}},
		{"GET", "/console/config.json", "", [4]int{200, 200, 200, 200}},
	}
	covered := map[string]bool{}
	for col, who := range callers {
		t.Run(who, func(t *testing.T) {
			h := newHarness(t, 1, 1, 1, 1)
			seedOwnership(t, h)
			as := h.caller(t, who)
			for _, row := range rows {
				r := as.do(t, row.method, row.path, row.body)
				want := row.want[col]
				if r.status != want {
					t.Errorf("%s %s as %s: %d %s, want %d", row.method, row.path, who, r.status, r.body, want)
					continue
				}
				switch {
				case want == http.StatusForbidden:
					if e := r.error(t); e.Error != "forbidden" || !strings.Contains(e.Message, "role") && !strings.Contains(e.Message, "teacher") {
						t.Errorf("%s %s as %s: %+v, want error forbidden saying which role or ownership is missing", row.method, row.path, who, e)
					}
				case want == http.StatusUnauthorized && who == "anonymous" && !strings.Contains(row.path, ".ics") && !strings.Contains(row.path, "webhook"):
					if string(r.body) != "{\"message\":\"Unauthorized\"}\n" {
						t.Errorf("%s %s without a token: %s, want API Gateway's {\"message\":\"Unauthorized\"}", row.method, row.path, r.body)
					}
				}
			}
			// A refused start of an occurrence created no lesson.
			started := []string{"own", "other"}
			for _, o := range []struct {
				id      string
				allowed bool
			}{{todayOf("rown"), who == "admin" || who == "teacher"}, {todayOf("rother"), who == "admin"}} {
				r := h.do(t, http.MethodGet, "/api/schedule/lessons/"+o.id+"/", nil)
				if exists := r.status == http.StatusOK; exists != o.allowed {
					t.Errorf("occurrence %s after starts as %s: lesson exists %v, want %v", o.id, who, exists, o.allowed)
				}
				if o.allowed {
					started = append(started, o.id)
				}
			}
			pooltest.CheckInvariants(t, h.env.Store, started...)
		})
	}
	// The table covers every route of template.yaml.
	for _, row := range rows {
		covered[row.method+" "+strings.TrimSuffix(row.path, "/")] = true
	}
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range tmpl.Functions {
		for _, rt := range f.Routes {
			if rt.Greedy() {
				continue // the rows' URLs end in a slash: they go through the twins
			}
			pattern := regexp.MustCompile("^" + rt.Method + " " + regexp.MustCompile(`\\\{[a-z]+\\\}`).ReplaceAllString(regexp.QuoteMeta(rt.Path), `[^/]+`) + "$")
			found := false
			for k := range covered {
				found = found || pattern.MatchString(k)
			}
			if !found {
				t.Errorf("the table has no row for %s", rt)
			}
		}
	}
}

// A teacher cannot give their lesson, or their series, to another teacher,
// nor create one for another; a teacher's new lesson is theirs by default.
func TestTeacherCannotReassignLessons(t *testing.T) {
	h := newHarness(t, 1)
	seedOwnership(t, h)
	t1 := h.asTeacher(t, "t1")
	for _, tc := range []struct{ method, path, body string }{
		{"PATCH", "/api/schedule/lessons/own/", `{"teacher_id":"t2"}`},
		{"PATCH", "/api/schedule/lessons/own/", `{"title":"Mine still","teacher_id":"t2"}`},
		{"PATCH", "/api/schedule/recurring-lessons/rown/", `{"teacher_id":"t2"}`},
		{"POST", "/api/schedule/lessons/", `{"title":"T","teacher_id":"t2","group_id":"g1","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`},
	} {
		r := t1.do(t, tc.method, tc.path, tc.body)
		if e := r.error(t); r.status != http.StatusForbidden || e.Error != "forbidden" || !strings.Contains(e.Message, "another teacher") {
			t.Errorf("%s %s %s: %d %+v, want 403 forbidden about another teacher", tc.method, tc.path, tc.body, r.status, e)
		}
	}
	var l struct {
		TeacherID string `json:"teacher_id"`
		Title     string `json:"title"`
	}
	h.do(t, http.MethodGet, "/api/schedule/lessons/own/", nil).json(t, &l)
	if l.TeacherID != "t1" || l.Title != "Lesson own" {
		t.Errorf("lesson own after the refused edits: %+v, want it unchanged", l)
	}
	r := t1.do(t, http.MethodPost, "/api/schedule/lessons/", `{"title":"T","group_id":"g1","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`)
	if r.json(t, &l); r.status != http.StatusCreated || l.TeacherID != "t1" {
		t.Errorf("a teacher's lesson without teacher_id: %d %s, want 201 with teacher_id t1", r.status, r.body)
	}
	// An admin may move a lesson to anyone.
	if r := h.do(t, http.MethodPatch, "/api/schedule/lessons/own/", `{"teacher_id":"t2"}`); r.status != http.StatusOK {
		t.Errorf("an admin moves a lesson: %d %s", r.status, r.body)
	}
	if r := t1.do(t, http.MethodPatch, "/api/schedule/lessons/own/", `{"title":"x"}`); r.status != http.StatusForbidden {
		t.Errorf("t1 edits the lesson an admin gave t2: %d, want 403", r.status)
	}
}

// zakURL matches a host link: it opens the meeting as its host.
var zakURL = regexp.MustCompile(`https://zoom\.us/s/[0-9]+\?zak=[A-Za-z0-9]+`)

// No JSON answer of the API shows a lesson's host link to anyone but an
// admin or that lesson's teacher: every GET route of the template, with every
// path parameter filled in, and the answers of starts and edits.
func TestStartURLOnlyForAdminsAndTheLessonsTeacher(t *testing.T) {
	h := newHarness(t, 1, 1, 1, 1)
	seedOwnership(t, h)
	startURLs := map[string]string{} // host link -> owner
	for _, start := range []struct{ id, owner string }{{"own", "t1"}, {"other", "t2"}, {todayOf("rown"), "t1"}, {todayOf("rother"), "t2"}} {
		r, s := h.start(t, start.id)
		if r.status != http.StatusOK || !zakURL.MatchString(s.MeetingData.StartURL) {
			t.Fatalf("start %s: %d %s", start.id, r.status, r.body)
		}
		startURLs[s.MeetingData.StartURL] = start.owner
	}
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	params := map[string][]string{
		"/api/schedule/lessons/{id}":           {"own", "other", todayOf("rown"), todayOf("rother")},
		"/api/schedule/recurring-lessons/{id}": {"rown", "rother"},
		"/api/schedule/zoom-accounts/{id}":     {"1", "2", "3", "4"},
	}
	paths := func(rt sam.Route) []string {
		if strings.Contains(rt.Path, "{") {
			var out []string
			for _, id := range params[rt.Path] {
				out = append(out, strings.Replace(rt.Path, "{id}", id, 1)+"/")
			}
			if out == nil {
				t.Fatalf("no ids for %s", rt)
			}
			return out
		}
		return []string{rt.Path + "/"}
	}
	for _, who := range []struct {
		name  string
		as    *harness
		sub   string
		admin bool
	}{
		{"admin", h, adminSub, true},
		{"teacher t1", h.asTeacher(t, "t1"), "t1", false},
		{"teacher t2", h.asTeacher(t, "t2"), "t2", false},
		{"teacher t3", h.asTeacher(t, "t3"), "t3", false},
		{"user t1 without a role", h.asUser(t, "t1"), "t1", false},
	} {
		t.Run(who.name, func(t *testing.T) {
			var answers []response
			for _, f := range tmpl.Functions {
				for _, rt := range f.Routes {
					if rt.Method != http.MethodGet || rt.Public() || rt.Greedy() { // paths() ends in the slash twins serve
						continue
					}
					for _, p := range paths(rt) {
						answers = append(answers, who.as.do(t, http.MethodGet, p+"?start=2020-01-01&end=2020-12-31", nil), who.as.do(t, http.MethodGet, p, nil))
					}
				}
			}
			// The feed, and answers that carry a lesson: starts (again) and edits.
			answers = append(answers, who.as.do(t, http.MethodGet, who.as.feedPath(t, ""), nil))
			for _, id := range []string{"own", "other", todayOf("rown"), todayOf("rother")} {
				answers = append(answers, who.as.do(t, http.MethodPost, "/schedule/lesson/"+id+"/start/", nil),
					who.as.do(t, http.MethodPatch, "/api/schedule/lessons/"+id+"/", `{"topics":"checked"}`))
			}
			seen := 0
			for _, r := range answers {
				for _, link := range zakURL.FindAllString(string(r.body), -1) {
					owner, ok := startURLs[link]
					if !ok {
						t.Errorf("an answer holds host link %s of no lesson started here", link)
					}
					if !who.admin && owner != who.sub {
						t.Errorf("%s sees the host link of %s's lesson: %s", who.name, owner, r.body)
					}
					if who.name == "user t1 without a role" {
						t.Errorf("a user without the teacher role sees a host link: %s", r.body)
					}
					seen++
				}
			}
			switch {
			case who.admin && seen == 0, who.name == "teacher t1" && seen == 0:
				t.Errorf("%s never saw a host link, not even of the lessons they may start", who.name)
			case len(answers) < 20:
				t.Errorf("only %d answers checked", len(answers))
			}
		})
	}
}

// Requests that reach a function without verified claims, as they would
// through a route that lost its authorizer, are refused by the function
// itself; only the webhook and the feed check their requests otherwise. The
// console's page and assets hold no data, and its function reads no storage.
func TestFunctionsFailClosedWithoutClaims(t *testing.T) {
	h := newHarness(t, 1)
	seedOwnership(t, h)
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	handlers := h.app.HTTPFunctions()
	for _, f := range tmpl.Functions {
		if f.LogicalID == "ConsoleFunction" {
			continue
		}
		for _, rt := range f.Routes {
			// A twin path/{proxy+} brings the function the path with a trailing slash.
			base := rt
			base.Path = strings.TrimSuffix(rt.Path, "/{proxy+}")
			path := strings.ReplaceAll(base.Path, "{id}", "own")
			if rt.Greedy() {
				path += "/"
			}
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: rt.String(), RawPath: path, Body: "{}",
				Headers:        map[string]string{"content-type": "application/json"},
				RequestContext: events.APIGatewayV2HTTPRequestContext{RouteKey: rt.String(), HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: rt.Method, Path: path}}}
			h.env.Engine.ResetRequests()
			res, err := httpadapter.NewV2(handlers[f.LogicalID]).ProxyWithContext(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			var e apiError
			_ = json.Unmarshal([]byte(res.Body), &e)
			want := "unauthorized"
			switch base.String() {
			case "POST /schedule/webhook/zoom":
				want = "invalid_signature"
			case "GET /api/schedule/calendar.ics":
				want = "feed_token_required"
			}
			if res.StatusCode != http.StatusUnauthorized || e.Error != want {
				t.Errorf("%s without claims: %d %s, want 401 %s", rt, res.StatusCode, res.Body, want)
			}
			if n := len(h.env.Engine.Requests()); n != 0 {
				t.Errorf("%s without claims read or wrote storage: %v", rt, h.env.Engine.Requests())
			}
		}
	}
}

// The token attacks of the auth package, sent through the gateway: each is
// refused with API Gateway's 401 before any function runs.
func TestForgedTokensNeverReachAFunction(t *testing.T) {
	h := newHarness(t, 1)
	now := time.Now()
	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": h.idp.URL, "aud": h.idp.Audience, "sub": "mallory", "cognito:groups": []string{"admin"},
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	sign := func(edit func(map[string]any)) string {
		tok, err := h.idp.Sign(claims(edit))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	b64 := func(v any) string {
		j, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(j)
	}
	valid := sign(nil)
	parts := strings.Split(valid, ".")
	for name, token := range map[string]string{
		"expired":           sign(func(c map[string]any) { c["exp"] = now.Add(-time.Hour).Unix() }),
		"not yet valid":     sign(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() }),
		"wrong issuer":      sign(func(c map[string]any) { c["iss"] = "https://evil.example" }),
		"wrong audience":    sign(func(c map[string]any) { c["aud"] = "another-app" }),
		"forged payload":    parts[0] + "." + b64(claims(func(c map[string]any) { c["sub"] = "admin" })) + "." + parts[2],
		"alg none":          b64(map[string]string{"alg": "none", "kid": h.idp.KeyID()}) + "." + parts[1] + ".",
		"HS256 with no key": b64(map[string]string{"alg": "HS256", "kid": h.idp.KeyID()}) + "." + parts[1] + "." + parts[2],
		"malformed":         "not-a-token",
		"unknown kid":       b64(map[string]string{"alg": "RS256", "kid": "another"}) + "." + parts[1] + "." + parts[2],
	} {
		h.env.Engine.ResetRequests()
		r := h.as(token).do(t, http.MethodGet, "/api/schedule/zoom-accounts/", nil)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_token") {
			t.Errorf("%s: %d %v %s, want 401 with WWW-Authenticate invalid_token", name, r.status, r.header, r.body)
		}
		if n := len(h.env.Engine.Requests()); n != 0 {
			t.Errorf("%s reached storage: %v", name, h.env.Engine.Requests())
		}
	}
	if r := h.as(valid).do(t, http.MethodGet, "/api/schedule/zoom-accounts/", nil); r.status != http.StatusOK {
		t.Errorf("the untampered token: %d %s", r.status, r.body)
	}
}

// Roles and teacher ids come from the claims API Gateway passes on: a list
// flattened to "[admin teacher]", a JSON list, or a separated string, under
// the configured claim names.
func TestCallerOfReadsConfiguredClaims(t *testing.T) {
	for _, tc := range []struct {
		name      string
		identity  api.Identity
		claims    map[string]string
		admin     bool
		teacher   bool
		teacherID string
	}{
		{"flattened list", api.Identity{}, map[string]string{"sub": "s", "cognito:groups": "[admin teacher]"}, true, true, "s"},
		{"JSON list", api.Identity{}, map[string]string{"sub": "s", "cognito:groups": `["teacher"]`}, false, true, "s"},
		{"comma separated", api.Identity{RolesClaim: "roles"}, map[string]string{"sub": "s", "roles": "staff,admin"}, true, false, "s"},
		{"space separated, e-mail teacher id", api.Identity{RolesClaim: "groups", TeacherIDClaim: "email"},
			map[string]string{"sub": "s", "groups": "teacher staff", "email": "anna.b+maths@school.example"}, false, true, "anna.b+maths@school.example"},
		{"role in another claim", api.Identity{RolesClaim: "roles"}, map[string]string{"sub": "s", "cognito:groups": "[admin]"}, false, false, "s"},
		{"teacher id that could break a key", api.Identity{TeacherIDClaim: "email"}, map[string]string{"sub": "s", "cognito:groups": "[teacher]", "email": "a#b"}, false, true, ""},
		{"no sub", api.Identity{}, map[string]string{"cognito:groups": "[admin]"}, false, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got api.Caller
			rt := api.NewRouter(nil)
			rt.SetIdentity(tc.identity)
			rt.Handle(http.MethodGet, "/who", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got = api.CallerOf(r)
				w.WriteHeader(http.StatusNoContent)
			}))
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/who", RequestContext: events.APIGatewayV2HTTPRequestContext{
				HTTP:       events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: "/who"},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: tc.claims}},
			}}
			if _, err := httpadapter.NewV2(rt).ProxyWithContext(context.Background(), ev); err != nil {
				t.Fatal(err)
			}
			if got.IsAdmin() != tc.admin || got.IsTeacher() != tc.teacher || got.TeacherID != tc.teacherID {
				t.Errorf("caller %+v: admin %v teacher %v id %q, want %v %v %q", got, got.IsAdmin(), got.IsTeacher(), got.TeacherID, tc.admin, tc.teacher, tc.teacherID)
			}
		})
	}
}

// Teachers and groups may be named by the e-mail addresses or user names a
// school signs in with; ids that could break a storage key are refused.
func TestEmailTeacherIDs(t *testing.T) {
	h := newHarness(t, 1)
	anna := "anna.berg+maths@school.example"
	body := func(teacher, group string) string {
		return fmt.Sprintf(`{"id":"e1","title":"T","teacher_id":%q,"group_id":%q,"start_time":%q,"end_time":%q}`, teacher, group,
			time.Now().Add(-time.Minute).UTC().Format(time.RFC3339), time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
	}
	for _, bad := range [][2]string{{"a#b", "g"}, {"a/b", "g"}, {"a b", "g"}, {"t", "g\u0000"}, {"t", "9b#x"}, {strings.Repeat("a", 255), "g"}} {
		if r := h.do(t, http.MethodPost, "/api/schedule/lessons/", body(bad[0], bad[1])); r.status != http.StatusBadRequest {
			t.Errorf("teacher %q group %q: %d %s, want 400", bad[0], bad[1], r.status, r.body)
		}
	}
	if r := h.do(t, http.MethodPost, "/api/schedule/lessons/", body(anna, "9b.french_2")); r.status != http.StatusCreated {
		t.Fatalf("lesson of %s: %d %s", anna, r.status, r.body)
	}
	var listed []map[string]any
	h.do(t, http.MethodGet, "/api/schedule/lessons/?teacher_id="+strings.ReplaceAll(anna, "+", "%2B"), nil).json(t, &listed)
	if len(listed) != 1 {
		t.Errorf("lessons of %s: %v, want e1", anna, listed)
	}
	if r, _ := h.asTeacher(t, anna).start(t, "e1"); r.status != http.StatusOK {
		t.Errorf("%s starts her lesson: %d %s", anna, r.status, r.body)
	}
	pooltest.CheckInvariants(t, h.env.Store, "e1")
}

// Admins see which Zoom user and secret each account lends; everyone else
// sees its status only.
func TestAccountDetailsOnlyForAdmins(t *testing.T) {
	h := newHarness(t, 1)
	for _, who := range []*harness{h.asTeacher(t, "t1"), h.asUser(t, "visitor")} {
		for _, path := range []string{"/api/schedule/zoom-accounts/", "/api/schedule/zoom-accounts/1/"} {
			r := who.do(t, http.MethodGet, path, nil)
			if r.status != http.StatusOK || strings.Contains(string(r.body), "zoom_user_id") || strings.Contains(string(r.body), "credentials_ref") ||
				!strings.Contains(string(r.body), `"is_busy"`) {
				t.Errorf("GET %s as a non-admin: %d %s, want the status without zoom_user_id and credentials_ref", path, r.status, r.body)
			}
		}
	}
	if r := h.do(t, http.MethodGet, "/api/schedule/zoom-accounts/1/", nil); !strings.Contains(string(r.body), `"zoom_user_id":"zoom-user-1@example.com"`) {
		t.Errorf("an admin's account: %s, want its zoom_user_id", r.body)
	}
}

func TestClaimList(t *testing.T) {
	for in, want := range map[string]string{
		"[admin teacher]":       "admin|teacher",
		`["admin","teacher"]`:   "admin|teacher",
		"admin teacher":         "admin|teacher",
		"admin,teacher":         "admin|teacher",
		" admin , teacher ":     "admin|teacher",
		"teacher":               "teacher",
		"[]":                    "",
		"":                      "",
		"[anna@school.example]": "anna@school.example",
	} {
		if got := strings.Join(api.ClaimList(in), "|"); got != want {
			t.Errorf("ClaimList(%q) = %q, want %q", in, got, want)
		}
	}
}
