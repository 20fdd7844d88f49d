package console_test

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"zoompool/internal/console"
)

// cognito is a console configured as the template configures it with the
// stack's user pool.
var cognito = console.Config{
	Issuer:         "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_Ab12Cd34E",
	ClientID:       "4sdq7mrl1j6c9b2kq8o0v3hnta",
	AuthorizeURL:   "https://zoom-pool-1234.auth.eu-central-1.amazoncognito.com/oauth2/authorize",
	TokenURL:       "https://zoom-pool-1234.auth.eu-central-1.amazoncognito.com/oauth2/token",
	LogoutURL:      "https://zoom-pool-1234.auth.eu-central-1.amazoncognito.com/logout",
	RolesClaim:     "cognito:groups",
	TeacherIDClaim: "sub",
}

func newServer(t *testing.T, cfg console.Config) *httptest.Server {
	t.Helper()
	h, err := console.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func get(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	// Redirects are answers to check, not to follow.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		problem string // in the error; "" for none
	}{
		{"nothing: sign-in not configured", nil, ""},
		{"the stack's user pool", map[string]string{"JWT_ISSUER": cognito.Issuer, "OIDC_CLIENT_ID": cognito.ClientID,
			"OIDC_AUTHORIZE_URL": cognito.AuthorizeURL, "OIDC_TOKEN_URL": cognito.TokenURL, "OIDC_LOGOUT_URL": cognito.LogoutURL}, ""},
		{"another issuer, endpoints by discovery", map[string]string{"JWT_ISSUER": "https://school.eu.auth0.com/", "OIDC_CLIENT_ID": "abc"}, ""},
		{"the local runner", map[string]string{"JWT_ISSUER": "http://127.0.0.1:3000", "OIDC_CLIENT_ID": "zoom-pool-local"}, ""},
		{"an issuer without a client", map[string]string{"JWT_ISSUER": cognito.Issuer}, "OIDC_CLIENT_ID"},
		{"plain http off this machine", map[string]string{"JWT_ISSUER": "http://idp.school.example", "OIDC_CLIENT_ID": "abc"}, "use https"},
		{"a relative token URL", map[string]string{"JWT_ISSUER": cognito.Issuer, "OIDC_CLIENT_ID": "abc",
			"OIDC_AUTHORIZE_URL": cognito.AuthorizeURL, "OIDC_TOKEN_URL": "/oauth2/token"}, "OIDC_TOKEN_URL"},
		{"one endpoint of two", map[string]string{"JWT_ISSUER": cognito.Issuer, "OIDC_CLIENT_ID": "abc",
			"OIDC_AUTHORIZE_URL": cognito.AuthorizeURL}, "both OIDC_AUTHORIZE_URL and OIDC_TOKEN_URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := console.ConfigFromEnv(func(k string) string { return tc.env[k] })
			switch {
			case tc.problem == "" && err != nil:
				t.Errorf("ConfigFromEnv: %v", err)
			case tc.problem != "" && (err == nil || !strings.Contains(err.Error(), tc.problem)):
				t.Errorf("ConfigFromEnv: %v, want an error about %s", err, tc.problem)
			}
		})
	}
}

// The page runs no inline script: a strict policy, a fresh nonce for the
// calendar's injected stylesheet only, and no framing.
func TestPageHeaders(t *testing.T) {
	srv := newServer(t, cognito)
	res, body := get(t, srv.URL+"/console")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /console: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	csp := res.Header.Get("Content-Security-Policy")
	nonce := regexp.MustCompile(`<meta name="csp-nonce" content="([A-Za-z0-9_-]{24})">`).FindStringSubmatch(body)
	if nonce == nil {
		t.Fatalf("the page has no csp-nonce meta tag:\n%s", body)
	}
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self' 'nonce-" + nonce[1] + "'",
		"frame-ancestors 'none'", "base-uri 'none'", "connect-src 'self' https://cognito-idp.eu-central-1.amazonaws.com https://zoom-pool-1234.auth.eu-central-1.amazoncognito.com"} {
		if !strings.Contains(csp, want) {
			t.Errorf("Content-Security-Policy %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q allows something unsafe", csp)
	}
	for header, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
		"Referrer-Policy": "no-referrer", "Cache-Control": "no-store"} {
		if got := res.Header.Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	if _, again := get(t, srv.URL+"/console"); strings.Contains(again, nonce[1]) {
		t.Error("two answers share a nonce")
	}
	// Nothing inline for the policy to let through.
	scripts := regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(body, -1)
	if len(scripts) != strings.Count(body, "<script") {
		t.Errorf("the page has %d script tags, %d of them closed at once", strings.Count(body, "<script"), len(scripts))
	}
	for _, s := range scripts {
		if !strings.Contains(s[1], ` src="console/`) || strings.TrimSpace(s[2]) != "" {
			t.Errorf("the page has an inline script: %q", s[0])
		}
	}
	for _, inline := range []*regexp.Regexp{regexp.MustCompile(`\son[a-z]+=`), regexp.MustCompile(`\sstyle=`),
		regexp.MustCompile(`<style`), regexp.MustCompile(`javascript:`)} {
		if m := inline.FindString(body); m != "" {
			t.Errorf("the page has inline code or style: %q", m)
		}
	}
}

// Every asset the page links to is served with its type and cached for good
// under its versioned link; without the version, browsers revalidate it.
func TestAssets(t *testing.T) {
	srv := newServer(t, cognito)
	_, page := get(t, srv.URL+"/console")
	links := regexp.MustCompile(`(?:src|href)="(console/([a-z.]+)\?v=([0-9a-f]{16}))"`).FindAllStringSubmatch(page, -1)
	types := map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml"}
	want := map[string]bool{"fullcalendar.min.js": true, "signin.js": true, "occupancy.js": true, "console.js": true, "console.css": true, "icon.svg": true}
	for _, l := range links {
		link, name, version := l[1], l[2], l[3]
		delete(want, name)
		t.Run(name, func(t *testing.T) {
			res, body := get(t, srv.URL+"/"+link, "Accept-Encoding", "identity")
			plain := body
			ext := name[strings.LastIndex(name, "."):]
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != types[ext] || len(body) == 0 {
				t.Fatalf("GET %s: %d %q, %d bytes", link, res.StatusCode, res.Header.Get("Content-Type"), len(body))
			}
			sum := sha256.Sum256([]byte(body))
			if hex.EncodeToString(sum[:8]) != version || res.Header.Get("ETag") != `"`+version+`"` {
				t.Errorf("%s: version %s, ETag %s; want both the digest of the body", name, version, res.Header.Get("ETag"))
			}
			if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
				t.Errorf("%s with its version: Cache-Control %q, want it cached for good", name, cc)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: no X-Content-Type-Options: nosniff", name)
			}
			res, _ = get(t, srv.URL+"/console/"+name)
			if cc := res.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("%s without its version: Cache-Control %q, want no-cache", name, cc)
			}
			res, body = get(t, srv.URL+"/console/"+name, "If-None-Match", `"`+version+`"`, "Accept-Encoding", "identity")
			if res.StatusCode != http.StatusNotModified || body != "" {
				t.Errorf("%s with its ETag: %d, %d bytes; want 304 Not Modified", name, res.StatusCode, len(body))
			}
			// Browsers that take gzip get it, when it is worth it, under an ETag of its own.
			res, zipped := get(t, srv.URL+"/"+link, "Accept-Encoding", "gzip, deflate, br")
			if ext == ".js" || ext == ".css" {
				zr, err := gzip.NewReader(strings.NewReader(zipped))
				if err != nil || res.Header.Get("Content-Encoding") != "gzip" || res.Header.Get("ETag") != `"`+version+`-gzip"` ||
					res.Header.Get("Vary") != "Accept-Encoding" {
					t.Fatalf("%s for gzip: %v, %v", name, res.Header, err)
				}
				if unzipped, _ := io.ReadAll(zr); string(unzipped) != plain || len(zipped) >= len(plain) {
					t.Errorf("%s gzipped: %d bytes that do not unzip to the file", name, len(zipped))
				}
				if res, _ := get(t, srv.URL+"/"+link, "Accept-Encoding", "gzip;q=0, br"); res.Header.Get("Content-Encoding") != "" {
					t.Errorf("%s for a browser refusing gzip: Content-Encoding %q", name, res.Header.Get("Content-Encoding"))
				}
			}
		})
	}
	if len(want) > 0 {
		t.Errorf("the page does not link to %v", want)
	}
	for path, status := range map[string]int{"/console/missing.js": 404, "/console/index.html": 404, "/console/.": 404, "/elsewhere": 404} {
		if res, _ := get(t, srv.URL+path); res.StatusCode != status {
			t.Errorf("GET %s: %d, want %d", path, res.StatusCode, status)
		}
	}
	if res, _ := get(t, srv.URL+"/console/"); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "../console" {
		t.Errorf("GET /console/: %d to %q, want a redirect to the page", res.StatusCode, res.Header.Get("Location"))
	}
	res, err := http.Post(srv.URL+"/console", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /console: %d, want 405", res.StatusCode)
	}
}

// config.json tells the page where to sign in, under the names of OpenID
// Connect discovery, and what the token's claims mean.
func TestConfigEndpoint(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  console.Config
		want map[string]string
	}{
		{"the stack's user pool", cognito, map[string]string{"issuer": cognito.Issuer, "client_id": cognito.ClientID,
			"authorization_endpoint": cognito.AuthorizeURL, "token_endpoint": cognito.TokenURL, "end_session_endpoint": cognito.LogoutURL,
			"scope": "openid email profile", "roles_claim": "cognito:groups", "teacher_id_claim": "sub"}},
		{"another issuer", console.Config{Issuer: "https://school.eu.auth0.com/", ClientID: "abc", RolesClaim: "https://school/roles",
			TeacherIDClaim: "email"}, map[string]string{"issuer": "https://school.eu.auth0.com/", "client_id": "abc",
			"scope": "openid email profile", "roles_claim": "https://school/roles", "teacher_id_claim": "email"}},
		{"not configured", console.Config{}, map[string]string{"issuer": "", "client_id": "", "scope": "openid email profile",
			"roles_claim": "cognito:groups", "teacher_id_claim": "sub"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.cfg)
			res, body := get(t, srv.URL+"/console/config.json")
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" || res.Header.Get("Cache-Control") != "no-cache" {
				t.Fatalf("GET config.json: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
			}
			var got map[string]string
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Errorf("config.json = %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("config.json %s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
	if _, err := console.New(console.Config{Issuer: "http://idp.school.example", ClientID: "x"}); err == nil {
		t.Error("New accepted a plain-http issuer")
	}
}

// The scripts put what the API sends into the page as text, never as HTML.
func TestScriptsNeverWriteHTML(t *testing.T) {
	for _, name := range []string{"console.js", "signin.js", "occupancy.js"} {
		src, err := os.ReadFile("static/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, sink := range []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setAttribute('style'"} {
			if strings.Contains(string(src), sink) {
				t.Errorf("%s uses %s", name, sink)
			}
		}
	}
}

// The vendored FullCalendar is the npm release VENDORED.md names.
func TestVendoredFullCalendar(t *testing.T) {
	js, err := os.ReadFile("vendor/fullcalendar/fullcalendar.min.js")
	if err != nil {
		t.Fatal(err)
	}
	notes, err := os.ReadFile("vendor/VENDORED.md")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(js)
	if !strings.Contains(string(notes), hex.EncodeToString(sum[:])) {
		t.Errorf("vendor/VENDORED.md does not name the SHA-256 %x of fullcalendar.min.js", sum)
	}
	if !strings.HasPrefix(string(js), "/*!\nFullCalendar Standard Bundle v6.1.21") || !strings.Contains(string(notes), "| 6.1.21 |") {
		t.Error("fullcalendar.min.js is not the standard bundle 6.1.21 that VENDORED.md names")
	}
	if license, err := os.ReadFile("vendor/fullcalendar/LICENSE.md"); err != nil || !strings.HasPrefix(string(license), "MIT License") {
		t.Errorf("vendor/fullcalendar/LICENSE.md: %v, want FullCalendar's MIT licence", err)
	}
}
