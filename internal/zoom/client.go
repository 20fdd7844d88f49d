package zoom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"zoompool/internal/pool"
)

// Zoom's endpoints, unless ZOOM_API_URL and ZOOM_OAUTH_URL say otherwise.
const (
	DefaultAPIURL   = "https://api.zoom.us/v2"
	DefaultOAuthURL = "https://zoom.us"
)

// maxAnswer bounds how much of an answer is read.
const maxAnswer = 4 << 20

// Config configures a Client. Only Credentials is required.
type Config struct {
	// APIURL is the base of Zoom's REST API (ZOOM_API_URL); DefaultAPIURL when empty.
	APIURL string
	// OAuthURL is the base of Zoom's OAuth endpoint (ZOOM_OAUTH_URL);
	// DefaultOAuthURL when empty.
	OAuthURL string
	// Credentials gives each account's credentials.
	Credentials CredentialSource
	// MeetingSettings are merged into every new meeting's settings, over
	// DefaultMeetingSettings (ZOOM_MEETING_SETTINGS, see ParseMeetingSettings).
	MeetingSettings map[string]any
	// HTTPClient sends the requests; a client of its own when nil.
	HTTPClient *http.Client
	// Attempts bounds how often one request is sent when Zoom fails
	// transiently (5xx, timeouts, per-second rate limits). Default 3.
	Attempts int
	// AttemptTimeout bounds each attempt. Default 10s.
	AttemptTimeout time.Duration
	// Backoff is the first pause between attempts; it doubles up to
	// MaxBackoff, with jitter. Defaults 200ms and 2s.
	Backoff, MaxBackoff time.Duration
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Log receives retries and give-ups; slog.Default when nil.
	Log *slog.Logger
}

// Client is the live pool.Zoom: it calls Zoom's REST API with Server-to-Server
// OAuth. It is safe for concurrent use; build it once per process.
type Client struct {
	cfg      Config
	apiURL   string
	tokens   *tokens
	settings map[string]any
}

var _ pool.Zoom = (*Client)(nil)

// New returns a client for cfg, or an error saying what is wrong with it.
func New(cfg Config) (*Client, error) {
	if cfg.Credentials == nil {
		return nil, errors.New("zoom: no credential source")
	}
	apiURL, err := BaseURL("ZOOM_API_URL", cfg.APIURL, DefaultAPIURL)
	if err != nil {
		return nil, err
	}
	oauthURL, err := BaseURL("ZOOM_OAUTH_URL", cfg.OAuthURL, DefaultOAuthURL)
	if err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.AttemptTimeout <= 0 {
		cfg.AttemptTimeout = 10 * time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 200 * time.Millisecond
	}
	if cfg.MaxBackoff < cfg.Backoff {
		cfg.MaxBackoff = max(2*time.Second, cfg.Backoff)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Client{cfg: cfg, apiURL: apiURL, settings: mergeSettings(cfg.MeetingSettings)}
	c.tokens = &tokens{oauthURL: oauthURL, http: cfg.HTTPClient, now: cfg.Now}
	return c, nil
}

// BaseURL checks the setting name, an absolute http(s) URL, and returns it
// without a trailing slash, or def when s is empty.
func BaseURL(name, s, def string) (string, error) {
	if s == "" {
		return def, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return "", fmt.Errorf("%s %q is not an http(s) URL such as %s", name, s, def)
	}
	return strings.TrimRight(s, "/"), nil
}

// request is one logical call of Zoom's API.
type request struct {
	method string
	path   string // under the API URL, escaped
	query  url.Values
	body   any // sent as JSON when not nil

	// lookup, when set, runs before the request is sent again after an
	// attempt whose outcome is unknown (it timed out, or Zoom answered 5xx,
	// after the request was sent). It reports whether the attempt took
	// effect after all, in which case the request is not sent again.
	lookup func(ctx context.Context) (bool, error)
	// unsure is set when the request's last attempt may have taken effect
	// and no lookup has said otherwise.
	unsure bool
}

// answer is Zoom's answer to a request.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiError is the body of Zoom's error answers:
// {"code":124,"message":"Invalid access token."}.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (a answer) apiError() apiError {
	var e apiError
	_ = json.Unmarshal(a.body, &e) // not JSON: no code, and the status says enough
	if e.Message == "" {
		e.Message = http.StatusText(a.status)
	}
	return e
}

// zoomError builds the error for a failed answer.
func (a answer) zoomError(f pool.ZoomFailure) *pool.ZoomError {
	e := a.apiError()
	return &pool.ZoomError{Failure: f, Status: a.status, Code: e.Code, Message: e.Message}
}

// Zoom codes that mean the account (its user, its app) is at fault, whatever
// the HTTP status they come with.
var accountCodes = map[int]bool{
	124:  true, // Invalid access token.
	200:  true, // No permission.
	1001: true, // User does not exist.
	1010: true, // User does not belong to this account.
	3161: true, // Meeting hosting and scheduling capabilities are not allowed for the user.
	4700: true, // Invalid access token, does not contain scopes.
	4711: true, // The token's scopes do not match the app's.
	4717: true, // The app has been disabled.
}

// do sends r for account a: with the account's token, once more with a fresh
// token after a 401, and again after transient failures, within Attempts and
// the context's deadline. It returns answers of 2xx and 404 (whose meaning
// depends on the request); other failures are *pool.ZoomError.
func (c *Client) do(ctx context.Context, a pool.Account, r *request) (answer, error) {
	creds, err := c.cfg.Credentials.Credentials(ctx, a.CredentialsRef)
	if err != nil {
		if _, ok := pool.ZoomFailureOf(err); ok {
			return answer{}, err
		}
		return answer{}, &pool.ZoomError{Failure: pool.ZoomTransient, Message: "reading the account's Zoom credentials failed", Err: err}
	}
	var body []byte
	if r.body != nil {
		if body, err = json.Marshal(r.body); err != nil {
			return answer{}, err
		}
	}
	var (
		refused string // a token the API refused
		last    error  // the last transient failure
	)
	for attempt := 1; ; attempt++ {
		var wait time.Duration
		if r.unsure && r.lookup != nil {
			done, err := r.lookup(ctx)
			switch {
			case err != nil && !isTransient(err):
				return answer{}, err
			case err != nil:
				last = err
			case done:
				r.unsure = false
				return answer{status: http.StatusOK}, nil
			default:
				r.unsure = false
			}
		}
		if !r.unsure {
			tok, err := c.tokens.get(ctx, creds, refused)
			if err != nil {
				if ctx.Err() != nil || !isTransient(err) {
					return answer{}, c.giveUp(ctx, err)
				}
				last = err
			} else {
				ans, sent, err := c.send(ctx, r, body, tok)
				switch {
				case err != nil:
					if ctx.Err() != nil {
						r.unsure = r.unsure || sent && r.lookup != nil
						return answer{}, c.giveUp(ctx, err)
					}
					last = &pool.ZoomError{Failure: pool.ZoomTransient, Message: fmt.Sprintf("%s %s failed", r.method, r.path), Err: err}
					r.unsure = sent && r.lookup != nil
				case ans.status/100 == 2 || ans.status == http.StatusNotFound && !accountCodes[ans.apiError().Code]:
					return ans, nil
				case ans.status == http.StatusUnauthorized && refused == "":
					// The token may have been revoked or expired early: one new
					// token and one more try, which is not counted as a failure.
					refused = tok
					attempt--
					continue
				case ans.status == http.StatusTooManyRequests:
					if until, daily := dailyLimit(ans, c.cfg.Now()); daily {
						e := ans.zoomError(pool.ZoomLimited)
						e.Until = until
						return answer{}, e
					}
					last = ans.zoomError(pool.ZoomTransient)
					wait = retryAfter(ans.header, c.cfg.Now())
				case ans.status >= 500:
					last = ans.zoomError(pool.ZoomTransient)
					r.unsure = r.lookup != nil
				case ans.status == http.StatusUnauthorized || ans.status == http.StatusForbidden ||
					ans.status == http.StatusNotFound || accountCodes[ans.apiError().Code]:
					return answer{}, ans.zoomError(pool.ZoomNeedsAttention)
				default:
					return answer{}, ans.zoomError(pool.ZoomRejected)
				}
			}
		}
		if attempt >= c.cfg.Attempts {
			return answer{}, last
		}
		wait = max(min(wait, c.cfg.MaxBackoff), c.backoff(attempt))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait+c.cfg.Backoff {
			return answer{}, last // no time left for another attempt
		}
		c.cfg.Log.Warn("zoom request failed; trying again", "method", r.method, "path", r.path,
			"account", a.ID, "attempt", attempt, "wait", wait, "err", last)
		if err := pool.Sleep(ctx, wait); err != nil {
			return answer{}, c.giveUp(ctx, last)
		}
	}
}

// giveUp is the error when a request stops: err, or the context's end as a
// transient Zoom failure (the caller's context ended, not Zoom's patience).
func (c *Client) giveUp(ctx context.Context, err error) error {
	if _, ok := pool.ZoomFailureOf(err); ok {
		return err
	}
	if ctx.Err() != nil {
		return &pool.ZoomError{Failure: pool.ZoomTransient, Message: "no answer from Zoom in time", Err: err}
	}
	return err
}

func isTransient(err error) bool {
	e, ok := pool.ZoomFailureOf(err)
	return !ok || e.Failure == pool.ZoomTransient
}

// send makes one attempt. sent reports whether the request may have reached
// Zoom (an error before the connection was made means it did not).
func (c *Client) send(ctx context.Context, r *request, body []byte, tok string) (a answer, sent bool, err error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.AttemptTimeout)
	defer cancel()
	u := c.apiURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u, rd)
	if err != nil {
		return answer{}, false, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		var op *net.OpError
		return answer{}, !(errors.As(err, &op) && op.Op == "dial"), err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return answer{}, true, err
	}
	return answer{status: res.StatusCode, header: res.Header, body: b}, true, nil
}

// backoff is the pause after the attempt-th failure: Backoff doubled per
// attempt, capped by MaxBackoff, with up to 50% jitter so that concurrent
// starts do not retry in step.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.Backoff << (attempt - 1)
	if d > c.cfg.MaxBackoff || d <= 0 {
		d = c.cfg.MaxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// dailyLimit reports whether a 429 is a daily limit, such as the 100 meeting
// creations a user may make a day, and until when. Zoom marks it with
// X-RateLimit-Type: Daily-limit and Retry-After as a time, or only in its
// message ("You have exceeded the daily rate limit (100) of Meeting
// Create/Update API requests ... You may resume these requests at GMT
// 00:00:00."); without a usable time the limit ends at the next 00:00 UTC.
func dailyLimit(a answer, now time.Time) (time.Time, bool) {
	daily := strings.Contains(strings.ToLower(a.header.Get("X-RateLimit-Type")), "daily") ||
		strings.Contains(strings.ToLower(a.apiError().Message), "daily")
	if !daily {
		return time.Time{}, false
	}
	if at, ok := retryAt(a.header, now); ok && at.After(now) {
		return at, true
	}
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC), true
}

// retryAfter is how long Retry-After asks to wait (0 without one).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if at, ok := retryAt(h, now); ok && at.After(now) {
		return at.Sub(now)
	}
	return 0
}

// retryAt reads Retry-After as seconds, an RFC 3339 time (Zoom's daily
// limits) or an HTTP date.
func retryAt(h http.Header, now time.Time) (time.Time, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return time.Time{}, false
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return now.Add(time.Duration(s) * time.Second), true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return t, true
	}
	return time.Time{}, false
}
