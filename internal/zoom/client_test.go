package zoom_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

var (
	account = pool.Account{ID: "1", Name: "Zoom Account 1", ZoomUserID: "teacher.room1@school.example", Capacity: 1, Enabled: true}
	lesson  = pool.Lesson{ID: "geometry-1", Title: "Geometry", Topics: "Angles",
		Start: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)}
)

// newClient returns a double and the live client pointed at it, with short
// retry pauses so that failure tests run quickly.
func newClient(t *testing.T, cfg zoom.Config) (*zoomtest.Server, *zoom.Client) {
	t.Helper()
	return newClientTB(t, cfg)
}

func newClientTB(t testing.TB, cfg zoom.Config) (*zoomtest.Server, *zoom.Client) {
	t.Helper()
	d := zoomtest.NewServer(t)
	if cfg.Backoff == 0 {
		cfg.Backoff, cfg.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return d, d.Client(t, cfg)
}

// zoomFailure asserts that err is a *pool.ZoomError with failure f.
func zoomFailure(t *testing.T, err error, f pool.ZoomFailure) *pool.ZoomError {
	t.Helper()
	ze, ok := pool.ZoomFailureOf(err)
	if !ok || ze.Failure != f {
		t.Fatalf("got error %v, want a %s *pool.ZoomError", err, f)
	}
	return ze
}

func TestCreateMeetingSendsTheLessonToZoom(t *testing.T) {
	settings, err := zoom.ParseMeetingSettings(`{"mute_upon_entry":true,"waiting_room":false,"jbh_time":5}`)
	if err != nil {
		t.Fatal(err)
	}
	d, c := newClient(t, zoom.Config{MeetingSettings: settings})
	m, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
	if err != nil {
		t.Fatal(err)
	}
	held, ok := d.Meeting(m.ID)
	if !ok {
		t.Fatalf("the double has no meeting %s; it has %v", m.ID, d.Meetings())
	}
	if held.UserID != account.ZoomUserID || held.Topic != "Geometry" || held.StartTime != "2026-12-01T08:00:00Z" ||
		held.Duration != 90 || held.Timezone != "UTC" {
		t.Errorf("Zoom got user %q topic %q start %q duration %d zone %q; want the lesson's, in UTC",
			held.UserID, held.Topic, held.StartTime, held.Duration, held.Timezone)
	}
	if id, ok := zoom.LessonOfAgenda(held.Agenda); !ok || id != lesson.ID || !strings.HasSuffix(held.Agenda, "\n\nAngles") {
		t.Errorf("agenda %q: lesson %q, %v; want lesson %s and its topics", held.Agenda, id, ok, lesson.ID)
	}
	want := map[string]string{"join_before_host": "false", "waiting_room": "false", "mute_upon_entry": "true", "jbh_time": "5"}
	for k, v := range want {
		if got := fmt.Sprint(held.Settings[k]); got != v {
			t.Errorf("settings[%s] = %s, want %s (defaults, then ZOOM_MEETING_SETTINGS)", k, got, v)
		}
	}
	if m.Password == "" || m.Password != held.Password || len(m.Password) > 10 {
		t.Errorf("password %q, Zoom has %q", m.Password, held.Password)
	}
	if m.JoinURL != held.JoinURL || !strings.Contains(m.StartURL, "zak=") {
		t.Errorf("links %q %q", m.StartURL, m.JoinURL)
	}
}

func TestDefaultSettingsKeepPupilsWaiting(t *testing.T) {
	d, c := newClient(t, zoom.Config{})
	m, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
	if err != nil {
		t.Fatal(err)
	}
	held, _ := d.Meeting(m.ID)
	if held.Settings["join_before_host"] != false || held.Settings["waiting_room"] != true {
		t.Errorf("settings %v, want join_before_host false and waiting_room true", held.Settings)
	}
}

func TestParseMeetingSettings(t *testing.T) {
	for _, bad := range []string{`[]`, `{"a":`, `"x"`, `null`, `{} {}`} {
		if _, err := zoom.ParseMeetingSettings(bad); err == nil || !strings.Contains(err.Error(), "ZOOM_MEETING_SETTINGS") {
			t.Errorf("ParseMeetingSettings(%s) = %v, want an error naming ZOOM_MEETING_SETTINGS", bad, err)
		}
	}
	m, err := zoom.ParseMeetingSettings(`{"big":12345678901234567890}`)
	if err != nil || fmt.Sprint(m["big"]) != "12345678901234567890" {
		t.Errorf("got %v, %v; want the number exactly", m, err)
	}
}

// Zoom's meeting ids exceed 2^53 at times; a float64 would round them.
func TestMeetingIDsStayExactAboveTwoToThe53(t *testing.T) {
	d, c := newClient(t, zoom.Config{})
	const id = "9007199254740993" // 2^53 + 1: float64 makes it ...992
	d.SetNextMeetingID(1<<53 + 1)
	ctx := context.Background()
	m, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
	if err != nil || m.ID != id {
		t.Fatalf("created meeting %q, %v; want %s", m.ID, err, id)
	}
	got, err := c.Meeting(ctx, account, id)
	if err != nil || got.ID != id {
		t.Fatalf("Meeting(%s) = %q, %v", id, got.ID, err)
	}
	if err := c.EndMeeting(ctx, account, id); err != nil {
		t.Fatal(err)
	}
	if held, _ := d.Meeting(id); held.Status != "ended" {
		t.Errorf("meeting status %q after EndMeeting, want ended", held.Status)
	}
	if err := c.DeleteMeeting(ctx, account, id); err != nil {
		t.Fatal(err)
	}
	if _, ok := d.Meeting(id); ok {
		t.Error("the meeting is still there after DeleteMeeting")
	}
}

func TestMeetingGivesAFreshStartURL(t *testing.T) {
	_, c := newClient(t, zoom.Config{})
	ctx := context.Background()
	m, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.Meeting(ctx, account, m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if again.StartURL == m.StartURL || !strings.Contains(again.StartURL, "zak=") || again.JoinURL != m.JoinURL || again.Password != m.Password {
		t.Errorf("Meeting: %+v\ncreated: %+v\nwant a new start_url and the same join_url and password", again, m)
	}
}

func TestMissingMeetings(t *testing.T) {
	_, c := newClient(t, zoom.Config{})
	ctx := context.Background()
	if _, err := c.Meeting(ctx, account, "81234567890"); !errors.Is(err, pool.ErrMeetingNotFound) {
		t.Errorf("Meeting of an unknown id: %v, want ErrMeetingNotFound", err)
	}
	if err := c.EndMeeting(ctx, account, "81234567890"); err != nil {
		t.Errorf("EndMeeting of an unknown id: %v, want nil (Zoom's 404 is fine)", err)
	}
	if err := c.DeleteMeeting(ctx, account, "81234567890"); err != nil {
		t.Errorf("DeleteMeeting of an unknown id: %v, want nil", err)
	}
}

func TestOneTokenServesManyRequests(t *testing.T) {
	t.Run("sequential", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		for range 100 {
			if _, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken()); err != nil {
				t.Fatal(err)
			}
		}
		if got := d.TokenFetches(); got != 1 {
			t.Errorf("100 creates fetched %d tokens, want 1", got)
		}
	})
	t.Run("50 concurrent", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		var wg sync.WaitGroup
		ids := make([]string, 50)
		for i := range ids {
			wg.Go(func() {
				m, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
				if err != nil {
					t.Error(err)
				}
				ids[i] = m.ID
			})
		}
		wg.Wait()
		if got := d.TokenFetches(); got != 1 {
			t.Errorf("50 concurrent creates fetched %d tokens, want 1", got)
		}
		if got := len(d.Meetings()); got != 50 {
			t.Errorf("Zoom holds %d meetings, want 50", got)
		}
	})
}

// clock is a settable clock shared by the client and the double.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestTokenIsReplacedShortlyBeforeItExpires(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)}
	d, c := newClient(t, zoom.Config{Now: clk.Now})
	d.Now = clk.Now
	ctx := context.Background()
	create := func() {
		t.Helper()
		if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
			t.Fatal(err)
		}
	}
	create()
	clk.Add(54 * time.Minute)
	create()
	if got := d.TokenFetches(); got != 1 {
		t.Errorf("after 54 minutes: %d token fetches, want 1 (the token lives an hour)", got)
	}
	clk.Add(2 * time.Minute) // 4 minutes before it expires
	create()
	if got := d.TokenFetches(); got != 2 {
		t.Errorf("4 minutes before expiry: %d token fetches, want 2", got)
	}
}

func TestRevokedTokenIsReplacedOnce(t *testing.T) {
	d, c := newClient(t, zoom.Config{})
	ctx := context.Background()
	if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
		t.Fatal(err)
	}
	d.ExpireTokens()
	if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
		t.Fatalf("create after the token was revoked: %v", err)
	}
	if got, calls := d.TokenFetches(), d.Calls(zoomtest.OpCreate); got != 2 || calls != 3 {
		t.Errorf("%d token fetches and %d creates sent, want 2 and 3 (one refused, one retried)", got, calls)
	}
	if got := len(d.Meetings()); got != 2 {
		t.Errorf("Zoom holds %d meetings, want 2", got)
	}
}

func TestAccountFailuresNeedAttention(t *testing.T) {
	for _, tc := range []struct {
		name       string
		setup      func(d *zoomtest.Server)
		status     int
		code       int
		fetches    int
		mention    string
		createSent int
	}{
		{"401 even with a fresh token", func(d *zoomtest.Server) {
			d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: http.StatusUnauthorized, Code: 124, Message: "Invalid access token."})
		}, 401, 124, 2, "Invalid access token.", 2},
		{"403", func(d *zoomtest.Server) {
			d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: http.StatusForbidden, Code: 200, Message: "No permission."})
		}, 403, 200, 1, "No permission.", 1},
		{"user not found", func(d *zoomtest.Server) { d.RemoveUser(account.ZoomUserID) },
			404, 1001, 1, "User does not exist: " + account.ZoomUserID, 1},
		{"user may not host", func(d *zoomtest.Server) {
			d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: http.StatusBadRequest, Code: 3161,
				Message: "Meeting hosting and scheduling capabilities are not allowed for your user account."})
		}, 400, 3161, 1, "not allowed", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, c := newClient(t, zoom.Config{})
			tc.setup(d)
			_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
			ze := zoomFailure(t, err, pool.ZoomNeedsAttention)
			if ze.Status != tc.status || ze.Code != tc.code || !strings.Contains(ze.Message, tc.mention) {
				t.Errorf("got HTTP %d code %d %q, want HTTP %d code %d mentioning %q", ze.Status, ze.Code, ze.Message, tc.status, tc.code, tc.mention)
			}
			if got := d.TokenFetches(); got != tc.fetches {
				t.Errorf("%d token fetches, want %d", got, tc.fetches)
			}
			if got := d.Calls(zoomtest.OpCreate); got != tc.createSent {
				t.Errorf("create sent %d times, want %d: an account failure is not retried", got, tc.createSent)
			}
			if n := len(d.Meetings()); n != 0 {
				t.Errorf("Zoom holds %d meetings", n)
			}
		})
	}
}

func TestWrongCredentialsNeedAttentionAndStaySecret(t *testing.T) {
	creds := zoomtest.Credentials()
	creds.ClientSecret = "not-the-secret-s3cr3t"
	d, c := newClient(t, zoom.Config{Credentials: zoom.Keyring{Default: creds}})
	_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
	ze := zoomFailure(t, err, pool.ZoomNeedsAttention)
	if ze.Status != http.StatusUnauthorized || !strings.Contains(ze.Message, "invalid_client") {
		t.Errorf("got %v, want Zoom's invalid_client", err)
	}
	if strings.Contains(err.Error(), creds.ClientSecret) || strings.Contains(fmt.Sprint(creds), creds.ClientSecret) {
		t.Error("the client secret shows in an error or in the credentials' String")
	}
	if d.Calls(zoomtest.OpCreate) != 0 {
		t.Error("a create was sent without a token")
	}
}

func TestDailyLimit(t *testing.T) {
	now := time.Date(2026, 12, 1, 14, 30, 0, 0, time.UTC)
	midnight := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	t.Run("Zoom's limit of creates per user and day", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{Now: func() time.Time { return now }})
		d.Now = func() time.Time { return now }
		d.DailyCreateLimit = 2
		ctx := context.Background()
		for range 2 {
			if _, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken()); err != nil {
				t.Fatal(err)
			}
		}
		_, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
		ze := zoomFailure(t, err, pool.ZoomLimited)
		if !ze.Until.Equal(midnight) || ze.Code != 429 || !strings.Contains(ze.Message, "daily rate limit") {
			t.Errorf("got %v, want limited until %s with Zoom's code and message", err, midnight)
		}
		if got := d.Calls(zoomtest.OpCreate); got != 3 {
			t.Errorf("create sent %d times, want 3: a daily limit is not retried", got)
		}
		other := account
		other.ZoomUserID = "room2@school.example"
		if _, err := c.CreateMeeting(ctx, other, lesson, pool.NewToken()); err != nil {
			t.Errorf("another user of the same app is not limited: %v", err)
		}
	})
	t.Run("a reset time Zoom gives", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{Now: func() time.Time { return now }})
		h := http.Header{"X-Ratelimit-Type": {"Daily-limit"}, "Retry-After": {"2026-12-01T18:00:00Z"}}
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: 429, Code: 429, Header: h, Message: "You have exceeded the daily rate limit."})
		_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
		if ze := zoomFailure(t, err, pool.ZoomLimited); !ze.Until.Equal(time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)) {
			t.Errorf("until %s, want 18:00 as Retry-After says", ze.Until)
		}
	})
	t.Run("only the message says daily", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{Now: func() time.Time { return now }})
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: 429, Code: 429,
			Message: "You have exceeded the daily rate limit (100) of Meeting Create/Update API requests permitted for this particular user. You may resume these requests at GMT 00:00:00."})
		_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
		if ze := zoomFailure(t, err, pool.ZoomLimited); !ze.Until.Equal(midnight) {
			t.Errorf("until %s, want the next 00:00 UTC", ze.Until)
		}
	})
}

func TestTransientFailuresAreRetried(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault zoomtest.Fault
	}{
		{"per-second rate limit", zoomtest.QPSLimit(zoomtest.OpCreate, 2)},
		{"5xx", zoomtest.ServerError(zoomtest.OpCreate, 2)},
		{"token endpoint 5xx", zoomtest.ServerError(zoomtest.OpToken, 2)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, c := newClient(t, zoom.Config{Attempts: 3})
			d.Inject(tc.fault)
			if _, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken()); err != nil {
				t.Fatalf("after two failures, the third attempt should succeed: %v", err)
			}
			if got := len(d.Meetings()); got != 1 {
				t.Errorf("Zoom holds %d meetings, want 1", got)
			}
		})
	}
	t.Run("until the attempts run out", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{Attempts: 3})
		d.Inject(zoomtest.QPSLimit(zoomtest.OpCreate, 0))
		_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
		if ze := zoomFailure(t, err, pool.ZoomTransient); ze.Status != 429 || ze.Code != 429 {
			t.Errorf("got %v, want the last 429", err)
		}
		if got := d.Calls(zoomtest.OpCreate); got != 3 {
			t.Errorf("create sent %d times, want 3", got)
		}
	})
	t.Run("within the context's deadline", func(t *testing.T) {
		// The pause before a second attempt is longer than the whole deadline.
		d, c := newClient(t, zoom.Config{Attempts: 10, Backoff: 2 * time.Minute, MaxBackoff: 2 * time.Minute})
		d.Inject(zoomtest.QPSLimit(zoomtest.OpCreate, 0))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
		zoomFailure(t, err, pool.ZoomTransient)
		if ctx.Err() != nil {
			t.Error("the client waited past the context's deadline instead of giving up when no attempt fits in it")
		}
		if got := d.Calls(zoomtest.OpCreate); got != 1 {
			t.Errorf("create sent %d times, want 1: a second attempt would not fit before the deadline", got)
		}
	})
	t.Run("a bad request is not", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{Attempts: 3})
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Status: 400, Code: 300, Message: "Validation Failed."})
		_, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
		if ze := zoomFailure(t, err, pool.ZoomRejected); ze.Code != 300 {
			t.Errorf("got %v, want code 300", err)
		}
		if got := d.Calls(zoomtest.OpCreate); got != 1 {
			t.Errorf("create sent %d times, want 1", got)
		}
	})
}

// A create whose answer is lost may have made the meeting: the client looks
// for it before creating again, so one create never makes two meetings.
func TestLostCreateAnswers(t *testing.T) {
	t.Run("timeout after creating: found and returned", func(t *testing.T) {
		// The create never answers: its attempt times out, whatever the
		// machine's speed. The other requests have a second each.
		d, c := newClient(t, zoom.Config{AttemptTimeout: time.Second})
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, Delay: time.Hour, After: true})
		m, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken())
		if err != nil {
			t.Fatal(err)
		}
		held := d.Meetings()
		if len(held) != 1 || fmt.Sprint(held[0].ID) != m.ID || d.Calls(zoomtest.OpCreate) != 1 {
			t.Errorf("Zoom holds %v after %d creates; want only the returned meeting %s, created once", held, d.Calls(zoomtest.OpCreate), m.ID)
		}
		if !strings.Contains(m.StartURL, "zak=") || m.Password == "" {
			t.Errorf("the found meeting lacks its start URL or password: %+v", m)
		}
	})
	t.Run("5xx after creating: found", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, After: true, Status: 502, Code: 502, Message: "Bad Gateway"})
		if _, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken()); err != nil {
			t.Fatal(err)
		}
		if n, sent := len(d.Meetings()), d.Calls(zoomtest.OpCreate); n != 1 || sent != 1 {
			t.Errorf("Zoom holds %d meetings after %d creates, want 1 and 1", n, sent)
		}
	})
	t.Run("connection lost before creating: created again", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, Drop: true})
		if _, err := c.CreateMeeting(context.Background(), account, lesson, pool.NewToken()); err != nil {
			t.Fatal(err)
		}
		if n, sent, lists := len(d.Meetings()), d.Calls(zoomtest.OpCreate), d.Calls(zoomtest.OpList); n != 1 || sent != 2 || lists == 0 {
			t.Errorf("Zoom holds %d meetings after %d creates and %d lists, want 1 after 2 and a lookup between", n, sent, lists)
		}
	})
	t.Run("the caller gives up: the late meeting is deleted", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		// The caller gives up once Zoom has made the meeting, before its answer.
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, Delay: time.Hour, After: true, Took: cancel})
		_, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
		zoomFailure(t, err, pool.ZoomTransient)
		if n := len(d.Meetings()); n != 0 || d.Calls(zoomtest.OpDelete) != 1 {
			t.Errorf("Zoom holds %d meetings (%d deletes) after the caller gave up; want the lost create's meeting deleted", n, d.Calls(zoomtest.OpDelete))
		}
	})
	t.Run("the lookup is paged", func(t *testing.T) {
		d, c := newClient(t, zoom.Config{})
		d.DailyCreateLimit = 1000
		ctx := context.Background()
		other := lesson
		other.ID = "other"
		for range 301 { // one page and more of the user's other meetings
			if _, err := c.CreateMeeting(ctx, account, other, pool.NewToken()); err != nil {
				t.Fatal(err)
			}
		}
		d.Inject(zoomtest.Fault{Op: zoomtest.OpCreate, Times: 1, After: true, Drop: true})
		m, err := c.CreateMeeting(ctx, account, lesson, pool.NewToken())
		if err != nil {
			t.Fatal(err)
		}
		if held, _ := d.Meeting(m.ID); !strings.HasPrefix(held.Agenda, "Zoom Pool lesson geometry-1 #") || len(d.Meetings()) != 302 {
			t.Errorf("found %+v among %d meetings; want lesson geometry-1's, the last of 302", held, len(d.Meetings()))
		}
	})
}

func TestKeyring(t *testing.T) {
	good := `{"account_id":"ACCOUNT","client_id":"cid","client_secret":"very-secret"}`
	read := func(_ context.Context, ref string) (string, error) {
		switch ref {
		case "zoom-pool/zoom/default", "zoom-pool/zoom/room4":
			return strings.Replace(good, "ACCOUNT", ref, 1), nil
		case "zoom-pool/zoom/garbled":
			return `{"account_id":"acc","client_secret":"very-secret"`, nil
		case "zoom-pool/zoom/partial":
			return `{"account_id":"acc","client_secret":"very-secret"}`, nil
		case "zoom-pool/zoom/forbidden":
			return "", fmt.Errorf("read %s: %w", ref, fs.ErrPermission)
		case "zoom-pool/zoom/down":
			return "", errors.New("connection refused")
		}
		return "", fmt.Errorf("read %s: %w", ref, fs.ErrNotExist)
	}
	env := zoom.Credentials{AccountID: "env", ClientID: "env-client", ClientSecret: "env-secret"}
	for _, tc := range []struct {
		name      string
		k         zoom.Keyring
		ref       string
		account   string
		attention string // a mention in a ZoomNeedsAttention error
		transient bool
	}{
		{"environment", zoom.Keyring{Default: env, DefaultRef: "zoom-pool/zoom/default", Read: read}, "", "env", "", false},
		{"default secret", zoom.Keyring{DefaultRef: "zoom-pool/zoom/default", Read: read}, "", "zoom-pool/zoom/default", "", false},
		{"account's own secret", zoom.Keyring{Default: env, Read: read}, "zoom-pool/zoom/room4", "zoom-pool/zoom/room4", "", false},
		{"nothing configured", zoom.Keyring{}, "", "", "no Zoom credentials are configured", false},
		{"no secret store", zoom.Keyring{Default: env}, "zoom-pool/zoom/room4", "", `"zoom-pool/zoom/room4" names a secret, but no secret store`, false},
		{"missing secret", zoom.Keyring{Read: read}, "zoom-pool/zoom/gone", "", `"zoom-pool/zoom/gone" does not exist`, false},
		{"forbidden secret", zoom.Keyring{Read: read}, "zoom-pool/zoom/forbidden", "", "may not be read", false},
		{"not JSON", zoom.Keyring{Read: read}, "zoom-pool/zoom/garbled", "", "is not the JSON object", false},
		{"incomplete", zoom.Keyring{Read: read}, "zoom-pool/zoom/partial", "", "lacks client_id", false},
		{"store down", zoom.Keyring{Read: read}, "zoom-pool/zoom/down", "", "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := tc.k.Credentials(context.Background(), tc.ref)
			switch {
			case tc.attention != "":
				if ze := zoomFailure(t, err, pool.ZoomNeedsAttention); !strings.Contains(ze.Error(), tc.attention) {
					t.Errorf("got %v, want it to say %q", err, tc.attention)
				}
				if strings.Contains(err.Error(), "very-secret") {
					t.Errorf("the error shows the secret: %v", err)
				}
			case tc.transient:
				if _, ok := pool.ZoomFailureOf(err); ok || err == nil {
					t.Errorf("got %v, want a plain error the client takes as transient", err)
				}
			case err != nil || c.AccountID != tc.account:
				t.Errorf("got %v, %v; want account %q", c, err, tc.account)
			}
		})
	}
}
