package zoom

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"zoompool/internal/pool"
)

// DefaultMeetingSettings are the settings every meeting gets unless
// ZOOM_MEETING_SETTINGS says otherwise: nobody joins before the teacher, and
// pupils wait in the waiting room until admitted.
func DefaultMeetingSettings() map[string]any {
	return map[string]any{"join_before_host": false, "waiting_room": true}
}

// ParseMeetingSettings reads ZOOM_MEETING_SETTINGS: a JSON object of Zoom
// meeting settings (the "settings" of Zoom's create-meeting request, such as
// {"mute_upon_entry":true,"auto_recording":"cloud"}), merged over
// DefaultMeetingSettings. Numbers are kept exactly as written.
func ParseMeetingSettings(s string) (map[string]any, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	d := json.NewDecoder(strings.NewReader(s))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil || m == nil || d.More() {
		return nil, fmt.Errorf(`ZOOM_MEETING_SETTINGS is not a JSON object of Zoom meeting settings such as {"mute_upon_entry":true}`)
	}
	return m, nil
}

func mergeSettings(m map[string]any) map[string]any {
	s := DefaultMeetingSettings()
	maps.Copy(s, m)
	return s
}

// Zoom's limits on meeting fields.
const (
	maxTopic  = 200
	maxAgenda = 2000
	// maxListPages bounds the lookup of a meeting among a user's meetings
	// (300 a page): a user creates at most 100 a day.
	maxListPages = 10
)

// agendaPrefix starts the agenda of every meeting the pool creates, followed
// by the lesson's id and a tag of the claim it was created for (see
// meetingTag), so a meeting can be traced back to its lesson and a create
// whose answer was lost, or never recorded, can be found.
const agendaPrefix = "Zoom Pool lesson "

// LessonOfAgenda returns the id of the lesson a meeting was created for, read
// from its agenda, and whether the agenda is one the pool wrote.
func LessonOfAgenda(agenda string) (string, bool) {
	rest, ok := strings.CutPrefix(agenda, agendaPrefix)
	if !ok {
		return "", false
	}
	line, _, _ := strings.Cut(rest, "\n")
	id, _, ok := strings.Cut(line, " #")
	return id, ok && id != ""
}

// createBody is Zoom's create-meeting request.
type createBody struct {
	Topic     string         `json:"topic"`
	Type      int            `json:"type"` // 2: scheduled
	StartTime string         `json:"start_time"`
	Duration  int            `json:"duration"` // minutes
	Timezone  string         `json:"timezone"`
	Password  string         `json:"password"`
	Agenda    string         `json:"agenda"`
	Settings  map[string]any `json:"settings"`
}

// meetingBody is a meeting as Zoom returns it. Zoom sends the id as a JSON
// number above 2^53 at times, so it is read as a json.Number, never a float.
type meetingBody struct {
	ID       json.Number `json:"id"`
	HostID   string      `json:"host_id"`
	Topic    string      `json:"topic"`
	Agenda   string      `json:"agenda"`
	StartURL string      `json:"start_url"`
	JoinURL  string      `json:"join_url"`
	Password string      `json:"password"`
}

var meetingIDPattern = regexp.MustCompile(`^[0-9]{1,20}$`)

// CreateMeeting implements pool.Zoom: POST /users/{zoom_user_id}/meetings.
func (c *Client) CreateMeeting(ctx context.Context, a pool.Account, l pool.Lesson, claim string) (pool.Meeting, error) {
	tag := meetingTag(l.ID, claim)
	agenda := tag
	if l.Topics != "" {
		agenda = truncate(tag+"\n\n"+l.Topics, maxAgenda)
	}
	minutes := int((l.End.Sub(l.Start) + time.Minute - 1) / time.Minute)
	in := createBody{
		Topic: truncate(l.Title, maxTopic), Type: 2, StartTime: l.Start.UTC().Format("2006-01-02T15:04:05Z"),
		Duration: max(minutes, 1), Timezone: "UTC", Password: passcode(), Agenda: agenda, Settings: c.settings,
	}
	var found pool.Meeting
	r := &request{method: http.MethodPost, path: userPath(a) + "/meetings", body: in}
	r.lookup = func(ctx context.Context) (bool, error) {
		m, ok, err := c.findMeeting(ctx, a, tag)
		found = m
		return ok, err
	}
	ans, err := c.do(ctx, a, r)
	if err != nil {
		if !r.unsure {
			return pool.Meeting{}, err
		}
		m, ok, sure := c.settle(ctx, a, l.ID, tag)
		if ok {
			return m, nil
		}
		if ze, isZoom := pool.ZoomFailureOf(err); isZoom && !sure {
			ze.MayExist = true
		}
		return pool.Meeting{}, err
	}
	if found.ID != "" {
		c.cfg.Log.Info("found the meeting of a create whose answer was lost", "lesson", l.ID, "account", a.ID, "meeting", found.ID)
		return found, nil
	}
	if ans.status == http.StatusNotFound {
		return pool.Meeting{}, ans.zoomError(pool.ZoomNeedsAttention)
	}
	return decodeMeeting(ans)
}

// meetingTag starts the agenda of the meeting created for lesson lessonID
// by the claim whose hold token is claim. It carries a digest of the token,
// not the token itself, which fences the claim's writes.
func meetingTag(lessonID, claim string) string {
	sum := sha256.Sum256([]byte(claim))
	return agendaPrefix + lessonID + " #" + hex.EncodeToString(sum[:8])
}

// FindMeeting implements pool.Zoom: it looks for the meeting by its tag
// among the user's upcoming and scheduled meetings.
func (c *Client) FindMeeting(ctx context.Context, a pool.Account, lessonID, claim string) (pool.Meeting, bool, error) {
	return c.findMeeting(ctx, a, meetingTag(lessonID, claim))
}

// settle ends a create that gave up while its last attempt may have made the
// meeting: it looks the meeting up, on a context of its own as the caller's
// may have ended. A meeting found while the caller still waits is its
// answer; one found too late is deleted, so that nothing is left in Zoom
// that no lesson knows of. sure reports whether the lookup answered, so that
// the meeting is known to exist no more (or to be the answer).
func (c *Client) settle(ctx context.Context, a pool.Account, lessonID, tag string) (m pool.Meeting, ok, sure bool) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*c.cfg.AttemptTimeout)
	defer cancel()
	m, ok, err := c.findMeeting(sctx, a, tag)
	switch {
	case err != nil:
		c.cfg.Log.Error("a create of a zoom meeting failed and may have made the meeting; it could not be looked up",
			"lesson", lessonID, "account", a.ID, "agenda", tag, "err", err)
		return pool.Meeting{}, false, false
	case !ok:
		return pool.Meeting{}, false, true
	case ctx.Err() == nil:
		c.cfg.Log.Info("found the meeting of a create whose answer was lost", "lesson", lessonID, "account", a.ID, "meeting", m.ID)
		return m, true, true
	}
	if err := c.DeleteMeeting(sctx, a, m.ID); err != nil {
		c.cfg.Log.Error("delete the meeting of an abandoned create", "lesson", lessonID, "account", a.ID, "meeting", m.ID, "err", err)
		return pool.Meeting{}, false, false
	}
	c.cfg.Log.Warn("deleted the meeting of an abandoned create", "lesson", lessonID, "account", a.ID, "meeting", m.ID)
	return pool.Meeting{}, false, true
}

// findMeeting looks for the meeting whose agenda starts with tag among the
// user's upcoming meetings (which include live ones), then among all its
// unexpired scheduled ones: GET /users/{zoom_user_id}/meetings.
func (c *Client) findMeeting(ctx context.Context, a pool.Account, tag string) (pool.Meeting, bool, error) {
	for _, kind := range []string{"upcoming", "scheduled"} {
		next := ""
		for range maxListPages {
			q := url.Values{"type": {kind}, "page_size": {"300"}}
			if next != "" {
				q.Set("next_page_token", next)
			}
			ans, err := c.do(ctx, a, &request{method: http.MethodGet, path: userPath(a) + "/meetings", query: q})
			if err != nil {
				return pool.Meeting{}, false, err
			}
			if ans.status == http.StatusNotFound {
				return pool.Meeting{}, false, ans.zoomError(pool.ZoomNeedsAttention)
			}
			var page struct {
				NextPageToken string        `json:"next_page_token"`
				Meetings      []meetingBody `json:"meetings"`
			}
			if err := json.Unmarshal(ans.body, &page); err != nil {
				return pool.Meeting{}, false, &pool.ZoomError{Failure: pool.ZoomTransient, Status: ans.status,
					Message: "Zoom's list of meetings is not JSON", Err: err}
			}
			for _, m := range page.Meetings {
				if strings.HasPrefix(m.Agenda, tag) {
					full, err := c.Meeting(ctx, a, m.ID.String())
					return full, err == nil, err
				}
			}
			if next = page.NextPageToken; next == "" {
				break
			}
		}
	}
	return pool.Meeting{}, false, nil
}

// Meeting implements pool.Zoom: GET /meetings/{id}.
func (c *Client) Meeting(ctx context.Context, a pool.Account, meetingID string) (pool.Meeting, error) {
	if !meetingIDPattern.MatchString(meetingID) {
		return pool.Meeting{}, fmt.Errorf("meeting %q: %w", meetingID, pool.ErrMeetingNotFound)
	}
	ans, err := c.do(ctx, a, &request{method: http.MethodGet, path: "/meetings/" + meetingID})
	if err != nil {
		return pool.Meeting{}, err
	}
	if ans.status == http.StatusNotFound {
		return pool.Meeting{}, fmt.Errorf("meeting %s: %s: %w", meetingID, ans.apiError().Message, pool.ErrMeetingNotFound)
	}
	return decodeMeeting(ans)
}

// EndMeeting implements pool.Zoom: PUT /meetings/{id}/status {"action":"end"}.
func (c *Client) EndMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	if !meetingIDPattern.MatchString(meetingID) {
		return nil // no such meeting
	}
	_, err := c.do(ctx, a, &request{method: http.MethodPut, path: "/meetings/" + meetingID + "/status",
		body: map[string]string{"action": "end"}})
	return err // a 404 is an answer, not an error: the meeting is gone
}

// DeleteMeeting implements pool.Zoom: DELETE /meetings/{id}.
func (c *Client) DeleteMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	if !meetingIDPattern.MatchString(meetingID) {
		return nil
	}
	_, err := c.do(ctx, a, &request{method: http.MethodDelete, path: "/meetings/" + meetingID})
	return err
}

func userPath(a pool.Account) string { return "/users/" + url.PathEscape(a.ZoomUserID) }

func decodeMeeting(ans answer) (pool.Meeting, error) {
	var m meetingBody
	if err := json.Unmarshal(ans.body, &m); err != nil || !meetingIDPattern.MatchString(m.ID.String()) || m.StartURL == "" || m.JoinURL == "" {
		return pool.Meeting{}, &pool.ZoomError{Failure: pool.ZoomTransient, Status: ans.status,
			Message: "Zoom's answer is not a meeting with an id, start_url and join_url", Err: err}
	}
	return pool.Meeting{ID: m.ID.String(), StartURL: m.StartURL, JoinURL: m.JoinURL, Password: m.Password, HostID: m.HostID}, nil
}

// passcode returns a meeting passcode Zoom accepts under its usual
// complexity rules: 8 characters, letters and at least one digit.
func passcode() string {
	for {
		p := text(8)
		if strings.ContainsAny(p, "0123456789") && strings.ContainsAny(p, letters) {
			return p
		}
	}
}

const letters = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
