package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"zoompool/internal/auth"
	"zoompool/internal/auth/authtest"
)

// call sends a request with an optional bearer token and returns the status
// and body.
func call(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// The runner is its own issuer: it refuses requests without its tokens as
// API Gateway does, accepts the banner's, and `local token` mints more from
// the key it keeps.
func TestRunnerChecksTokensOfItsDevelopmentIssuer(t *testing.T) {
	r := startRunner(t)
	lessons := r.base + "/api/schedule/lessons/"
	if status, body := call(t, "GET", lessons, "", ""); status != 401 || !strings.Contains(body, `"message":"Unauthorized"`) {
		t.Errorf("no token: %d %s, want 401 Unauthorized", status, body)
	}
	stranger := authtest.New(t).Token(t, "admin", map[string]any{"cognito:groups": []string{"admin"}})
	if status, _ := call(t, "GET", lessons, stranger, ""); status != 401 {
		t.Errorf("a token of another issuer: %d, want 401", status)
	}
	for _, v := range []string{"ADMIN", "TEACHER", "TEACHER2"} {
		if status, body := call(t, "GET", lessons, r.tokens[v], ""); status != 200 {
			t.Errorf("banner's $%s: %d %s", v, status, body)
		}
	}
	// The runner's JWKS and discovery document are there for other tools.
	if status, body := call(t, "GET", r.base+"/.well-known/openid-configuration", "", ""); status != 200 || !strings.Contains(body, r.base+"/.well-known/jwks.json") {
		t.Errorf("discovery: %d %s", status, body)
	}

	token := func(args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := tokenCommand(append([]string{"-dev-key", r.devKey}, args...), func(string) string { return "" }, &out, &errs)
		return strings.TrimSpace(out.String()), err
	}
	visitor, err := token("-role", "none", "-sub", "visitor")
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := call(t, "GET", lessons, visitor, ""); status != 200 {
		t.Errorf("a signed-in user without a role reads lessons: %d, want 200", status)
	}
	if status, body := call(t, "POST", lessons, visitor, `{"title":"T","teacher_id":"visitor","group_id":"g"}`); status != 403 || !strings.Contains(body, `"error":"forbidden"`) {
		t.Errorf("a user without a role creates a lesson: %d %s, want 403 forbidden", status, body)
	}
	anna, err := token("-role", "teacher", "-sub", "anna@school.example")
	if err != nil {
		t.Fatal(err)
	}
	status, body := call(t, "POST", lessons, anna, `{"title":"T","group_id":"g","start_time":"2030-01-07T09:00:00Z","end_time":"2030-01-07T10:00:00Z"}`)
	if lesson := (struct {
		TeacherID string `json:"teacher_id"`
	}{}); status != 201 || json.Unmarshal([]byte(body), &lesson) != nil || lesson.TeacherID != "anna@school.example" {
		t.Errorf("a teacher's new lesson: %d %s, want 201 with her teacher id", status, body)
	}
	for _, bad := range [][]string{
		{"-role", "root"},
		{"-role", "teacher", "-sub", "a", "-teacher-id", "b"}, // TEACHER_ID_CLAIM is sub
		{"-role", "teacher", "-sub", "a#b"},
		{"-ttl", "0s"},
	} {
		if tok, err := token(bad...); err == nil {
			t.Errorf("local token %v printed %.20s...; want an error", bad, tok)
		}
	}
	var out bytes.Buffer
	if err := tokenCommand([]string{"-dev-key", r.devKey + ".missing"}, func(string) string { return "" }, &out, &out); err == nil ||
		!strings.Contains(err.Error(), "make run") {
		t.Errorf("local token without a runner's key: %v, want an error saying to start the runner", err)
	}
}

// With JWT_ISSUER the runner trusts that issuer alone, as the deployed API
// does, and mints nothing.
func TestRunnerTrustsJWTIssuer(t *testing.T) {
	idp := authtest.New(t)
	env := map[string]string{"JWT_ISSUER": idp.URL, "JWT_AUDIENCE": "other-app, " + authtest.Audience}
	getenv := func(k string) string { return env[k] }
	r := startRunnerWith(t, getenv)
	if len(r.tokens) != 0 || !strings.Contains(r.banner, "tokens of $JWT_ISSUER "+idp.URL) {
		t.Errorf("banner with JWT_ISSUER:\n%s", r.banner)
	}
	accounts := r.base + "/api/schedule/zoom-accounts/"
	admin := idp.Token(t, "admin@school.example", map[string]any{"cognito:groups": []string{"admin"}})
	if status, body := call(t, "GET", accounts, admin, ""); status != 200 || !strings.Contains(body, "zoom_user_id") {
		t.Errorf("the issuer's admin: %d %s, want the accounts with their Zoom users", status, body)
	}
	teacher := idp.Token(t, "t1", map[string]any{"cognito:groups": []string{"teacher"}})
	if status, body := call(t, "GET", accounts, teacher, ""); status != 200 || strings.Contains(body, "zoom_user_id") {
		t.Errorf("the issuer's teacher: %d %s, want the accounts' status only", status, body)
	}
	if status, _ := call(t, "GET", r.base+"/.well-known/jwks.json", "", ""); status == 200 {
		t.Error("the runner serves keys of its own while it trusts JWT_ISSUER")
	}
	var out bytes.Buffer
	if err := tokenCommand(nil, getenv, &out, &out); err == nil || !strings.Contains(err.Error(), idp.URL) {
		t.Errorf("local token with JWT_ISSUER: %v, want a refusal naming the issuer", err)
	}
	env["JWT_AUDIENCE"] = ""
	if _, err := newAuthority(getenv, r.base, ""); err == nil {
		t.Error("JWT_ISSUER without JWT_AUDIENCE was accepted")
	}
}

// The runner answers CORS preflight requests as API Gateway does with the
// template's CorsConfiguration, for -allowed-origins or ALLOWED_ORIGINS.
func TestRunnerAnswersPreflight(t *testing.T) {
	preflight := func(base, origin string) http.Header {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, base+"/api/schedule/lessons/1/", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.Header
	}
	r := startRunner(t, "-demo=false", "-allowed-origins", "https://console.school.example")
	h := preflight(r.base, "https://console.school.example")
	if h.Get("Access-Control-Allow-Origin") != "https://console.school.example" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") ||
		!strings.Contains(h.Get("Access-Control-Allow-Headers"), "authorization") {
		t.Errorf("preflight from the allowed origin: %v", h)
	}
	if h := preflight(r.base, "https://evil.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from another origin allowed: %v", h)
	}
	env := startRunnerWith(t, func(k string) string {
		return map[string]string{"ALLOWED_ORIGINS": "http://localhost:5173"}[k]
	}, "-demo=false")
	if h := preflight(env.base, "http://localhost:5173"); h.Get("Access-Control-Allow-Origin") != "http://localhost:5173" {
		t.Errorf("preflight with ALLOWED_ORIGINS: %v", h)
	}
	none := startRunner(t, "-demo=false")
	if h := preflight(none.base, "https://console.school.example"); h.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without allowed origins: %v", h)
	}
}

// The console signs in at the runner's development issuer with the code
// flow and PKCE, and the token it gets opens the API.
func TestConsoleSignsInAtTheDevelopmentIssuer(t *testing.T) {
	r := startRunner(t, "-demo=false")
	if !strings.Contains(r.banner, "console: "+r.base+"/console in a browser") {
		t.Errorf("the banner does not say where the console is:\n%s", r.banner)
	}
	status, page := call(t, "GET", r.base+"/console", "", "")
	if status != 200 || !strings.Contains(page, `<script src="console/console.js?v=`) {
		t.Fatalf("GET /console: %d\n%s", status, page)
	}
	status, body := call(t, "GET", r.base+"/console/config.json", "", "")
	var cfg struct {
		Issuer        string `json:"issuer"`
		ClientID      string `json:"client_id"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
	}
	if err := json.Unmarshal([]byte(body), &cfg); err != nil || status != 200 || cfg.Issuer != r.base || cfg.ClientID != devAudience ||
		cfg.Authorization != r.base+"/authorize" || cfg.Token != r.base+"/token" {
		t.Fatalf("config.json: %d %s", status, body)
	}

	verifier := strings.Repeat("v", 50)
	form := url.Values{"response_type": {"code"}, "client_id": {cfg.ClientID}, "redirect_uri": {r.base + "/console"},
		"scope": {"openid"}, "state": {"s"}, "code_challenge": {auth.S256(verifier)}, "code_challenge_method": {"S256"}}
	status, page = call(t, "GET", cfg.Authorization+"?"+form.Encode(), "", "")
	if status != 200 || !strings.Contains(page, `data-user="teacher-2"`) {
		t.Fatalf("sign-in page: %d\n%s", status, page)
	}
	form.Set("user", "admin")
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(cfg.Authorization, form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusSeeOther || back.Path != "/console" || back.Query().Get("state") != "s" {
		t.Fatalf("sign in as admin: %d to %s", res.StatusCode, back)
	}
	res, err = http.PostForm(cfg.Token, url.Values{"grant_type": {"authorization_code"}, "code": {back.Query().Get("code")},
		"redirect_uri": {r.base + "/console"}, "client_id": {cfg.ClientID}, "code_verifier": {verifier}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		IDToken string `json:"id_token"`
	}
	err = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("token: %d %v", res.StatusCode, err)
	}
	if status, body := call(t, "GET", r.base+"/api/schedule/zoom-accounts/", tok.IDToken, ""); status != 200 {
		t.Errorf("the console's token on the API: %d %s", status, body)
	}
	// The same console on localhost may sign in too; other addresses may not.
	port := strings.TrimPrefix(r.base, "http://127.0.0.1:")
	for uri, want := range map[string]int{"http://localhost:" + port + "/console": 200, "http://evil.example/console": 400} {
		form.Set("redirect_uri", uri)
		if status, _ := call(t, "GET", cfg.Authorization+"?"+form.Encode(), "", ""); status != want {
			t.Errorf("sign-in page for %s: %d, want %d", uri, status, want)
		}
	}
}

// With JWT_ISSUER, the console signs in there, as the app client
// OIDC_CLIENT_ID (by default the first audience), and the runner offers no
// sign-in page of its own.
func TestConsoleSignsInAtJWTIssuer(t *testing.T) {
	idp := authtest.New(t)
	env := map[string]string{"JWT_ISSUER": idp.URL, "JWT_AUDIENCE": "console-app," + authtest.Audience}
	r := startRunnerWith(t, func(k string) string { return env[k] }, "-demo=false")
	status, body := call(t, "GET", r.base+"/console/config.json", "", "")
	if status != 200 || !strings.Contains(body, `"issuer":"`+idp.URL+`"`) || !strings.Contains(body, `"client_id":"console-app"`) ||
		strings.Contains(body, "authorization_endpoint") {
		t.Errorf("config.json with JWT_ISSUER: %d %s, want the issuer, the first audience and no endpoints (found by discovery)", status, body)
	}
	if status, _ := call(t, "GET", r.base+"/authorize", "", ""); status != 404 {
		t.Errorf("GET /authorize with JWT_ISSUER: %d, want 404", status)
	}
	env["OIDC_CLIENT_ID"] = "other-app"
	env["OIDC_TOKEN_URL"] = "http://idp.school.example/token"
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-dynamodb-addr", "127.0.0.1:0", "-demo=false"},
		func(k string) string { return env[k] }, &out, nil); err == nil || !strings.Contains(err.Error(), "OIDC_") {
		t.Errorf("runner with a half-configured console: %v, want it refused", err)
	}
}
