package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"zoompool/internal/app"
	"zoompool/internal/console"
	"zoompool/internal/dynamo"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/sam"
)

// demoSeries is the demo's recurring lesson: every week on today's weekday,
// at the start of the current hour in demoZone.
const (
	demoSeries = "demo-weekly"
	demoZone   = "Europe/Berlin"
)

// seedDemo fills an empty pool with three accounts, and adds lesson "1"
// (teacher-1, group-1) starting now and the recurring lesson demoSeries
// (teacher-2, group-2), whose occurrence today has begun. It reports whether
// it seeded anything.
func seedDemo(ctx context.Context, st *dynamo.Store, now time.Time) (bool, error) {
	accounts, err := st.Pool(ctx)
	if err != nil || len(accounts) > 0 {
		return false, err
	}
	for i := 1; i <= 3; i++ {
		a := pool.Account{
			ID: fmt.Sprint(i), Name: fmt.Sprintf("Zoom Account %d", i),
			ZoomUserID: fmt.Sprintf("zoom-user-%d@example.com", i), Capacity: 1, Enabled: true,
		}
		if err := st.CreateAccount(ctx, a); err != nil {
			return false, err
		}
	}
	start := now.UTC().Truncate(time.Minute)
	_, err = st.PutLesson(ctx, pool.Lesson{
		ID: "1", Title: "Demo lesson: fractions", TeacherID: "teacher-1", GroupID: "group-1",
		Start: start, End: start.Add(90 * time.Minute), Topics: "Adding fractions with unlike denominators",
		Status: pool.StatusScheduled,
	})
	if pool.ErrorKind(err) == pool.KindConflict {
		err = nil // lesson 1 is there from an earlier run
	}
	if err != nil {
		return true, err
	}
	today, hour := demoOccurrence(now)
	_, err = st.PutRecurringLesson(ctx, pool.RecurringLesson{
		ID: demoSeries, Title: "Demo series: geometry", TeacherID: "teacher-2", GroupID: "group-2",
		Weekday: today.ISOWeekday(), StartTime: hour, DurationMinutes: 120, TimeZone: demoZone,
		WeekType: pool.EveryWeek, ValidFrom: today.AddDays(-28),
	})
	if pool.ErrorKind(err) == pool.KindConflict {
		err = nil
	}
	return true, err
}

// demoOccurrence is the day and time of the demo series' occurrence that
// began in the current hour.
func demoOccurrence(now time.Time) (pool.Date, pool.TimeOfDay) {
	loc, err := pool.Zone(demoZone)
	if err != nil {
		panic(err) // the zone database is compiled in
	}
	local := now.In(loc)
	return pool.DateOf(local), pool.TimeOfDay(local.Hour() * 60)
}

type banner struct {
	base   string
	engine *localstack.Engine
	table  string
	seeded bool
	routes []sam.Route
	opts   options
	// issuer is whose tokens the runner accepts; tokens are the development
	// issuer's tokens for the demo users (none with JWT_ISSUER).
	issuer string
	tokens []demoToken
	// origins may call the API from a browser.
	origins []string
	// secretFromEnv: the webhook secret is ZOOM_WEBHOOK_SECRET_TOKEN's, not the local default.
	secretFromEnv bool
	// liveZoom: the runner uses the live Zoom client.
	liveZoom bool
	now      time.Time
	// zoom says which Zoom client is in use.
	zoom string
}

func printBanner(w io.Writer, b banner) {
	engine := "embedded DynamoDB engine at " + b.engine.Endpoint + " (data is lost on exit)"
	if b.engine.Embedded == nil {
		engine = "DynamoDB at " + b.engine.Endpoint
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "\nZoom Pool is running at %s\n", b.base)
	fmt.Fprintf(&sb, "  storage: %s, table %s\n", engine, b.table)
	fmt.Fprintf(&sb, "  zoom:    %s\n", b.zoom)
	switch {
	case b.opts.insecureWebhooks:
		fmt.Fprintf(&sb, "  webhook: accepts unsigned Zoom webhooks (-insecure-webhooks)\n")
	case b.secretFromEnv:
		fmt.Fprintf(&sb, "  webhook: Zoom webhooks must be signed with $ZOOM_WEBHOOK_SECRET_TOKEN\n")
	default:
		fmt.Fprintf(&sb, "  webhook: Zoom webhooks must be signed with the local secret %q (scripts/zoom-webhook signs them)\n", app.LocalWebhookSecret)
	}
	sweep := "make sweep"
	var sweepArgs []string
	if b.engine.Embedded == nil {
		sweep = "DYNAMODB_ENDPOINT=" + b.engine.Endpoint + " " + sweep
	} else if addr := strings.TrimPrefix(b.engine.Endpoint, "http://"); addr != defaultEngineAddr {
		sweepArgs = append(sweepArgs, "-dynamodb-addr "+addr)
	}
	if b.liveZoom {
		// So that it ends and deletes meetings in the same Zoom.
		sweepArgs = append(sweepArgs, "-zoom live")
	}
	if len(sweepArgs) > 0 {
		sweep += " ARGS=\"" + strings.Join(sweepArgs, " ") + "\""
	}
	if b.table != "zoom-pool" {
		sweep = "TABLE_NAME=" + b.table + " " + sweep
	}
	sweep = "`" + sweep + "`"
	if b.liveZoom {
		sweep += " (with the same ZOOM_* environment)"
	}
	if b.opts.sweepEvery > 0 {
		fmt.Fprintf(&sb, "  sweep:   releases stuck accounts and ends their meetings every %s; %s runs one now\n", b.opts.sweepEvery, sweep)
		fmt.Fprintf(&sb, "  look-ahead: logs the capacity forecast of the next 14 days now and daily (GET /api/schedule/capacity shows it)\n")
	} else {
		fmt.Fprintf(&sb, "  sweep:   off (-sweep-every 0); %s runs one now\n", sweep)
	}
	if b.tokens != nil {
		fmt.Fprintf(&sb, "  sign-in: tokens of the development issuer %s (its key: %s);\n", b.issuer, b.opts.devKey)
		fmt.Fprintf(&sb, "           `make token ARGS=\"-role teacher -sub NAME\"` prints another\n")
	} else {
		fmt.Fprintf(&sb, "  sign-in: tokens of $JWT_ISSUER %s\n", b.issuer)
	}
	if len(b.origins) > 0 {
		fmt.Fprintf(&sb, "  cors:    browsers at %s may call the API\n", strings.Join(b.origins, ", "))
	} else {
		fmt.Fprintf(&sb, "  cors:    no browser origin may call the API (-allowed-origins)\n")
	}
	if b.tokens != nil {
		fmt.Fprintf(&sb, "  console: %s%s in a browser; sign in as the demo admin or a demo teacher\n", b.base, console.PagePath)
	} else {
		fmt.Fprintf(&sb, "  console: %s%s in a browser; it signs in at $JWT_ISSUER as the app client $OIDC_CLIENT_ID\n", b.base, console.PagePath)
	}
	if b.seeded {
		day, hour := demoOccurrence(b.now)
		fmt.Fprintf(&sb, "  demo:    accounts \"Zoom Account 1..3\", lesson 1 (teacher-1, group-1) starting now,\n")
		fmt.Fprintf(&sb, "           recurring lesson %s (teacher-2, group-2) every %s at %s %s\n", demoSeries, day.Weekday(), hour, demoZone)
	}
	fmt.Fprintf(&sb, "\nRoutes (each needs Authorization: Bearer <token>, but for those below it):\n")
	// Each route's greedy twin only serves its URLs with a trailing slash,
	// which the list shows.
	routes := slices.DeleteFunc(slices.Clone(b.routes), sam.Route.Greedy)
	order := map[string]int{"GET": 0, "POST": 1, "PATCH": 2, "DELETE": 3}
	slices.SortFunc(routes, func(x, y sam.Route) int {
		return cmp.Or(cmp.Compare(x.Path, y.Path), cmp.Compare(order[x.Method], order[y.Method]))
	})
	url := func(r sam.Route) string {
		if path.Ext(r.Path) != "" || strings.HasPrefix(r.Path, console.PagePath) {
			return b.base + r.Path // a file name such as calendar.ics, or a page, takes no slash
		}
		return b.base + r.Path + "/" // the frontend's URLs end in one
	}
	var public []string
	for _, r := range routes {
		fmt.Fprintf(&sb, "  %-6s %s\n", r.Method, url(r))
		if r.Public() {
			public = append(public, r.Method+" "+url(r))
		}
	}
	fmt.Fprintf(&sb, "  No token: %s\n", strings.Join(public, ", "))
	fmt.Fprintf(&sb, "  (Zoom signs its webhooks; the feed takes the signed link from GET %s/api/schedule/calendar/feed-url/;\n", b.base)
	fmt.Fprintf(&sb, "  the console's page holds no data: its calls carry the signed-in user's token)\n")
	auth := ""
	if b.tokens != nil {
		fmt.Fprintf(&sb, "\nTokens, valid for %s (paste them into the terminal you curl from):\n", devTokenTTL)
		for _, t := range b.tokens {
			fmt.Fprintf(&sb, "  export %s='%s'   # %s\n", t.variable, t.token, t.who)
		}
		auth = ` -H "Authorization: Bearer $TEACHER"`
	}
	fmt.Fprintf(&sb, "\nStart lesson 1 as its teacher:\n  curl -s -X POST %s/schedule/lesson/1/start/%s\n", b.base, auth)
	if b.seeded {
		day, _ := demoOccurrence(b.now)
		fmt.Fprintf(&sb, "\nThis week's calendar, then start today's occurrence of %s as its teacher:\n", demoSeries)
		fmt.Fprintf(&sb, "  curl -s '%s/api/schedule/calendar/?start=%s&end=%s&timeZone=%s'%s\n", b.base, day.Monday(), day.Monday().AddDays(7), demoZone,
			strings.ReplaceAll(auth, "$TEACHER", "$ADMIN"))
		fmt.Fprintf(&sb, "  curl -s -X POST %s/schedule/lesson/%s/start/%s\n", b.base, pool.OccurrenceID(demoSeries, day),
			strings.ReplaceAll(auth, "$TEACHER", "$TEACHER2"))
	}
	fmt.Fprintf(&sb, "\nCtrl-C stops it.\n\n")
	_, _ = io.WriteString(w, sb.String())
}
