package zoom

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"zoompool/internal/pool"
)

// tokenTimeout bounds one token request. It runs apart from the request that
// started it, so that callers sharing it are not failed by the first one
// leaving.
const tokenTimeout = 10 * time.Second

// tokens fetches Server-to-Server OAuth access tokens and caches one per set
// of credentials until shortly before it expires. Concurrent callers with the
// same credentials share one fetch.
type tokens struct {
	oauthURL string
	http     *http.Client
	now      func() time.Time

	mu     sync.Mutex
	cached map[string]token // by Credentials.key
	flight singleflight.Group
}

type token struct {
	value     string
	refreshAt time.Time // some time before it expires
}

// get returns a token for c. When stale is the token the cache holds, it is
// not returned: the API refused it, so a new one is fetched (once, however
// many callers saw it refused).
func (t *tokens) get(ctx context.Context, c Credentials, stale string) (string, error) {
	key := c.key()
	if v, ok := t.fresh(key, stale); ok {
		return v, nil
	}
	ch := t.flight.DoChan(key, func() (any, error) {
		if v, ok := t.fresh(key, stale); ok {
			return v, nil // another flight refreshed it meanwhile
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenTimeout)
		defer cancel()
		v, lifetime, err := t.fetch(fctx, c)
		if err != nil {
			return "", err
		}
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.cached == nil {
			t.cached = map[string]token{}
		}
		t.cached[key] = token{value: v, refreshAt: t.now().Add(lifetime - refreshMargin(lifetime))}
		return v, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (t *tokens) fresh(key, stale string) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	tk, ok := t.cached[key]
	if !ok || tk.value == stale || !t.now().Before(tk.refreshAt) {
		return "", false
	}
	return tk.value, true
}

// refreshMargin is how long before its expiry a token is replaced: five
// minutes of Zoom's hour, less for short-lived tokens.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(5*time.Minute, lifetime/4)
}

// tokenAnswer is the token endpoint's answer, success or failure.
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	// Failures: {"reason":"Invalid client_id or client_secret","error":"invalid_client"}
	// or, from some gateways, the API's {"code":...,"message":...}.
	Error   string `json:"error"`
	Reason  string `json:"reason"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// fetch asks Zoom for a token with the account_credentials grant:
// POST {oauth}/oauth/token, grant_type and account_id in the form body, the
// client id and secret as HTTP Basic.
func (t *tokens) fetch(ctx context.Context, c Credentials) (string, time.Duration, error) {
	form := url.Values{"grant_type": {"account_credentials"}, "account_id": {c.AccountID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.oauthURL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(c.ClientID, c.ClientSecret)
	res, err := t.http.Do(req)
	if err != nil {
		return "", 0, &pool.ZoomError{Failure: pool.ZoomTransient, Message: "the Zoom OAuth token request failed", Err: err}
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer))
	if err != nil {
		return "", 0, &pool.ZoomError{Failure: pool.ZoomTransient, Status: res.StatusCode, Message: "reading the Zoom OAuth token failed", Err: err}
	}
	var a tokenAnswer
	_ = json.Unmarshal(body, &a) // a failure leaves it empty, which the checks below catch
	switch {
	case res.StatusCode >= 500 || res.StatusCode == http.StatusTooManyRequests:
		return "", 0, &pool.ZoomError{Failure: pool.ZoomTransient, Status: res.StatusCode, Code: a.Code,
			Message: "the Zoom OAuth token endpoint failed: " + firstOf(a.Reason, a.Message, http.StatusText(res.StatusCode))}
	case res.StatusCode != http.StatusOK:
		// Wrong client id or secret, unknown account, app deactivated: only
		// an admin can fix it.
		return "", 0, &pool.ZoomError{Failure: pool.ZoomNeedsAttention, Status: res.StatusCode, Code: a.Code,
			Message: fmt.Sprintf("Zoom refused the app's credentials (%s): %s", firstOf(a.Error, "error"), firstOf(a.Reason, a.Message, http.StatusText(res.StatusCode)))}
	case a.AccessToken == "" || a.ExpiresIn <= 0:
		return "", 0, &pool.ZoomError{Failure: pool.ZoomTransient, Status: res.StatusCode,
			Message: "the Zoom OAuth token endpoint answered without access_token and expires_in"}
	}
	return a.AccessToken, time.Duration(a.ExpiresIn) * time.Second, nil
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
