// Package zoomtest is a double of Zoom's REST API and its Server-to-Server
// OAuth token endpoint, over HTTP, for tests and local trials. It speaks
// Zoom's JSON shapes, status codes and error bodies, holds the meetings it
// created, counts token fetches and calls, and can delay, fail, rate-limit,
// expire tokens, and time out after creating.
//
// Routes (the API under /v2, as https://api.zoom.us/v2):
//
//	POST   /oauth/token?grant_type=account_credentials&account_id=...  (HTTP Basic client_id:client_secret)
//	POST   /v2/users/{userId}/meetings
//	GET    /v2/users/{userId}/meetings?type=upcoming|scheduled|live&page_size=&next_page_token=
//	GET    /v2/meetings/{meetingId}
//	PUT    /v2/meetings/{meetingId}/status   {"action":"end"}
//	DELETE /v2/meetings/{meetingId}
package zoomtest

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool/internal/zoom"
)

// Operations, as Fault.Op and Calls name them.
const (
	OpToken  = "token"  // POST /oauth/token
	OpCreate = "create" // POST /v2/users/{userId}/meetings
	OpList   = "list"   // GET /v2/users/{userId}/meetings
	OpGet    = "get"    // GET /v2/meetings/{meetingId}
	OpEnd    = "end"    // PUT /v2/meetings/{meetingId}/status
	OpDelete = "delete" // DELETE /v2/meetings/{meetingId}
)

// App is a Server-to-Server OAuth app the double knows.
type App struct {
	AccountID    string
	ClientID     string
	ClientSecret string
}

// DefaultApp is the app every new Double knows. Its secret is public: it
// guards nothing but the double.
var DefaultApp = App{AccountID: "double-account", ClientID: "double-client", ClientSecret: "double-secret"}

// Meeting is a meeting the double holds.
type Meeting struct {
	ID        uint64
	UUID      string
	UserID    string // the user it was created for, as in the request's path
	HostID    string
	Topic     string
	Agenda    string
	StartTime string
	Duration  int
	Timezone  string
	Password  string
	Settings  map[string]any
	// Status is "waiting", or "ended" once ended through the API.
	Status    string
	CreatedAt time.Time
	JoinURL   string
}

// Fault changes how the double answers requests of one operation.
type Fault struct {
	// Op is the operation it applies to (OpCreate, ...); "" for all.
	Op string
	// Times is how many requests it applies to; 0 for all until cleared.
	Times int
	// Delay is how long the double waits before answering (it gives up
	// waiting when the client hangs up).
	Delay time.Duration
	// After makes the request take effect before the delay: with a Delay
	// longer than the client waits, a create that times out after creating.
	After bool
	// Took, when set, is called once the request took effect (with After),
	// before the delay: a test acts at that moment, such as cancelling the
	// client's context, rather than at a time it guesses.
	Took func()
	// Drop closes the connection instead of answering, as a network that
	// loses the answer does: the client cannot tell whether the request took
	// effect (with After it did), and learns it at once.
	Drop bool
	// Status, when set, is the answer instead of doing the request, with
	// Zoom's error body {"code":Code,"message":Message} and Header.
	Status  int
	Code    int
	Message string
	Header  http.Header
}

// Double is the Zoom API double. The zero value is not usable: use New.
type Double struct {
	// BaseURL is the URL the double is served at, for the links it makes;
	// NewServer sets it.
	BaseURL string
	// TokenTTL is the expires_in of new tokens. Default 1 hour, as Zoom's.
	TokenTTL time.Duration
	// DailyCreateLimit is how many meetings one user may create a day
	// (Zoom: 100). Past it, creates answer 429 until 00:00 UTC.
	DailyCreateLimit int
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mux          *http.ServeMux
	mu           sync.Mutex
	apps         map[string]App // by client id
	tokens       map[string]tokenGrant
	meetings     map[uint64]*Meeting
	missing      map[string]bool // users that do not exist
	created      map[string]int  // creates per "user day"
	calls        map[string]int
	faults       []*Fault
	nextID       uint64
	tokenFetches int
}

type tokenGrant struct {
	accountID string
	expires   time.Time
}

// New returns a double that knows DefaultApp and every user but those
// removed with RemoveUser.
func New() *Double {
	d := &Double{TokenTTL: time.Hour, DailyCreateLimit: 100, apps: map[string]App{}, tokens: map[string]tokenGrant{},
		meetings: map[uint64]*Meeting{}, missing: map[string]bool{}, created: map[string]int{}, calls: map[string]int{}}
	d.AddApp(DefaultApp)
	d.routes()
	return d
}

// Server is a Double served over HTTP by an httptest.Server.
type Server struct {
	*Double
	HTTP *httptest.Server
}

// NewServer starts a double on a local port and stops it when tb ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	d := New()
	srv := httptest.NewServer(d)
	tb.Cleanup(srv.Close)
	d.BaseURL = srv.URL
	return &Server{Double: d, HTTP: srv}
}

// APIURL is the ZOOM_API_URL of the double.
func (s *Server) APIURL() string { return s.HTTP.URL + "/v2" }

// OAuthURL is the ZOOM_OAUTH_URL of the double.
func (s *Server) OAuthURL() string { return s.HTTP.URL }

// AddApp registers an app, whose credentials then get tokens.
func (d *Double) AddApp(a App) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.apps[a.ClientID] = a
}

// RemoveUser makes a user unknown: its requests answer 404 code 1001.
func (d *Double) RemoveUser(userID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.missing[userID] = true
}

// ExhaustDailyLimit makes user's creates of today (UTC) reach
// DailyCreateLimit: its next creates answer Zoom's daily-limit 429 until
// 00:00 UTC.
func (d *Double) ExhaustDailyLimit(userID string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.created[userID+"@"+d.now().UTC().Format(time.DateOnly)] = d.DailyCreateLimit
}

// SetNextMeetingID makes the next meeting's id id, and the following ones
// count up from it (e.g. above 2^53, to test that ids stay exact).
func (d *Double) SetNextMeetingID(id uint64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nextID = id
}

// Inject adds a fault. Faults apply in the order they were added; each
// request meets at most one.
func (d *Double) Inject(f Fault) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = append(d.faults, &f)
}

// ClearFaults removes every fault.
func (d *Double) ClearFaults() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.faults = nil
}

// ExpireTokens makes every token issued so far invalid, as when Zoom revokes
// them: the API answers 401 code 124 to them.
func (d *Double) ExpireTokens() {
	d.mu.Lock()
	defer d.mu.Unlock()
	clear(d.tokens)
}

// TokenFetches is how many tokens the double has issued.
func (d *Double) TokenFetches() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.tokenFetches
}

// Calls is how many requests of op (OpCreate, ...) the double received,
// failed ones included.
func (d *Double) Calls(op string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.calls[op]
}

// Meetings returns the meetings the double holds (created, not deleted),
// by id.
func (d *Double) Meetings() []Meeting {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := make([]Meeting, 0, len(d.meetings))
	for _, m := range d.meetings {
		out = append(out, *m)
	}
	slices.SortFunc(out, func(a, b Meeting) int { return compare(a.ID, b.ID) })
	return out
}

// Meeting returns the meeting with id, if the double holds it.
func (d *Double) Meeting(id string) (Meeting, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.meetings[n]
	if err != nil || !ok {
		return Meeting{}, false
	}
	return *m, true
}

func compare(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (d *Double) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// ServeHTTP answers as Zoom does.
func (d *Double) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.mux.ServeHTTP(w, r) }

func (d *Double) routes() {
	d.mux = http.NewServeMux()
	d.handle("POST /oauth/token", OpToken, d.token)
	d.handle("POST /v2/users/{userId}/meetings", OpCreate, d.authed(d.create))
	d.handle("GET /v2/users/{userId}/meetings", OpList, d.authed(d.list))
	d.handle("GET /v2/meetings/{meetingId}", OpGet, d.authed(d.get))
	d.handle("PUT /v2/meetings/{meetingId}/status", OpEnd, d.authed(d.end))
	d.handle("DELETE /v2/meetings/{meetingId}", OpDelete, d.authed(d.delete))
	d.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, nil, 404, "Not Found")
	})
}

// handle serves op at pattern, counting its calls and applying its faults.
func (d *Double) handle(pattern, op string, h http.HandlerFunc) {
	d.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		// Read the body first: then the server notices when the client hangs
		// up during a delay.
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		d.mu.Lock()
		d.calls[op]++
		f := d.fault(op)
		d.mu.Unlock()
		if f != nil && !f.After && f.answered(w, r) {
			return
		}
		rec := httptest.NewRecorder()
		h(rec, r)
		if f != nil && f.After {
			if f.Took != nil {
				f.Took()
			}
			if f.answered(w, r) {
				return // the request took effect; its answer is lost or replaced
			}
		}
		maps.Copy(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// answered applies f to the request r: its delay, then a dropped connection
// or an error answer. It reports whether that ended the request (the client
// also ends it by hanging up during the delay).
func (f *Fault) answered(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case !wait(r, f.Delay):
		return true
	case f.Drop:
		drop(w)
		return true
	case f.Status != 0:
		writeError(w, f.Status, f.Header, f.Code, f.Message)
		return true
	}
	return false
}

// fault takes the first fault for op, counting it down.
func (d *Double) fault(op string) *Fault {
	for i, f := range d.faults {
		if f.Op != "" && f.Op != op {
			continue
		}
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				d.faults = slices.Delete(d.faults, i, i+1)
			}
		}
		return f
	}
	return nil
}

// drop closes the connection of w without an answer.
func drop(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // not HTTP/1: the server resets the stream
	}
	_ = conn.Close()
}

// wait waits d, or until the client hangs up; it reports whether to answer.
func wait(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// token is POST /oauth/token with the account_credentials grant.
func (d *Double) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil { // query and form body, as Zoom takes both
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid request : the form is malformed.")
		return
	}
	clientID, secret, ok := r.BasicAuth()
	if !ok {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid request : Missing Authorization header.")
		return
	}
	if g := r.Form.Get("grant_type"); g != "account_credentials" {
		writeOAuthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	app, known := d.apps[clientID]
	if !known || app.ClientSecret != secret {
		writeOAuthError(w, http.StatusUnauthorized, "invalid_client", "Invalid client_id or client_secret")
		return
	}
	if r.Form.Get("account_id") != app.AccountID {
		writeOAuthError(w, http.StatusBadRequest, "invalid_request", "Invalid request : Account ID does not match the app.")
		return
	}
	tok := randomText(43)
	d.tokens[tok] = tokenGrant{accountID: app.AccountID, expires: d.now().Add(d.TokenTTL)}
	d.tokenFetches++
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": tok, "token_type": "bearer", "expires_in": int64(d.TokenTTL / time.Second),
		"scope":   "meeting:write:meeting:admin meeting:read:meeting:admin meeting:read:list_meetings:admin meeting:update:status:admin meeting:delete:meeting:admin user:read:user:admin",
		"api_url": d.BaseURL,
	})
}

// authed checks the bearer token before next.
func (d *Double) authed(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		d.mu.Lock()
		g, known := d.tokens[tok]
		valid := ok && known && d.now().Before(g.expires)
		d.mu.Unlock()
		if !valid {
			if known && ok {
				writeError(w, http.StatusUnauthorized, nil, 124, "Access token is expired.")
				return
			}
			writeError(w, http.StatusUnauthorized, nil, 124, "Invalid access token.")
			return
		}
		next(w, r)
	}
}

// createRequest is the part of Zoom's create-meeting body the double checks.
type createRequest struct {
	Topic     string         `json:"topic"`
	Type      int            `json:"type"`
	StartTime string         `json:"start_time"`
	Duration  int            `json:"duration"`
	Timezone  string         `json:"timezone"`
	Password  string         `json:"password"`
	Agenda    string         `json:"agenda"`
	Settings  map[string]any `json:"settings"`
}

// fieldError is one entry of a 300 Validation Failed answer.
type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (d *Double) create(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("userId")
	var in createRequest
	dec := json.NewDecoder(r.Body)
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		writeError(w, http.StatusBadRequest, nil, 300, "Request Body should be a valid JSON object.")
		return
	}
	var bad []fieldError
	if in.Type != 1 && in.Type != 2 && in.Type != 3 && in.Type != 8 && in.Type != 10 {
		bad = append(bad, fieldError{"type", "Invalid field."})
	}
	if len([]rune(in.Topic)) > 200 {
		bad = append(bad, fieldError{"topic", "Topic must be at most 200 characters."})
	}
	if len([]rune(in.Agenda)) > 2000 {
		bad = append(bad, fieldError{"agenda", "Agenda must be at most 2000 characters."})
	}
	if _, err := time.Parse(time.RFC3339, in.StartTime); in.Type == 2 && err != nil {
		bad = append(bad, fieldError{"start_time", "Invalid field."})
	}
	if in.Duration < 0 {
		bad = append(bad, fieldError{"duration", "Invalid field."})
	}
	if len(in.Password) > 10 || strings.ContainsFunc(in.Password, func(c rune) bool { return !strings.ContainsRune(passcodeChars, c) }) {
		bad = append(bad, fieldError{"password", "Password can only contain the following characters: [a-z A-Z 0-9 @ - _ *] and can have a maximum of 10 characters."})
	}
	if len(bad) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 300, "message": "Validation Failed.", "errors": bad})
		return
	}
	now := d.now().UTC()
	d.mu.Lock()
	if d.missing[user] {
		d.mu.Unlock()
		writeError(w, http.StatusNotFound, nil, 1001, "User does not exist: "+user+".")
		return
	}
	day := user + "@" + now.Format(time.DateOnly)
	if d.created[day] >= d.DailyCreateLimit {
		d.mu.Unlock()
		writeDailyLimit(w, d.DailyCreateLimit, now)
		return
	}
	d.created[day]++
	if d.nextID == 0 {
		n, _ := rand.Int(rand.Reader, big.NewInt(9e9))
		d.nextID = 81e9 + n.Uint64() // 11 digits, like Zoom's
	}
	m := &Meeting{ID: d.nextID, UUID: randomText(22) + "==", UserID: user, HostID: hostID(user), Topic: in.Topic,
		Agenda: in.Agenda, StartTime: in.StartTime, Duration: in.Duration, Timezone: in.Timezone, Password: in.Password,
		Settings: in.Settings, Status: "waiting", CreatedAt: now}
	d.nextID++
	if m.Password == "" {
		m.Password = randomText(6)
	}
	m.JoinURL = fmt.Sprintf("%s/j/%d?pwd=%s", d.BaseURL, m.ID, randomText(32))
	d.meetings[m.ID] = m
	out := d.meetingJSON(m)
	d.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

// list is GET /users/{userId}/meetings. The double does not expire meetings,
// so every type lists all of the user's meetings but ended ones for "live".
func (d *Double) list(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("userId")
	q := r.URL.Query()
	kind := q.Get("type")
	switch kind {
	case "", "scheduled", "upcoming", "upcoming_meetings", "live", "previous_meetings":
	default:
		writeError(w, http.StatusBadRequest, nil, 300, "Invalid field: type.")
		return
	}
	size := 30
	if s := q.Get("page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, nil, 300, "Invalid field: page_size.")
			return
		}
		size = min(n, 300)
	}
	from := 0
	if t := q.Get("next_page_token"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, nil, 300, "Invalid field: next_page_token.")
			return
		}
		from = n
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.missing[user] {
		writeError(w, http.StatusNotFound, nil, 1001, "User does not exist: "+user+".")
		return
	}
	var mine []*Meeting
	for _, m := range d.meetings {
		if m.UserID == user && (kind != "live" || m.Status == "started") {
			mine = append(mine, m)
		}
	}
	slices.SortFunc(mine, func(a, b *Meeting) int { return compare(a.ID, b.ID) })
	page := []map[string]any{}
	for _, m := range mine[min(from, len(mine)):min(from+size, len(mine))] {
		page = append(page, map[string]any{"uuid": m.UUID, "id": json.Number(strconv.FormatUint(m.ID, 10)), "host_id": m.HostID,
			"topic": m.Topic, "type": 2, "start_time": m.StartTime, "duration": m.Duration, "timezone": m.Timezone,
			"agenda": m.Agenda, "created_at": m.CreatedAt.Format(time.RFC3339), "join_url": m.JoinURL})
	}
	next := ""
	if from+size < len(mine) {
		next = strconv.Itoa(from + size)
	}
	writeJSON(w, http.StatusOK, map[string]any{"page_size": size, "total_records": len(mine), "next_page_token": next, "meetings": page})
}

func (d *Double) get(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("meetingId")
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.find(w, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, d.meetingJSON(m))
}

func (d *Double) end(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("meetingId")
	var in struct {
		Action string `json:"action"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Action != "end" && in.Action != "recover" {
		writeError(w, http.StatusBadRequest, nil, 300, "Invalid field: action.")
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.find(w, id)
	if !ok {
		return
	}
	if in.Action == "end" {
		m.Status = "ended"
	}
	w.WriteHeader(http.StatusNoContent)
}

func (d *Double) delete(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("meetingId")
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.find(w, id)
	if !ok {
		return
	}
	delete(d.meetings, m.ID)
	w.WriteHeader(http.StatusNoContent)
}

// find returns the meeting with id, or answers 404 code 3001. d.mu is held.
func (d *Double) find(w http.ResponseWriter, id string) (*Meeting, bool) {
	n, err := strconv.ParseUint(id, 10, 64)
	m, ok := d.meetings[n]
	if err != nil || !ok {
		writeError(w, http.StatusNotFound, nil, 3001, "Meeting does not exist: "+id+".")
		return nil, false
	}
	return m, true
}

// meetingJSON is a meeting as Zoom's create and get answer it, with a start
// URL carrying a new host key (zak) each time. d.mu is held.
func (d *Double) meetingJSON(m *Meeting) map[string]any {
	return map[string]any{
		// A JSON number, as Zoom sends it, written with every digit.
		"id": json.Number(strconv.FormatUint(m.ID, 10)), "uuid": m.UUID, "host_id": m.HostID, "host_email": m.UserID,
		"topic": m.Topic, "type": 2, "status": m.Status, "start_time": m.StartTime, "duration": m.Duration,
		"timezone": m.Timezone, "agenda": m.Agenda, "created_at": m.CreatedAt.Format(time.RFC3339),
		"start_url":          fmt.Sprintf("%s/s/%d?zak=%s", d.BaseURL, m.ID, randomText(120)),
		"join_url":           m.JoinURL,
		"password":           m.Password,
		"h323_password":      m.Password,
		"pstn_password":      m.Password,
		"encrypted_password": randomText(32),
		"settings":           m.Settings,
		"pre_schedule":       false,
	}
}

// writeDailyLimit answers a create past the user's daily limit as Zoom does.
func writeDailyLimit(w http.ResponseWriter, limit int, now time.Time) {
	y, mo, d := now.Date()
	h := http.Header{}
	h.Set("X-RateLimit-Category", "Light")
	h.Set("X-RateLimit-Type", "Daily-limit")
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("Retry-After", time.Date(y, mo, d+1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339))
	writeError(w, http.StatusTooManyRequests, h, 429, fmt.Sprintf("You have exceeded the daily rate limit (%d) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00.", limit))
}

// QPSLimit is a Fault: n requests of op answer Zoom's per-second rate limit
// (429, X-RateLimit-Type QPS, Retry-After 1).
func QPSLimit(op string, n int) Fault {
	h := http.Header{}
	h.Set("X-RateLimit-Category", "Light")
	h.Set("X-RateLimit-Type", "QPS")
	h.Set("X-RateLimit-Limit", "30")
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("Retry-After", "1")
	return Fault{Op: op, Times: n, Status: http.StatusTooManyRequests, Header: h, Code: 429,
		Message: "You have reached the maximum per-second rate limit for this API. Try again later."}
}

// ServerError is a Fault: n requests of op answer 500, as Zoom does when it fails.
func ServerError(op string, n int) Fault {
	return Fault{Op: op, Times: n, Status: http.StatusInternalServerError, Code: 500, Message: "Internal Error"}
}

func writeError(w http.ResponseWriter, status int, h http.Header, code int, msg string) {
	for k, v := range h {
		w.Header()[k] = v
	}
	writeJSON(w, status, map[string]any{"code": code, "message": msg})
}

func writeOAuthError(w http.ResponseWriter, status int, code, reason string) {
	writeJSON(w, status, map[string]string{"reason": reason, "error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// HostID is the Zoom user id the double gives user, as the host_id of its
// meetings: stable, Zoom-shaped.
func HostID(user string) string { return hostID(user) }

// hostID is the Zoom user id the double gives a user: stable, Zoom-shaped.
func hostID(user string) string {
	h := sha256.Sum256([]byte(user))
	return hex.EncodeToString(h[:])[:22]
}

const passcodeChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@-_*"

const textChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomText(n int) string {
	b := make([]byte, n)
	for i := range b {
		k, _ := rand.Int(rand.Reader, big.NewInt(int64(len(textChars))))
		b[i] = textChars[k.Int64()]
	}
	return string(b)
}

// Credentials are DefaultApp's credentials, as the live client takes them.
func Credentials() zoom.Credentials {
	return zoom.Credentials{AccountID: DefaultApp.AccountID, ClientID: DefaultApp.ClientID, ClientSecret: DefaultApp.ClientSecret}
}

// Client returns the live Zoom client pointed at the double: cfg with the
// double's URLs and, unless cfg has a credential source, DefaultApp's
// credentials for every account. It is how tests, the HTTP suite among them,
// run the live client in place of the fake.
func (s *Server) Client(tb testing.TB, cfg zoom.Config) *zoom.Client {
	tb.Helper()
	cfg.APIURL, cfg.OAuthURL = s.APIURL(), s.OAuthURL()
	if cfg.Credentials == nil {
		cfg.Credentials = zoom.Keyring{Default: Credentials()}
	}
	c, err := zoom.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
