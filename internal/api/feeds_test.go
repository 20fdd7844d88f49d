package api_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	ics "github.com/arran4/golang-ical"
	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app"
	"zoompool/internal/auth/feedlink"
)

// feedUIDs fetches a feed link (path and query) without a token, as a
// calendar app does, and returns the UIDs of its events, or the answer when
// it is not a feed.
func (h *harness) feedUIDs(t *testing.T, link string) ([]string, response) {
	t.Helper()
	r := h.anonymous().do(t, http.MethodGet, link, nil)
	if r.status != http.StatusOK {
		return nil, r
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(r.body))
	if err != nil {
		t.Fatalf("feed %s does not parse: %v\n%s", link, err, r.body)
	}
	var uids []string
	for _, e := range cal.Events() {
		uids = append(uids, e.Id())
	}
	slices.Sort(uids)
	return uids, r
}

// A teacher's link shows their own lessons and series to a calendar app that
// cannot sign in; it is refused once revoked, while a new link works.
func TestPrivateFeedLinks(t *testing.T) {
	h := newHarness(t, 1)
	seedOwnership(t, h)
	t1 := h.asTeacher(t, "t1")
	link := t1.feedPath(t, "")
	if !strings.HasPrefix(link, "/api/schedule/calendar.ics?token=") {
		t.Fatalf("link %s is not a link to the feed", link)
	}
	uids, r := h.feedUIDs(t, link)
	want := []string{"lesson-own-cancel@zoom-pool", "lesson-own-move@zoom-pool", "lesson-own@zoom-pool", "recurring-rown-del@zoom-pool", "recurring-rown@zoom-pool"}
	if !slices.Equal(uids, want) {
		t.Errorf("t1's feed: %d %v, want only t1's lessons and series %v\n%s", r.status, uids, want, r.body)
	}
	if r := t1.do(t, http.MethodGet, "/api/schedule/calendar/feed-url/?teacher_id=t2", nil); r.status != http.StatusForbidden || r.error(t).Error != "forbidden" {
		t.Errorf("t1 asks for t2's feed: %d %s, want 403", r.status, r.body)
	}
	if _, r := h.feedUIDs(t, link+"&teacher_id=t2"); r.status != http.StatusBadRequest {
		t.Errorf("t1's link with t2 added: %d %s, want 400", r.status, r.body)
	}
	// An admin's link shows what it was asked for.
	adminLink := h.feedPath(t, "teacher_id=t2")
	if uids, r := h.feedUIDs(t, adminLink); len(uids) != 5 || !strings.Contains(strings.Join(uids, " "), "rother") || strings.Contains(strings.Join(uids, " "), "own") {
		t.Errorf("admin's feed of t2: %d %v", r.status, uids)
	}

	// Tampered links, and links signed with another key (a rotated one), are not found.
	token := strings.TrimPrefix(link, "/api/schedule/calendar.ics?token=")
	token, _ = url.QueryUnescape(token)
	other, err := feedlink.NewSigner("the-key-of-another-deployment!!")
	if err != nil {
		t.Fatal(err)
	}
	payload, mac, _ := strings.Cut(token, ".")
	everyone, _, _ := strings.Cut(other.Sign(feedlink.Claims{Subject: "t1"}), ".")
	for name, tok := range map[string]string{
		"signed with another key": other.Sign(feedlink.Claims{Subject: "t1", TeacherID: "t1"}),
		"filter removed":          everyone + "." + mac,
		"mac cut short":           payload + "." + mac[:20],
		"garbage":                 "abc",
	} {
		if _, r := h.feedUIDs(t, "/api/schedule/calendar.ics?token="+url.QueryEscape(tok)); r.status != http.StatusNotFound || r.error(t).Error != "feed_not_found" {
			t.Errorf("%s: %d %s, want 404 feed_not_found", name, r.status, r.body)
		}
	}
	if _, r := h.feedUIDs(t, "/api/schedule/calendar.ics"); r.status != http.StatusUnauthorized || r.error(t).Error != "feed_token_required" {
		t.Errorf("no link: %d %s, want 401 feed_token_required", r.status, r.body)
	}

	// Revoked: the old link is refused, the new one works.
	if r := t1.do(t, http.MethodDelete, "/api/schedule/calendar/feed-url/", nil); r.status != http.StatusOK {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if _, r := h.feedUIDs(t, link); r.status != http.StatusNotFound || r.error(t).Error != "feed_not_found" {
		t.Errorf("revoked link: %d %s, want 404 feed_not_found", r.status, r.body)
	}
	fresh := t1.feedPath(t, "")
	if fresh == link {
		t.Error("the link after revoking is the revoked one")
	}
	if uids, r := h.feedUIDs(t, fresh); !slices.Equal(uids, want) {
		t.Errorf("new link: %d %v", r.status, uids)
	}
	// Only an admin revokes another user's links.
	if r := h.asTeacher(t, "t2").do(t, http.MethodDelete, "/api/schedule/calendar/feed-url/?user=t1", nil); r.status != http.StatusForbidden {
		t.Errorf("t2 revokes t1's links: %d %s, want 403", r.status, r.body)
	}
	if _, r := h.feedUIDs(t, fresh); r.status != http.StatusOK {
		t.Errorf("t1's link after t2's refused revocation: %d", r.status)
	}
	if r := h.do(t, http.MethodDelete, "/api/schedule/calendar/feed-url/?user=t1", nil); r.status != http.StatusOK {
		t.Errorf("an admin revokes t1's links: %d %s", r.status, r.body)
	}
	if _, r := h.feedUIDs(t, fresh); r.status != http.StatusNotFound {
		t.Errorf("t1's link revoked by an admin: %d, want 404", r.status)
	}
	if uids, r := h.feedUIDs(t, adminLink); len(uids) != 5 {
		t.Errorf("the admin's own link after revoking t1's: %d %v", r.status, uids)
	}
}

// Without a signing key (the SSM parameter not created yet) links are
// switched off, and say so.
func TestFeedLinksOffWithoutAKey(t *testing.T) {
	h := newHarness(t)
	cfg := h.app.Settings
	cfg.Calendar.FeedKey = ""
	a, err := app.New(context.Background(), cfg, h.env.Client, h.zoom, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path   string
		claims map[string]string
	}{
		{"/api/schedule/calendar/feed-url/", map[string]string{"sub": "t1", "cognito:groups": "[teacher]"}},
		{"/api/schedule/calendar.ics", nil},
	} {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: tc.path, RawQueryString: "token=x",
			RequestContext: events.APIGatewayV2HTTPRequestContext{HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: http.MethodGet, Path: tc.path}}}
		if tc.claims != nil {
			ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
				JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: tc.claims}}
		}
		res, err := httpadapter.NewV2(a.Calendar()).ProxyWithContext(context.Background(), ev)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(res.Body, "feeds_not_configured") {
			t.Errorf("%s without a key: %d %s, want 503 feeds_not_configured", tc.path, res.StatusCode, res.Body)
		}
	}
}
