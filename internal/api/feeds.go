package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"

	"zoompool/internal/auth/feedlink"
	"zoompool/internal/pool"
)

// FeedVersions keeps the version of each user's calendar feed links.
type FeedVersions interface {
	// FeedVersion returns the version of user sub's links (0 until revoked).
	FeedVersion(ctx context.Context, sub string) (int, error)
	// RevokeFeeds increments it, revoking every older link, and returns it.
	RevokeFeeds(ctx context.Context, sub string) (int, error)
}

// feedPath is the route of the private iCalendar feed; feedURLPath gives a
// signed-in user the link to it.
const (
	feedPath    = "/api/schedule/calendar.ics"
	feedURLPath = "/api/schedule/calendar/feed-url"
)

var (
	errFeedsOff = &pool.Error{Kind: pool.KindUnavailable, Code: "feeds_not_configured",
		Message: "calendar feed links are switched off: this deployment has no feed signing key"}
	errFeedsUnavailable = &pool.Error{Kind: pool.KindUnavailable, Code: "feeds_unavailable",
		Message: "calendar feed links cannot be made or checked right now: their signing key could not be read; try again in a minute"}
	errNoFeedToken = &pool.Error{Kind: pool.KindUnauthorized, Code: "feed_token_required",
		Message: "this feed needs the personal link from GET " + feedURLPath + "/ (calendar apps cannot sign in)"}
	errFeedNotFound = pool.NotFoundf("feed_not_found",
		"this calendar link is not valid: it was revoked, or the key that signed it changed; get a new one from GET "+feedURLPath+"/")
)

type feedURLJSON struct {
	Status    string `json:"status"`
	URL       string `json:"url"`
	TeacherID string `json:"teacher_id,omitempty"`
	GroupID   string `json:"group_id,omitempty"`
	Message   string `json:"message"`
}

type feedRevokedJSON struct {
	Status      string `json:"status"`
	User        string `json:"user"`
	FeedVersion int    `json:"feed_version"`
	Message     string `json:"message"`
}

// feedRoutes adds the private feed links to rt:
//
//	GET    /api/schedule/calendar/feed-url   the caller's link
//	DELETE /api/schedule/calendar/feed-url   revoke the caller's links (admins: ?user=<sub>)
//
// and the feed's route, GET /api/schedule/calendar.ics, in calendarRoutes.
func (c Calendar) feedRoutes(rt *Router) {
	rt.handle(http.MethodGet, feedURLPath, func(w http.ResponseWriter, r *http.Request) error {
		signer, err := c.feedSigner(r.Context())
		if err != nil {
			return err
		}
		caller := CallerOf(r)
		claims, err := caller.feedClaims(r.URL.Query())
		if err != nil {
			return err
		}
		if claims.Version, err = c.Users.FeedVersion(r.Context(), caller.Subject); err != nil {
			return err
		}
		link := baseURL(r) + feedPath + "?" + url.Values{"token": {signer.Sign(claims)}}.Encode()
		writeJSON(w, http.StatusOK, feedURLJSON{Status: "success", URL: link, TeacherID: claims.TeacherID, GroupID: claims.GroupID,
			Message: "subscribe to this link in your calendar app and keep it private; DELETE " + feedURLPath + "/ revokes it"})
		return nil
	})
	rt.handle(http.MethodDelete, feedURLPath, func(w http.ResponseWriter, r *http.Request) error {
		caller := CallerOf(r)
		user := caller.Subject
		if other := r.URL.Query().Get("user"); other != "" && other != user {
			if err := caller.requireAdmin("revoking another user's calendar links"); err != nil {
				return err
			}
			user = other
		}
		v, err := c.Users.RevokeFeeds(r.Context(), user)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, feedRevokedJSON{Status: "success", User: user, FeedVersion: v,
			Message: "every calendar link of " + user + " made so far is revoked; GET " + feedURLPath + "/ makes a new one"})
		return nil
	})
}

// feedClaims is what the caller's feed shows: a teacher's own lessons
// (optionally of one group); for others, the filters they ask for.
func (c Caller) feedClaims(q url.Values) (feedlink.Claims, error) {
	f := feedlink.Claims{Subject: c.Subject, TeacherID: q.Get("teacher_id"), GroupID: q.Get("group_id")}
	if c.IsTeacher() && !c.IsAdmin() {
		if f.TeacherID != "" && f.TeacherID != c.TeacherID {
			return f, pool.Forbiddenf("a teacher's calendar link shows their own lessons (teacher_id %q), not those of %q", c.TeacherID, f.TeacherID)
		}
		if c.TeacherID == "" {
			return f, pool.Forbiddenf("your sign-in names no teacher id, so there are no lessons of yours to show")
		}
		f.TeacherID = c.TeacherID
	}
	return f, pool.RecurringQuery{TeacherID: f.TeacherID, GroupID: f.GroupID}.Validate()
}

// feedRequest checks the signed link of a feed request and returns the
// request with the filters the link names. Feeds are read without a token in
// the header, so the link is the credential: forged, revoked and re-keyed
// links all answer 404.
func (c Calendar) feedRequest(r *http.Request) (*http.Request, error) {
	signer, err := c.feedSigner(r.Context())
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	token := q.Get("token")
	if token == "" {
		return nil, errNoFeedToken
	}
	if q.Has("teacher_id") || q.Has("group_id") {
		return nil, pool.Invalidf("a calendar link names its own filters; get a link with teacher_id or group_id from GET %s/ instead", feedURLPath)
	}
	claims, err := signer.Verify(token)
	if err != nil {
		return nil, errFeedNotFound
	}
	v, err := c.Users.FeedVersion(r.Context(), claims.Subject)
	if err != nil {
		return nil, err
	}
	if v != claims.Version {
		return nil, errFeedNotFound
	}
	q.Del("token")
	if claims.TeacherID != "" {
		q.Set("teacher_id", claims.TeacherID)
	}
	if claims.GroupID != "" {
		q.Set("group_id", claims.GroupID)
	}
	r = r.Clone(r.Context())
	r.URL.RawQuery = q.Encode()
	return r, nil
}

// feedSigner is the signer of the current feed key. Without a key (none
// configured, or its parameter missing or unreadable) feeds are off; when
// the key cannot be read for now, they are unavailable.
func (c Calendar) feedSigner(ctx context.Context) (*feedlink.Signer, error) {
	if c.Feeds == nil {
		return nil, errFeedsOff
	}
	s, err := c.Feeds.Signer(ctx)
	switch {
	case err == nil:
		return s, nil
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, feedlink.ErrShortKey):
		c.log().Error("calendar links are switched off: their key cannot be used", "err", err)
		return nil, errFeedsOff
	}
	c.log().Error("the calendar links' key could not be read", "err", err)
	return nil, errFeedsUnavailable
}

// baseURL is the scheme and host the request came to: API Gateway (and the
// local gateway) say the scheme in X-Forwarded-Proto.
func baseURL(r *http.Request) string {
	scheme := r.Header.Get("X-Forwarded-Proto")
	if scheme != "http" && scheme != "https" {
		scheme = "https"
	}
	return fmt.Sprintf("%s://%s", scheme, r.Host)
}
