package auth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool/internal/auth"
)

const (
	flowClient   = "zoom-pool-local"
	flowVerifier = "dBjftJeZ4CVP-mJ92K1uX9ok8Ht3_kDYNbdG5Ai0C0aGfmxI" // RFC 7636's example shape
)

// flow is a CodeFlow served over HTTP with a clock the test moves.
type flow struct {
	*auth.CodeFlow
	srv      *httptest.Server
	redirect string

	mu  sync.Mutex
	now time.Time
}

func newFlow(t *testing.T) *flow {
	t.Helper()
	is, err := auth.NewIssuer("", flowClient)
	if err != nil {
		t.Fatal(err)
	}
	f := &flow{now: time.Now()}
	f.CodeFlow = &auth.CodeFlow{
		Issuer:   is,
		ClientID: flowClient,
		Users:    []auth.SignInUser{{Subject: "admin", Role: "admin"}, {Subject: "teacher-1", Role: "teacher", About: "lesson 1"}},
		Roles:    []string{"teacher", "admin"},
		Mint: func(u auth.SignInUser, extra map[string]any) (string, error) {
			extra["cognito:groups"] = []string{u.Role}
			return is.Mint(u.Subject, time.Hour, f.clock(), extra)
		},
		TokenTTL: time.Hour,
		Now:      f.clock,
	}
	f.srv = httptest.NewServer(f.Handler())
	t.Cleanup(f.srv.Close)
	is.URL = f.srv.URL
	f.redirect = f.srv.URL + "/console"
	f.RedirectURIs = []string{f.redirect}
	return f
}

func (f *flow) clock() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *flow) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}

// authorization is a valid authorization request of the console.
func (f *flow) authorization() url.Values {
	return url.Values{"response_type": {"code"}, "client_id": {flowClient}, "redirect_uri": {f.redirect},
		"scope": {"openid email profile"}, "state": {"st4te"}, "nonce": {"n0nce"},
		"code_challenge": {auth.S256(flowVerifier)}, "code_challenge_method": {"S256"}}
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func send(t *testing.T, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if method == http.MethodPost {
		body = strings.NewReader(form.Encode())
	} else if form != nil {
		target += "?" + form.Encode()
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// signIn picks a user on the sign-in page and returns where the browser is
// sent back to.
func (f *flow) signIn(t *testing.T, req url.Values, choice url.Values) *url.URL {
	t.Helper()
	res, body := send(t, http.MethodPost, f.srv.URL+auth.AuthorizePath, merge(req, choice))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in: %d %s", res.StatusCode, body)
	}
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return back
}

func (f *flow) code(t *testing.T) string {
	t.Helper()
	back := f.signIn(t, f.authorization(), url.Values{"user": {"admin"}})
	if back.Query().Get("state") != "st4te" || back.Query().Get("code") == "" {
		t.Fatalf("sent back to %s, want the code and the state", back)
	}
	return back.Query().Get("code")
}

func (f *flow) exchange(t *testing.T, edit func(url.Values)) (int, map[string]any, http.Header) {
	t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {f.code(t)}, "redirect_uri": {f.redirect},
		"client_id": {flowClient}, "code_verifier": {flowVerifier}}
	if edit != nil {
		edit(form)
	}
	res, body := send(t, http.MethodPost, f.srv.URL+auth.TokenPath, form)
	var out map[string]any
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatalf("token endpoint answered %d %q", res.StatusCode, body)
	}
	return res.StatusCode, out, res.Header
}

// The discovery document names the flow's endpoints, as Cognito's does.
func TestCodeFlowDiscovery(t *testing.T) {
	f := newFlow(t)
	res, body := send(t, http.MethodGet, f.srv.URL+auth.ConfigurationPath, nil)
	var doc struct {
		Issuer                string   `json:"issuer"`
		AuthorizationEndpoint string   `json:"authorization_endpoint"`
		TokenEndpoint         string   `json:"token_endpoint"`
		JWKSURI               string   `json:"jwks_uri"`
		Challenges            []string `json:"code_challenge_methods_supported"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || res.StatusCode != 200 {
		t.Fatalf("discovery: %d %s", res.StatusCode, body)
	}
	if doc.Issuer != f.srv.URL || doc.AuthorizationEndpoint != f.srv.URL+"/authorize" || doc.TokenEndpoint != f.srv.URL+"/token" ||
		doc.JWKSURI != f.srv.URL+auth.JWKSPath || len(doc.Challenges) != 1 || doc.Challenges[0] != "S256" {
		t.Errorf("discovery = %+v", doc)
	}
}

// A code and its verifier become an ID token the API accepts, carrying the
// request's nonce; the code works once.
func TestCodeFlowIssuesTokens(t *testing.T) {
	f := newFlow(t)
	res, page := send(t, http.MethodGet, f.srv.URL+auth.AuthorizePath, f.authorization())
	if res.StatusCode != 200 || !strings.Contains(page, `data-user="teacher-1"`) || !strings.Contains(page, "lesson 1") ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		t.Fatalf("sign-in page: %d %v\n%s", res.StatusCode, res.Header, page)
	}
	code := f.code(t)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {f.redirect},
		"client_id": {flowClient}, "code_verifier": {flowVerifier}}
	res, body := send(t, http.MethodPost, f.srv.URL+auth.TokenPath, form)
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || res.StatusCode != 200 || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token: %d %s", res.StatusCode, body)
	}
	if res.Header.Get("Cache-Control") != "no-store" || res.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("token answer headers %v, want no-store and any origin", res.Header)
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: f.Issuer.URL, Audience: []string{flowClient}, Now: f.clock})
	if err != nil {
		t.Fatal(err)
	}
	claims, err := v.Verify(context.Background(), tok.IDToken)
	if err != nil || claims["sub"] != "admin" || claims["nonce"] != "n0nce" || claims["cognito:groups"] != "[admin]" {
		t.Errorf("the ID token: %v %v, want admin's with the nonce", claims, err)
	}
	if res, body := send(t, http.MethodPost, f.srv.URL+auth.TokenPath, form); res.StatusCode != 400 || !strings.Contains(body, `"invalid_grant"`) {
		t.Errorf("the code again: %d %s, want 400 invalid_grant", res.StatusCode, body)
	}

	// Someone not on the list, with a role.
	back := f.signIn(t, f.authorization(), url.Values{"sub": {"anna@school.example"}, "role": {"teacher"}})
	res, body = send(t, http.MethodPost, f.srv.URL+auth.TokenPath, url.Values{"grant_type": {"authorization_code"},
		"code": {back.Query().Get("code")}, "redirect_uri": {f.redirect}, "client_id": {flowClient}, "code_verifier": {flowVerifier}})
	if err := json.Unmarshal([]byte(body), &tok); err != nil || res.StatusCode != 200 {
		t.Fatalf("token for anna: %d %s", res.StatusCode, body)
	}
	if claims, err := v.Verify(context.Background(), tok.IDToken); err != nil || claims["sub"] != "anna@school.example" || claims["cognito:groups"] != "[teacher]" {
		t.Errorf("anna's token: %v %v", claims, err)
	}
}

// What PKCE and the code's binding refuse, each with RFC 6749's error.
func TestCodeFlowRefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		wait  time.Duration
		error string
	}{
		{"wrong verifier", func(v url.Values) { v.Set("code_verifier", strings.Repeat("a", 43)) }, 0, "invalid_grant"},
		{"verifier too short", func(v url.Values) { v.Set("code_verifier", "short") }, 0, "invalid_grant"},
		{"no verifier", func(v url.Values) { v.Del("code_verifier") }, 0, "invalid_grant"},
		{"the challenge as verifier", func(v url.Values) { v.Set("code_verifier", auth.S256(flowVerifier)) }, 0, "invalid_grant"},
		{"another redirect_uri", func(v url.Values) { v.Set("redirect_uri", "http://127.0.0.1:9/console") }, 0, "invalid_grant"},
		{"another client", func(v url.Values) { v.Set("client_id", "other") }, 0, "invalid_grant"},
		{"an unknown code", func(v url.Values) { v.Set("code", "made-up") }, 0, "invalid_grant"},
		{"expired code", nil, time.Minute + time.Second, "invalid_grant"},
		{"another grant type", func(v url.Values) { v.Set("grant_type", "password") }, 0, "unsupported_grant_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFlow(t)
			status, body, _ := f.exchange(t, func(v url.Values) {
				f.advance(tc.wait)
				if tc.edit != nil {
					tc.edit(v)
				}
			})
			if status != 400 || body["error"] != tc.error || body["error_description"] == "" || body["id_token"] != nil {
				t.Errorf("token: %d %v, want 400 %s with a description", status, body, tc.error)
			}
		})
	}
	// A refused exchange spends the code: the right verifier cannot follow a wrong one.
	f := newFlow(t)
	code := f.code(t)
	exchange := func(verifier string) (int, string) {
		res, body := send(t, http.MethodPost, f.srv.URL+auth.TokenPath, url.Values{"grant_type": {"authorization_code"},
			"code": {code}, "redirect_uri": {f.redirect}, "client_id": {flowClient}, "code_verifier": {verifier}})
		return res.StatusCode, body
	}
	exchange(strings.Repeat("b", 43))
	if status, body := exchange(flowVerifier); status != 400 || !strings.Contains(body, "used already") {
		t.Errorf("the right verifier after a wrong one: %d %s, want the code spent", status, body)
	}
}

// The sign-in page sends nothing to an unknown client or address, and sends
// a client's other mistakes back to it as errors with its state.
func TestCodeFlowAuthorizationErrors(t *testing.T) {
	f := newFlow(t)
	for _, tc := range []struct {
		name   string
		edit   func(url.Values)
		status int
		error  string // sent back; "" for a page of its own
	}{
		{"unknown client", func(v url.Values) { v.Set("client_id", "other") }, 400, ""},
		{"unregistered redirect_uri", func(v url.Values) { v.Set("redirect_uri", "https://evil.example/console") }, 400, ""},
		{"no redirect_uri", func(v url.Values) { v.Del("redirect_uri") }, 400, ""},
		{"no code_challenge", func(v url.Values) { v.Del("code_challenge") }, 303, "invalid_request"},
		{"plain challenge", func(v url.Values) { v.Set("code_challenge_method", "plain") }, 303, "invalid_request"},
		{"malformed challenge", func(v url.Values) { v.Set("code_challenge", "abc") }, 303, "invalid_request"},
		{"implicit flow", func(v url.Values) { v.Set("response_type", "token") }, 303, "unsupported_response_type"},
		{"no openid scope", func(v url.Values) { v.Set("scope", "email") }, 303, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := f.authorization()
			tc.edit(req)
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				form := req
				if method == http.MethodPost {
					form = merge(req, url.Values{"user": {"admin"}})
				}
				res, body := send(t, method, f.srv.URL+auth.AuthorizePath, form)
				if res.StatusCode != tc.status {
					t.Fatalf("%s: %d %s, want %d", method, res.StatusCode, body, tc.status)
				}
				if tc.error == "" {
					if res.Header.Get("Location") != "" || !strings.Contains(body, "problem") {
						t.Errorf("%s: sent to %q; want a page saying what is wrong", method, res.Header.Get("Location"))
					}
					continue
				}
				back, _ := url.Parse(res.Header.Get("Location"))
				if back.Query().Get("error") != tc.error || back.Query().Get("state") != "st4te" || back.Query().Get("code") != "" ||
					!strings.HasPrefix(back.String(), f.redirect+"?") {
					t.Errorf("%s: sent to %s, want %s?error=%s with the state", method, back, f.redirect, tc.error)
				}
			}
		})
	}
	back := f.signIn(t, f.authorization(), url.Values{"cancel": {"1"}})
	if back.Query().Get("error") != "access_denied" || back.Query().Get("state") != "st4te" {
		t.Errorf("cancel: sent to %s, want access_denied with the state", back)
	}
	for _, choice := range []url.Values{{"user": {"root"}}, {"sub": {"anna"}, "role": {"superuser"}}, {}} {
		res, body := send(t, http.MethodPost, f.srv.URL+auth.AuthorizePath, merge(f.authorization(), choice))
		if res.StatusCode != 400 || res.Header.Get("Location") != "" || !strings.Contains(body, "Choose a user") {
			t.Errorf("sign in with %v: %d to %q, want the page again", choice, res.StatusCode, res.Header.Get("Location"))
		}
	}
}

func merge(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
