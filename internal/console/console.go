// Package console is the pool console: one web page, with its scripts and
// styles embedded in the binary, for the school's admins (the pool's accounts,
// live) and teachers (their week, and starting their lessons). The page signs
// in against the API's issuer with the authorization-code flow and PKCE, and
// calls the API with the token; this package serves the page, its assets and
// the sign-in settings it reads (/console/config.json), and nothing else: it
// holds no data and reads no storage.
package console

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// PagePath is the console's page; AssetPath (a template route, one path
// segment below it) serves its scripts, styles and ConfigFile.
const (
	PagePath   = "/console"
	AssetPath  = "/console/{file}"
	ConfigFile = "config.json"
)

// Scope is what the console asks the issuer for.
const Scope = "openid email profile"

// Config is where and how the console signs in.
type Config struct {
	// Issuer is the OpenID Connect issuer whose tokens the API accepts (JWT_ISSUER).
	Issuer string
	// ClientID is the app client the console signs in as (OIDC_CLIENT_ID): a
	// public client, allowed the authorization-code flow with PKCE.
	ClientID string
	// AuthorizeURL and TokenURL are the issuer's endpoints (OIDC_AUTHORIZE_URL,
	// OIDC_TOKEN_URL). When empty the page reads them from the issuer's
	// discovery document.
	AuthorizeURL string
	TokenURL     string
	// LogoutURL ends the issuer's own session on sign-out (OIDC_LOGOUT_URL),
	// such as Cognito's /logout; empty when the issuer keeps none to end.
	LogoutURL string
	// RolesClaim and TeacherIDClaim name the token claims that hold the
	// caller's roles and teacher id (ROLES_CLAIM, TEACHER_ID_CLAIM), so the
	// page shows what the API will allow.
	RolesClaim     string
	TeacherIDClaim string
}

// ConfigFromEnv reads the console's configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Issuer:         getenv("JWT_ISSUER"),
		ClientID:       getenv("OIDC_CLIENT_ID"),
		AuthorizeURL:   getenv("OIDC_AUTHORIZE_URL"),
		TokenURL:       getenv("OIDC_TOKEN_URL"),
		LogoutURL:      getenv("OIDC_LOGOUT_URL"),
		RolesClaim:     getenv("ROLES_CLAIM"),
		TeacherIDClaim: getenv("TEACHER_ID_CLAIM"),
	}
	return c, c.Validate()
}

// Validate checks that every URL is absolute, and HTTPS but on this machine.
func (c Config) Validate() error {
	var problems []string
	for _, u := range []struct{ name, value string }{
		{"JWT_ISSUER", c.Issuer}, {"OIDC_AUTHORIZE_URL", c.AuthorizeURL}, {"OIDC_TOKEN_URL", c.TokenURL}, {"OIDC_LOGOUT_URL", c.LogoutURL},
	} {
		if u.value == "" {
			continue
		}
		if _, err := origin(u.value); err != nil {
			problems = append(problems, fmt.Sprintf("%s %q: %v", u.name, u.value, err))
		}
	}
	if c.Issuer != "" && c.ClientID == "" {
		problems = append(problems, "JWT_ISSUER is set but OIDC_CLIENT_ID is not: name the app client the console signs in as")
	}
	if (c.AuthorizeURL == "") != (c.TokenURL == "") {
		problems = append(problems, "set both OIDC_AUTHORIZE_URL and OIDC_TOKEN_URL, or neither to read them from the issuer's discovery document")
	}
	if len(problems) > 0 {
		return fmt.Errorf("console configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

// origin returns the scheme://host[:port] of an absolute http(s) URL, which
// must be HTTPS unless its host is a loopback address.
func origin(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("not an absolute http(s) URL")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("use https (http only for localhost)")
	}
	return u.Scheme + "://" + u.Host, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// signIn is config.json: what the page needs to sign in, by the names of
// OpenID Connect discovery.
type signIn struct {
	Issuer                string `json:"issuer"`
	ClientID              string `json:"client_id"`
	AuthorizationEndpoint string `json:"authorization_endpoint,omitempty"`
	TokenEndpoint         string `json:"token_endpoint,omitempty"`
	EndSessionEndpoint    string `json:"end_session_endpoint,omitempty"`
	Scope                 string `json:"scope"`
	RolesClaim            string `json:"roles_claim"`
	TeacherIDClaim        string `json:"teacher_id_claim"`
}

//go:embed static
var static embed.FS

//go:embed vendor/fullcalendar/fullcalendar.min.js
var fullCalendar []byte

// asset is a file the console serves below PagePath.
type asset struct {
	body        []byte
	contentType string
	// version is a digest of body: the page asks for the asset with ?v=version
	// and such requests may be cached for good.
	version string
	// gzipped returns body compressed, for browsers that accept it (nil when
	// it would not save a tenth). It compresses when first asked, not while
	// the function starts: compressing every asset at once made the
	// console's cold start twice as long.
	gzipped func() []byte
}

var contentTypes = map[string]string{
	".css": "text/css; charset=utf-8",
	".js":  "text/javascript; charset=utf-8",
	".svg": "image/svg+xml",
}

// Handler serves the console.
type Handler struct {
	assets  map[string]asset
	page    *template.Template
	config  []byte
	connect string // the CSP's connect-src beyond 'self'
}

// New returns the console's handler for cfg.
func New(cfg Config) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	h := &Handler{assets: map[string]asset{}}
	files, err := fs.Glob(static, "static/*")
	if err != nil {
		return nil, err
	}
	add := func(name string, body []byte) {
		sum := sha256.Sum256(body)
		h.assets[name] = asset{body: body, contentType: contentTypes[path.Ext(name)], version: hex.EncodeToString(sum[:8]),
			gzipped: sync.OnceValue(func() []byte { return compress(body) })}
	}
	for _, f := range files {
		if name := path.Base(f); contentTypes[path.Ext(name)] != "" {
			body, _ := static.ReadFile(f)
			add(name, body)
		}
	}
	add("fullcalendar.min.js", fullCalendar)

	raw, err := static.ReadFile("static/index.html")
	if err != nil {
		return nil, err
	}
	h.page, err = template.New("index.html").Funcs(template.FuncMap{"asset": h.assetURL}).Parse(string(raw))
	if err != nil {
		return nil, err
	}

	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "cognito:groups"
	}
	if cfg.TeacherIDClaim == "" {
		cfg.TeacherIDClaim = "sub"
	}
	h.config, err = json.Marshal(signIn{Issuer: cfg.Issuer, ClientID: cfg.ClientID, AuthorizationEndpoint: cfg.AuthorizeURL,
		TokenEndpoint: cfg.TokenURL, EndSessionEndpoint: cfg.LogoutURL, Scope: Scope,
		RolesClaim: cfg.RolesClaim, TeacherIDClaim: cfg.TeacherIDClaim})
	if err != nil {
		return nil, err
	}
	// The page reads the issuer's discovery document (when the endpoints are
	// not configured) and exchanges its code at the token endpoint.
	var origins []string
	for _, u := range []string{cfg.Issuer, cfg.TokenURL} {
		if o, err := origin(u); err == nil && !slices.Contains(origins, o) {
			origins = append(origins, o)
		}
	}
	h.connect = strings.Join(origins, " ")
	return h, nil
}

// assetURL is the page's link to a named asset, relative to PagePath.
func (h *Handler) assetURL(name string) (string, error) {
	a, ok := h.assets[name]
	if !ok {
		return "", fmt.Errorf("the page links to %s, which the console does not have", name)
	}
	return "console/" + name + "?v=" + a.version, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	secure(w.Header())
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plain(w, http.StatusMethodNotAllowed, "the console only answers GET")
		return
	}
	switch p := r.URL.Path; {
	case p == PagePath:
		h.servePage(w, r)
	case p == PagePath+"/":
		// The page's links are relative to /console.
		w.Header().Set("Location", "../console")
		w.WriteHeader(http.StatusMovedPermanently)
	case p == PagePath+"/"+ConfigFile:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(h.config))
	case strings.HasPrefix(p, PagePath+"/"):
		a, ok := h.assets[strings.TrimPrefix(p, PagePath+"/")]
		if !ok {
			plain(w, http.StatusNotFound, "the console has no file "+p)
			return
		}
		hd := w.Header()
		hd.Set("Content-Type", a.contentType)
		if r.URL.Query().Get("v") == a.version {
			hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hd.Set("Cache-Control", "no-cache")
		}
		body, etag := a.body, `"`+a.version+`"`
		if gzipped := a.gzipped(); gzipped != nil {
			hd.Set("Vary", "Accept-Encoding")
			if acceptsGzip(r.Header.Get("Accept-Encoding")) {
				body, etag = gzipped, `"`+a.version+`-gzip"`
				hd.Set("Content-Encoding", "gzip")
			}
		}
		hd.Set("ETag", etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
	default:
		plain(w, http.StatusNotFound, "the console has no page "+p)
	}
}

// compress returns body gzipped, or nil when that saves less than a tenth.
func compress(body []byte) []byte {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(body)
	_ = zw.Close()
	if buf.Len() > len(body)*9/10 {
		return nil
	}
	return buf.Bytes()
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.TrimSpace(coding) != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

// servePage writes the page with a fresh nonce, which only FullCalendar's
// injected stylesheet carries: no inline script runs, and no other inline style.
func (h *Handler) servePage(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	nonce := base64.RawURLEncoding.EncodeToString(b)
	var buf bytes.Buffer
	if err := h.page.Execute(&buf, struct{ Nonce string }{nonce}); err != nil {
		plain(w, http.StatusInternalServerError, "the console page could not be made")
		return
	}
	hd := w.Header()
	hd.Set("Content-Security-Policy", h.policy(nonce))
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", fmt.Sprint(buf.Len()))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// policy is the page's Content-Security-Policy: scripts and styles of the
// console only, API calls to its own origin and the issuer's, no framing.
func (h *Handler) policy(nonce string) string {
	connect := "'self'"
	if h.connect != "" {
		connect += " " + h.connect
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self' 'nonce-" + nonce + "'",
		"img-src 'self' data:",
		"font-src data:", // FullCalendar's icon font
		"connect-src " + connect,
		"base-uri 'none'",
		"form-action 'self'",
		"frame-ancestors 'none'",
	}, "; ")
}

// secure sets the headers every answer of the console carries; the page
// replaces the Content-Security-Policy with its own.
func secure(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
}

func plain(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
