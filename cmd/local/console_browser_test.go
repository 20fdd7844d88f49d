//go:build browser

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// screenshotDir is where the test keeps its screenshots (build/screenshots
// of the repository).
var screenshotDir = filepath.Join("..", "..", "build", "screenshots")

// chromium finds the browser: $CHROMIUM, or Debian's chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("the browser test needs Chromium: install Debian's with `apt-get install -y chromium`, " +
		"or point CHROMIUM at a Chrome or Chromium binary")
	return ""
}

// browser drives one Chromium tab through the console, failing the test on
// any console error or uncaught exception of the page.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string

	mu       sync.Mutex
	problems []string
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	exe := chromium(t)
	var tab context.Context
	// A loaded machine sometimes loses a browser as it starts: try thrice.
	for attempt := 1; ; attempt++ {
		alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
			chromedp.ExecPath(exe),
			chromedp.Headless,
			chromedp.NoSandbox, // the test may run as root, as CI does
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.Flag("disable-popup-blocking", true),
			chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(1280, 900),
		)
		var cancelTab context.CancelFunc
		tab, cancelTab = chromedp.NewContext(alloc)
		err := chromedp.Do(tab) // starts the browser and opens the tab
		if err == nil {
			t.Cleanup(cancelAlloc)
			t.Cleanup(cancelTab)
			break
		}
		cancelTab()
		cancelAlloc()
		if attempt == 3 {
			t.Fatalf("start %s: %v", exe, err)
		}
		t.Logf("start %s (attempt %d): %v", exe, attempt, err)
	}
	// The browser lives where it is about noon now, so that the lessons the
	// test makes in the next hours fall on the page's "today".
	if _, err := chromedp.Call(tab, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: noonZone(time.Now())}); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: tab, base: base}
	_ = os.Remove(filepath.Join(screenshotDir, "failure.png")) // of an earlier run
	messages := chromedp.Console(tab)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.Type == chromedp.ConsoleError || m.IsException() {
				b.mu.Lock()
				b.problems = append(b.problems, fmt.Sprintf("%s %s:%d: %s", m.Type, m.URL, m.Line+1, m.Text))
				b.mu.Unlock()
			}
		}
	}()
	// The listener hears the page: a canary error reaches it, and is forgotten.
	if err := chromedp.Do(tab, chromedp.Evaluate[chromedp.Void](`console.error("canary")`)); err != nil {
		t.Fatal(err)
	}
	heard := func() bool {
		return slices.ContainsFunc(b.consoleProblems(), func(p string) bool { return strings.Contains(p, "canary") })
	}
	deadline, tick := time.After(30*time.Second), time.NewTicker(50*time.Millisecond)
	defer tick.Stop()
	for !heard() {
		select {
		case <-deadline:
			t.Fatal("the console listener did not hear console.error in 30s")
		case <-tick.C:
		}
	}
	b.mu.Lock()
	b.problems = nil
	b.mu.Unlock()
	return b
}

// noonZone is a time zone (Etc/GMT±N) in which it is 12:00 to 12:59 at now.
func noonZone(now time.Time) string {
	switch offset := 12 - now.UTC().Hour(); { // hours east of UTC
	case offset > 0:
		return fmt.Sprintf("Etc/GMT-%d", offset) // POSIX signs: GMT-5 is UTC+5
	case offset < 0:
		return fmt.Sprintf("Etc/GMT+%d", -offset)
	}
	return "Etc/GMT"
}

// do runs a step of the test within a minute, and on failure saves a
// screenshot of the page and says what the page showed.
func (b *browser) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.fail(what, err)
	}
}

// waitFor polls the page until the JavaScript expression is true, for at
// most a minute. It asks again after an error, such as a navigation that
// replaced the page under it.
func (b *browser) waitFor(what, expression string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+expression+`)`))
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		select {
		case <-ctx.Done():
			b.fail(what, fmt.Errorf("not true after a minute: %s (last error: %v)", expression, last))
		case <-tick.C:
		}
	}
}

func (b *browser) eval(expression string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](expression))
	if err != nil {
		b.fail("evaluate "+expression, err)
	}
	return out
}

func (b *browser) fail(what string, err error) {
	b.t.Helper()
	b.screenshot("failure")
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	page, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	b.t.Fatalf("%s: %v\npage:\n%s\nconsole problems: %v", what, err, page, b.consoleProblems())
}

func (b *browser) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	file := filepath.Join(screenshotDir, name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	return file
}

func (b *browser) consoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}

// signIn signs in through the development issuer's page as user.
func (b *browser) signIn(user string) {
	b.t.Helper()
	b.do("open the console", chromedp.Navigate(b.base+"/console"), chromedp.WaitVisible(chromedp.ID("sign-in")))
	b.do("go to the issuer's sign-in page", chromedp.Click(chromedp.ID("sign-in")),
		chromedp.WaitVisible(chromedp.CSS(`button[data-user="`+user+`"]`)))
	b.screenshot("sign-in")
	b.do("sign in as "+user, chromedp.Click(chromedp.CSS(`button[data-user="`+user+`"]`)))
	b.waitFor("come back signed in as "+user, `location.pathname === "/console" && !document.getElementById("who").hidden && `+
		`document.getElementById("who-name").textContent.startsWith(`+jsString(user+" (")+`)`)
	// The code and state are gone from the address; the token is in session storage only.
	if loc := b.eval(`location.href`); loc != b.base+"/console" {
		b.t.Errorf("after sign-in the address is %s, want %s/console", loc, b.base)
	}
	if tok := b.eval(`JSON.parse(sessionStorage.getItem("zoom-pool.session") || "{}").token || ""`); strings.Count(tok, ".") != 2 {
		b.t.Errorf("no token in session storage after sign-in: %q", tok)
	}
}

func (b *browser) signOut() {
	b.t.Helper()
	b.do("sign out", chromedp.Click(chromedp.ID("sign-out")), chromedp.WaitVisible(chromedp.ID("sign-in")))
	if left := b.eval(`String(sessionStorage.length)`); left != "0" {
		b.t.Errorf("session storage holds %s items after sign-out, want none", left)
	}
}

// clearField empties a form field, as a user selecting its text and deleting it.
func clearField(selector string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelector(` + jsString(selector) + `).value = ""`)
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}

// cardText is the text of an account's card on the board, as one
// JavaScript expression (parenthesized: the tests append .includes(...)).
func cardText(id string) string {
	return `((document.querySelector('#accounts article[data-account-id="` + id + `"]') || {}).innerText || "")`
}

// poolAccount is what the test reads of an account.
type poolAccount struct {
	ID             string `json:"id"`
	Enabled        bool   `json:"enabled"`
	Active         int    `json:"active"`
	CurrentLessons []struct {
		LessonID string `json:"lesson_id"`
	} `json:"current_lessons"`
}

// accountsAsAdmin reads the pool through the API, as the banner's admin.
func accountsAsAdmin(t *testing.T, r *runner) []poolAccount {
	t.Helper()
	status, body := call(t, "GET", r.base+"/api/schedule/zoom-accounts/", r.tokens["ADMIN"], "")
	var out []poolAccount
	if status != 200 || json.Unmarshal([]byte(body), &out) != nil {
		t.Fatalf("accounts: %d %s", status, body)
	}
	return out
}

// seedTeacherWeek gives teacher-1 more lessons through the API: a one-off
// lesson running now (the demo lesson's neighbour), one in an hour, a series
// every week, and two series on the same slot, one in upper and one in lower
// weeks.
func seedTeacherWeek(t *testing.T, r *runner, now time.Time) {
	t.Helper()
	at := func(d time.Duration) string { return now.Add(d).UTC().Truncate(time.Minute).Format(time.RFC3339) }
	from := now.AddDate(0, 0, -28).Format("2006-01-02")
	for _, req := range []struct{ path, body string }{
		{"/api/schedule/lessons/", `{"id":"physics-lab","title":"Physics lab","teacher_id":"teacher-1","group_id":"group-3",
			"start_time":"` + at(-5*time.Minute) + `","end_time":"` + at(50*time.Minute) + `"}`},
		{"/api/schedule/lessons/", `{"id":"reading","title":"Reading club","teacher_id":"teacher-1","group_id":"group-4",
			"start_time":"` + at(time.Hour) + `","end_time":"` + at(105*time.Minute) + `"}`},
		{"/api/schedule/recurring-lessons/", `{"id":"algebra","title":"Algebra","teacher_id":"teacher-1","group_id":"9b","weekday":2,
			"start_time":"09:00","duration_minutes":90,"timezone":"Europe/Berlin","valid_from":"` + from + `"}`},
		{"/api/schedule/recurring-lessons/", `{"id":"geometry","title":"Geometry","teacher_id":"teacher-1","group_id":"9b","weekday":4,
			"start_time":"11:00","duration_minutes":90,"timezone":"Europe/Berlin","week_type":"upper","valid_from":"` + from + `"}`},
		{"/api/schedule/recurring-lessons/", `{"id":"chemistry","title":"Chemistry","teacher_id":"teacher-1","group_id":"9b","weekday":4,
			"start_time":"11:00","duration_minutes":90,"timezone":"Europe/Berlin","week_type":"lower","valid_from":"` + from + `"}`},
	} {
		if status, body := call(t, "POST", r.base+req.path, r.tokens["ADMIN"], req.body); status != 201 {
			t.Fatalf("POST %s: %d %s", req.path, status, body)
		}
	}
}

// The console in Chromium against the whole local stack: an admin signs in
// through the development issuer's page, sees the demo accounts, adds,
// edits and deletes one, and disables another with the keyboard; a teacher
// signs in, sees the week with its upper or lower lessons, starts the demo
// lesson from the calendar, sees its account turn busy on the board, and is
// told how long to wait when the pool is full; the admin is told why a busy
// account cannot be deleted. The page fits a phone's width, and writes no
// error to the console but the refusals the test provokes.
func TestConsoleInTheBrowser(t *testing.T) {
	r := startRunner(t, "-sweep-every", "0")
	seedTeacherWeek(t, r, time.Now())
	b := newBrowser(t, r.base)

	b.signIn("admin")
	b.waitFor("see the three demo accounts on the board",
		`document.querySelectorAll("#accounts article").length === 3 && `+cardText("1")+`.includes("Zoom Account 1") && `+
			cardText("3")+`.includes("Free")`)
	b.waitFor("see the day's occupancy plot", `!!document.querySelector("#occupancy-chart svg .capacity")`)
	if caption := b.eval(`document.getElementById("occupancy-caption").textContent`); !strings.Contains(caption, "capacity of 3") ||
		!strings.Contains(caption, "3 lessons") {
		t.Errorf("occupancy caption %q, want the three lessons running now against a capacity of 3", caption)
	}

	// Add an account: a secret itself is refused with the API's sentence, its name is taken.
	b.do("fill in a new account with a secret instead of its name",
		chromedp.SendKeys(chromedp.ID("add-name"), "Room 4"),
		chromedp.SendKeys(chromedp.ID("add-user"), "room4@school.example"),
		chromedp.SetValue(chromedp.ID("add-capacity"), "2"),
		chromedp.SendKeys(chromedp.ID("add-secret"), "client secret: s3cr3t!"),
		chromedp.Click(chromedp.CSS(`#add-form button[type="submit"]`)))
	b.waitFor("be told that credentials_ref takes a name", `!document.getElementById("add-error").hidden && `+
		`document.getElementById("add-error").textContent.includes("credentials_ref must be the name or ARN of a secret")`)
	b.do("name the secret instead", clearField("#add-secret"), chromedp.SendKeys(chromedp.ID("add-secret"), "zoom-pool/zoom/room4"),
		chromedp.Click(chromedp.CSS(`#add-form button[type="submit"]`)))
	b.waitFor("see Room 4 on the board", `Array.from(document.querySelectorAll("#accounts article")).some(c => `+
		`c.innerText.includes("Room 4") && c.innerText.includes("0 of 2 slots in use") && c.innerText.includes("zoom-pool/zoom/room4"))`)
	room4 := b.eval(`Array.from(document.querySelectorAll("#accounts article")).find(c => c.innerText.includes("Room 4")).dataset.accountId`)
	card := `#accounts article[data-account-id="` + room4 + `"]`
	b.do("rename Room 4 and make it host one meeting",
		chromedp.Click(chromedp.CSS(card+` button[data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.CSS(card+` form.edit`)),
		clearField(card+` input[name="name"]`),
		chromedp.SendKeys(chromedp.CSS(card+` input[name="name"]`), "Library"),
		chromedp.SetValue(chromedp.CSS(card+` select[name="capacity"]`), "1"),
		chromedp.Click(chromedp.CSS(card+` form.edit button[type="submit"]`)))
	b.waitFor("see Library with one slot", cardText(room4)+`.includes("Library") && `+cardText(room4)+`.includes("0 of 1 slot in use")`)
	b.do("delete Library", chromedp.Click(chromedp.CSS(card+` button[data-action="delete"]`)),
		chromedp.WaitVisible(chromedp.CSS(card+` .confirm button.danger`)), chromedp.Click(chromedp.CSS(card+` .confirm button.danger`)))
	b.waitFor("see Library gone", `document.querySelectorAll("#accounts article").length === 3 && !document.querySelector('`+card+`')`)

	// Disable account 3 with the keyboard.
	b.do("disable Zoom Account 3",
		chromedp.Focus(chromedp.CSS(`#accounts article[data-account-id="3"] button[data-action="toggle"]`)),
		chromedp.KeyEvent("\r"))
	b.waitFor("see Zoom Account 3 disabled", cardText("3")+`.includes("Disabled") && `+
		`document.querySelector('#accounts article[data-account-id="3"] button[data-action="toggle"]').textContent.startsWith("Enable")`)
	for _, a := range accountsAsAdmin(t, r) {
		if a.Enabled != (a.ID != "3") {
			t.Errorf("after disabling account 3 in the console, the API says account %s enabled=%v", a.ID, a.Enabled)
		}
	}
	b.waitFor("see the pool's capacity drop to 2", `document.getElementById("pool-summary").textContent.includes("of 2 slots")`)

	b.signOut()
	b.signIn("teacher-1")
	b.waitFor("see the teacher's week with the demo lesson and the series",
		`!document.getElementById("calendar-view").hidden && !!document.querySelector('.fc-event[data-event-id="1"]') && `+
			`!!document.querySelector('.fc-event[data-event-id^="algebra@"]')`)
	parity := b.eval(`document.getElementById("week-parity").textContent`)
	shown, hidden := "geometry", "chemistry" // upper, lower
	if strings.Contains(parity, "lower") {
		shown, hidden = hidden, shown
	}
	if !strings.Contains(parity, "upper") && !strings.Contains(parity, "lower") {
		t.Errorf("the calendar does not say which week it is: %q", parity)
	}
	if got := b.eval(`Array.from(document.querySelectorAll(".fc-event")).map(e => e.dataset.eventId.split("@")[0]).join(" ")`); !strings.Contains(got, shown) ||
		strings.Contains(got, hidden) {
		t.Errorf("in %q the calendar shows %q, want %s and not %s", parity, got, shown, hidden)
	}
	if add := b.eval(`String(document.getElementById("add-account").hidden)`); add != "true" {
		t.Error("a teacher sees the form to add accounts")
	}

	targetsBefore, _ := chromedp.Targets(b.ctx)
	b.do("open the demo lesson in the calendar", chromedp.Click(chromedp.CSS(`.fc-event[data-event-id="1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#event-details button[data-start="1"]`)))
	b.do("start the demo lesson", chromedp.Click(chromedp.CSS(`#event-details button[data-start="1"]`)))
	b.waitFor("see the lesson started", `document.getElementById("start-message").textContent.includes("is live on Zoom Account")`)
	if link := b.eval(`(document.querySelector("#start-message a") || {}).href || ""`); !strings.Contains(link, "zak=") {
		t.Errorf("the start message links to %q, want the host's start_url", link)
	}
	// The click opened a window for the meeting; the teacher comes back to the console.
	targetsAfter, _ := chromedp.Targets(b.ctx)
	if len(targetsAfter) <= len(targetsBefore) {
		t.Errorf("starting the lesson opened no window: %d targets before, %d after", len(targetsBefore), len(targetsAfter))
	}
	if _, err := chromedp.Call(b.ctx, page.BringToFront, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	b.waitFor("see the lesson live in the calendar", `!!document.querySelector('.fc-event.status-live[data-event-id="1"]')`)
	calendar := b.screenshot("calendar")

	// teacher-2 starts the demo series: both enabled accounts are busy, and
	// teacher-1's next lesson is told how long to wait.
	day, _ := demoOccurrence(time.Now())
	occurrence := demoSeries + "@" + day.String()
	if status, body := call(t, "POST", r.base+"/schedule/lesson/"+occurrence+"/start/", r.tokens["TEACHER2"], ""); status != 200 {
		t.Fatalf("teacher-2 starts %s: %d %s", occurrence, status, body)
	}
	b.do("start the reading club an hour early", chromedp.Click(chromedp.CSS(`#today-list button[data-start="reading"]`)))
	b.waitFor("be told from when it can be started",
		`/^Too early: this lesson can be started from \d\d:\d\d( [AP]M)? on, about [1-4]\d minutes from now\.$/.test(document.getElementById("start-message").textContent)`)
	b.do("start the physics lab", chromedp.Click(chromedp.CSS(`#today-list button[data-start="physics-lab"]`)))
	b.waitFor("be told that every account is busy, and how long to wait",
		`/Every Zoom account is busy right now\. Try again in about \d+ minutes \(at .+\)\./.test(document.getElementById("start-message").textContent)`)

	b.do("open the board", chromedp.Click(chromedp.ID("nav-board")), chromedp.WaitVisible(chromedp.ID("accounts")))
	b.waitFor("see an account busy with the demo lesson",
		`Array.from(document.querySelectorAll("#accounts article.status-busy")).some(c => c.innerText.includes("Demo lesson: fractions") && c.innerText.includes("Busy"))`)
	busy := ""
	for _, a := range accountsAsAdmin(t, r) {
		if a.Active == 1 && len(a.CurrentLessons) == 1 && a.CurrentLessons[0].LessonID == "1" {
			busy = a.ID
		}
	}
	if busy == "" || busy == "3" {
		t.Fatalf("the API says lesson 1 is on account %q; want one of the enabled accounts", busy)
	}
	if text := b.eval(cardText(busy)); !strings.Contains(text, "Demo lesson: fractions") || !strings.Contains(text, "teacher-1") {
		t.Errorf("the busy account's card shows %q, want the lesson's title and teacher", text)
	}
	if b.eval(`String(document.querySelectorAll("#accounts button").length)`) != "0" {
		t.Error("a teacher sees the admins' buttons on the board")
	}

	// Phone width: nothing wider than the screen.
	b.do("narrow the window to a phone's", chromedp.EmulateViewport(390, 844))
	b.waitFor("fit a phone's width", `document.documentElement.scrollWidth <= window.innerWidth && `+
		`Number(document.querySelector("#occupancy-chart svg").getAttribute("width")) <= window.innerWidth`)
	b.screenshot("board-phone")
	b.do("widen the window again", chromedp.EmulateViewport(1280, 900))

	// The admin's board: two busy accounts, a disabled one, and the plot
	// showing three lessons against two slots, named by the capacity forecast.
	b.signOut()
	b.signIn("admin")
	b.waitFor("see the busy and the disabled accounts", cardText(busy)+`.includes("Demo lesson: fractions") && `+
		cardText("3")+`.includes("Disabled") && document.querySelectorAll("#accounts article.status-busy").length === 2`)
	b.waitFor("see the plot with two slots in use and the shortfall",
		`(document.querySelector("#occupancy-chart .now-label") || {}).textContent === "now: 2 in use" && `+
			`/The pool runs short .*\(3 lessons: .*Physics lab.*\)/.test(document.getElementById("occupancy-caption").textContent)`)
	board := b.screenshot("board")

	b.do("try to delete the busy account", chromedp.Click(chromedp.CSS(`#accounts article[data-account-id="`+busy+`"] button[data-action="delete"]`)),
		chromedp.Click(chromedp.CSS(`#accounts article[data-account-id="`+busy+`"] .confirm button.danger`)))
	b.waitFor("be told why it cannot be deleted", `(document.querySelector('#accounts article[data-account-id="`+busy+`"] .card-error') || {}).textContent === `+
		jsString(`Account "`+busy+`" holds lesson 1; delete it after the lesson ends, or disable it now.`))

	// The only errors on the console are the browser's lines for the four
	// refusals above (400, 409 too early, 429, 409 busy).
	var unexpected []string
	for _, p := range b.consoleProblems() {
		if !(strings.Contains(p, "/api/schedule/zoom-accounts/") && strings.Contains(p, "status of 400")) &&
			!(strings.Contains(p, "/schedule/lesson/reading/start/") && strings.Contains(p, "status of 409")) &&
			!(strings.Contains(p, "/schedule/lesson/physics-lab/start/") && strings.Contains(p, "status of 429")) &&
			!(strings.Contains(p, "/api/schedule/zoom-accounts/"+busy+"/") && strings.Contains(p, "status of 409")) {
			unexpected = append(unexpected, p)
		}
	}
	if len(unexpected) > 0 {
		t.Errorf("the page wrote errors to the console:\n%s", strings.Join(unexpected, "\n"))
	}
	t.Logf("screenshots: %s, %s; console: %q", board, calendar, b.consoleProblems())
}
