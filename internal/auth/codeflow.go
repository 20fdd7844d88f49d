package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// AuthorizePath and TokenPath are where a CodeFlow serves the authorization
// and token endpoints, below its issuer's URL.
const (
	AuthorizePath = "/authorize"
	TokenPath     = "/token"
)

// SignInUser is someone the development sign-in page offers.
type SignInUser struct {
	Subject string
	Role    string
	// About says who the user is, for the page.
	About string
}

// CodeFlow is an issuer's OAuth 2.0 authorization-code flow with PKCE
// (RFC 6749, RFC 7636) for public clients such as the pool console, as
// Cognito's hosted sign-in offers it. Its sign-in page asks for no password:
// it lists users to sign in as, so it belongs to the local runner's
// development issuer alone. Codes are single-use, bound to the client, the
// redirect URI and the S256 code challenge, and expire after CodeTTL.
type CodeFlow struct {
	Issuer *Issuer
	// ClientID is the one client it serves (the issuer's audience).
	ClientID string
	// RedirectURIs are the only addresses it sends codes to.
	RedirectURIs []string
	// Users are offered on the sign-in page; Roles are offered for anyone else.
	Users []SignInUser
	Roles []string
	// Mint makes the ID token of a signed-in user, with extra claims (nonce).
	Mint func(u SignInUser, extra map[string]any) (string, error)
	// TokenTTL is the lifetime of the tokens Mint makes (expires_in).
	TokenTTL time.Duration
	// CodeTTL is how long a code may wait for its exchange (default 1 minute).
	CodeTTL time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu    sync.Mutex
	codes map[string]grant
}

// grant is what a code stands for until it is exchanged.
type grant struct {
	clientID, redirectURI, challenge string
	token                            string
	expires                          time.Time
}

// maxCodes bounds the codes waiting for their exchange.
const maxCodes = 1000

func (f *CodeFlow) now() time.Time {
	if f.Now != nil {
		return f.Now()
	}
	return time.Now()
}

// Configuration is the issuer's OpenID configuration with the flow's endpoints.
func (f *CodeFlow) Configuration() map[string]any {
	c := f.Issuer.Configuration()
	c["authorization_endpoint"] = f.Issuer.URL + AuthorizePath
	c["token_endpoint"] = f.Issuer.URL + TokenPath
	c["response_types_supported"] = []string{"code"}
	c["grant_types_supported"] = []string{"authorization_code"}
	c["code_challenge_methods_supported"] = []string{"S256"}
	c["token_endpoint_auth_methods_supported"] = []string{"none"}
	c["scopes_supported"] = []string{"openid", "email", "profile"}
	return c
}

// Handler serves the sign-in page at AuthorizePath, the token endpoint at
// TokenPath and the issuer's keys and configuration, which advertises both.
func (f *CodeFlow) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+JWKSPath, f.Issuer.Handler())
	mux.HandleFunc("GET "+ConfigurationPath, func(w http.ResponseWriter, r *http.Request) { writeDocument(w, f.Configuration()) })
	mux.HandleFunc("GET "+AuthorizePath, f.authorize)
	mux.HandleFunc("POST "+AuthorizePath, f.authorize)
	mux.HandleFunc("POST "+TokenPath, f.token)
	mux.HandleFunc("OPTIONS "+TokenPath, f.token)
	return mux
}

// authRequest is an authorization request's parameters.
type authRequest struct {
	ResponseType, ClientID, RedirectURI, Scope, State, Nonce, Challenge, Method string
}

func readAuthRequest(v url.Values) authRequest {
	return authRequest{ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"), RedirectURI: v.Get("redirect_uri"),
		Scope: v.Get("scope"), State: v.Get("state"), Nonce: v.Get("nonce"), Challenge: v.Get("code_challenge"),
		Method: v.Get("code_challenge_method")}
}

// challengePattern is a base64url SHA-256 digest, as S256 makes it.
var challengePattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// verifierPattern is RFC 7636's code_verifier.
var verifierPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]{43,128}$`)

// check returns the OAuth error of a request that names a known client and
// redirect URI: "" when it is fine.
func (req authRequest) check() (code, description string) {
	switch {
	case req.ResponseType != "code":
		return "unsupported_response_type", "response_type must be code"
	case req.Challenge == "":
		return "invalid_request", "code_challenge is required: this issuer only does PKCE"
	case req.Method != "S256":
		return "invalid_request", "code_challenge_method must be S256"
	case !challengePattern.MatchString(req.Challenge):
		return "invalid_request", "code_challenge is not a base64url SHA-256 digest"
	case req.Scope != "" && !slices.Contains(strings.Fields(req.Scope), "openid"):
		return "invalid_scope", "scope must include openid"
	}
	return "", ""
}

// authorize is the sign-in page (GET) and its answer (POST), which sends the
// browser back to the client with a code.
func (f *CodeFlow) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.page(w, http.StatusBadRequest, pageData{Problem: "The sign-in request could not be read."})
		return
	}
	req := readAuthRequest(r.Form)
	// An unknown client or redirect URI is never redirected to (RFC 6749 4.1.2.1).
	switch {
	case req.ClientID != f.ClientID:
		f.page(w, http.StatusBadRequest, pageData{Problem: fmt.Sprintf("Unknown client_id %q: this issuer serves %q.", req.ClientID, f.ClientID)})
		return
	case !slices.Contains(f.RedirectURIs, req.RedirectURI):
		f.page(w, http.StatusBadRequest, pageData{Problem: fmt.Sprintf("redirect_uri %q is not one of this issuer's callback URLs (%s).",
			req.RedirectURI, strings.Join(f.RedirectURIs, ", "))})
		return
	}
	if code, desc := req.check(); code != "" {
		redirectBack(w, req, url.Values{"error": {code}, "error_description": {desc}})
		return
	}
	data := pageData{Request: req, Users: f.Users, Roles: f.Roles, Action: strings.TrimPrefix(AuthorizePath, "/")}
	if r.Method == http.MethodGet {
		f.page(w, http.StatusOK, data)
		return
	}
	if r.PostForm.Get("cancel") != "" {
		redirectBack(w, req, url.Values{"error": {"access_denied"}, "error_description": {"the sign-in was cancelled"}})
		return
	}
	user, ok := f.chosen(r.PostForm)
	if !ok {
		data.Problem = "Choose a user, or give a name and a role."
		f.page(w, http.StatusBadRequest, data)
		return
	}
	extra := map[string]any{}
	if req.Nonce != "" {
		extra["nonce"] = req.Nonce
	}
	token, err := f.Mint(user, extra)
	if err != nil {
		data.Problem = "No token for that user: " + err.Error() + "."
		f.page(w, http.StatusBadRequest, data)
		return
	}
	code := randomToken()
	f.mu.Lock()
	now := f.now()
	if f.codes == nil {
		f.codes = map[string]grant{}
	}
	for c, g := range f.codes {
		if !now.Before(g.expires) || len(f.codes) >= maxCodes {
			delete(f.codes, c)
		}
	}
	f.codes[code] = grant{clientID: req.ClientID, redirectURI: req.RedirectURI, challenge: req.Challenge, token: token,
		expires: now.Add(f.codeTTL())}
	f.mu.Unlock()
	redirectBack(w, req, url.Values{"code": {code}})
}

func (f *CodeFlow) codeTTL() time.Duration {
	if f.CodeTTL > 0 {
		return f.CodeTTL
	}
	return time.Minute
}

// chosen is the user the sign-in form names: one of Users ("user" is its
// subject), or anyone else ("sub" with "role").
func (f *CodeFlow) chosen(form url.Values) (SignInUser, bool) {
	if sub := form.Get("user"); sub != "" {
		i := slices.IndexFunc(f.Users, func(u SignInUser) bool { return u.Subject == sub })
		if i < 0 {
			return SignInUser{}, false
		}
		return f.Users[i], true
	}
	sub, role := strings.TrimSpace(form.Get("sub")), form.Get("role")
	if sub == "" || !slices.Contains(f.Roles, role) {
		return SignInUser{}, false
	}
	return SignInUser{Subject: sub, Role: role}, true
}

// redirectBack sends the browser to the request's redirect URI with params
// and the request's state.
func redirectBack(w http.ResponseWriter, req authRequest, params url.Values) {
	u, _ := url.Parse(req.RedirectURI) // one of RedirectURIs
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	if req.State != "" {
		q.Set("state", req.State)
	}
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", u.String())
	w.WriteHeader(http.StatusSeeOther)
}

// tokenError is an error answer of the token endpoint (RFC 6749 5.2).
type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// token exchanges a code and its verifier for the tokens. Browsers call it
// from the client's origin, so it allows any origin, as Cognito's does.
func (f *CodeFlow) token(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "POST")
		h.Set("Access-Control-Allow-Headers", "content-type")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	fail := func(status int, code, desc string) {
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(tokenError{Error: code, Description: desc})
	}
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		fail(http.StatusBadRequest, "invalid_request", "send the parameters as application/x-www-form-urlencoded")
		return
	}
	form := r.PostForm
	if gt := form.Get("grant_type"); gt != "authorization_code" {
		fail(http.StatusBadRequest, "unsupported_grant_type", fmt.Sprintf("grant_type %q: only authorization_code is supported", gt))
		return
	}
	// A code is spent by its first exchange, whatever its outcome, so a
	// stolen code cannot be tried against many verifiers.
	f.mu.Lock()
	g, ok := f.codes[form.Get("code")]
	delete(f.codes, form.Get("code"))
	f.mu.Unlock()
	switch {
	case !ok:
		fail(http.StatusBadRequest, "invalid_grant", "the code is unknown or was used already")
	case !f.now().Before(g.expires):
		fail(http.StatusBadRequest, "invalid_grant", "the code expired: sign in again")
	case form.Get("client_id") != g.clientID:
		fail(http.StatusBadRequest, "invalid_grant", "the code was issued to another client_id")
	case form.Get("redirect_uri") != g.redirectURI:
		fail(http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the one the code was issued for")
	case !verifierPattern.MatchString(form.Get("code_verifier")):
		fail(http.StatusBadRequest, "invalid_grant", "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	case subtle.ConstantTimeCompare([]byte(s256(form.Get("code_verifier"))), []byte(g.challenge)) != 1:
		fail(http.StatusBadRequest, "invalid_grant", "code_verifier does not match the code_challenge")
	default:
		h.Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"id_token": g.token, "access_token": g.token, "token_type": "Bearer", "expires_in": int(f.TokenTTL.Seconds()),
		})
	}
}

// s256 is RFC 7636's S256 code challenge of verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// S256 is the code challenge of verifier, for clients and tests.
func S256(verifier string) string { return s256(verifier) }

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// pageData fills the sign-in page.
type pageData struct {
	Request authRequest
	Users   []SignInUser
	Roles   []string
	Action  string
	Problem string
	Nonce   string
}

// page writes the sign-in page. It runs no script; its one inline style
// carries a fresh nonce, and its form may post only here and lead only back
// to the client.
func (f *CodeFlow) page(w http.ResponseWriter, status int, data pageData) {
	data.Nonce = randomToken()
	formAction := "'self'"
	for _, u := range f.RedirectURIs {
		if p, err := url.Parse(u); err == nil {
			formAction += " " + p.Scheme + "://" + p.Host
		}
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'nonce-"+data.Nonce+"'; form-action "+formAction+
		"; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_ = signInPage.Execute(w, data)
}

var signInPage = template.Must(template.New("sign-in").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in: Zoom Pool development issuer</title>
<style nonce="{{.Nonce}}">
body{margin:0;font:1rem/1.5 system-ui,sans-serif;color:#1d2430;background:#f3f5f8}
main{max-width:34rem;margin:2rem auto;padding:1.25rem;background:#fff;border:1px solid #cfd6df;border-radius:.5rem}
h1{font-size:1.4rem;margin:0 0 .5rem}h2{font-size:1.05rem;margin:1.25rem 0 .5rem}
p{margin:.25rem 0 .75rem}.muted{color:#4f5b6b;font-size:.9rem}
.problem{color:#b3261e;font-weight:600}.problem::before{content:"⚠ "}
ul{list-style:none;padding:0;margin:0;display:flex;flex-direction:column;gap:.5rem}
button{font:inherit;min-height:2.75rem;width:100%;text-align:left;padding:.5rem .9rem;border:1px solid #6e7b8d;border-radius:.35rem;background:#fff;color:#1d2430;cursor:pointer}
button:hover{background:#e7edf6}button strong{display:block}
button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid #ffbf47;outline-offset:2px;box-shadow:0 0 0 5px #1d2430}
.row{display:flex;gap:.5rem;flex-wrap:wrap;align-items:end}.row p{margin:0;display:flex;flex-direction:column;flex:1 1 10rem}
label{font-weight:600}input,select{font:inherit;height:2.75rem;box-sizing:border-box;padding:.3rem .5rem;border:1px solid #6e7b8d;border-radius:.35rem;background:#fff}
.other button,.cancel button{width:auto;text-align:center}.cancel{margin-top:1.5rem}form{margin:0}
</style>
</head>
<body>
<main>
<h1>Sign in to Zoom Pool</h1>
<p class="muted">The local runner's development issuer: no passwords, pick who you are. A deployed stack signs in with Cognito or your own identity provider instead.</p>
{{if .Problem}}<p class="problem" role="alert">{{.Problem}}</p>{{end}}
{{if .Request.ClientID}}
<form method="post" action="{{.Action}}">
{{template "request" .Request}}
<h2>Demo users</h2>
<ul>
{{range .Users}}<li><button type="submit" name="user" value="{{.Subject}}" data-user="{{.Subject}}"><strong>{{.Subject}}</strong> {{.Role}}{{if .About}}: {{.About}}{{end}}</button></li>
{{end}}</ul>
</form>
<form method="post" action="{{.Action}}">
{{template "request" .Request}}
<h2>Someone else</h2>
<div class="row other">
<p><label for="sub">User name</label><input id="sub" name="sub" autocomplete="off" required placeholder="anna@school.example"></p>
<p><label for="role">Role</label><select id="role" name="role">{{range .Roles}}<option value="{{.}}">{{.}}</option>{{end}}</select></p>
<button type="submit">Sign in</button>
</div>
</form>
<form method="post" action="{{.Action}}" class="cancel">
{{template "request" .Request}}
<button type="submit" name="cancel" value="1">Cancel</button>
</form>
{{end}}
</main>
</body>
</html>
{{define "request"}}<input type="hidden" name="response_type" value="{{.ResponseType}}">
<input type="hidden" name="client_id" value="{{.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.RedirectURI}}">
<input type="hidden" name="scope" value="{{.Scope}}">
<input type="hidden" name="state" value="{{.State}}">
<input type="hidden" name="nonce" value="{{.Nonce}}">
<input type="hidden" name="code_challenge" value="{{.Challenge}}">
<input type="hidden" name="code_challenge_method" value="{{.Method}}">{{end}}`))
