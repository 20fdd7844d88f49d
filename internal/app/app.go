// Package app wires Zoom Pool together: configuration from the environment,
// the DynamoDB store, the Zoom client, the domain service and one handler per
// Lambda function. The functions' mains and the local runner both build their
// handlers here, so they run identical code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/auth"
	"zoompool/internal/console"
	"zoompool/internal/dynamo"
	"zoompool/internal/forecast"
	"zoompool/internal/metrics"
	"zoompool/internal/pool"
	"zoompool/internal/sam"
	"zoompool/internal/schedule"
	"zoompool/internal/zoom"
)

// Config is the configuration every function reads from its environment.
type Config struct {
	// TableName is the DynamoDB table (TABLE_NAME, required).
	TableName string
	// DynamoDBEndpoint replaces AWS's DynamoDB endpoint (DYNAMODB_ENDPOINT),
	// e.g. DynamoDB Local under `sam local`.
	DynamoDBEndpoint string
	// PoolID names the account pool (POOL_ID, default "default").
	PoolID string
	// ZoomClient selects the Zoom client (ZOOM_CLIENT): "live" calls Zoom's
	// API; "fake" (the default of functions that do not call Zoom, and of the
	// local runner) answers like Zoom without calling it.
	ZoomClient string
	// Zoom configures the live client.
	Zoom ZoomConfig
	// StartLease is how long a claim may stay unconfirmed before it is
	// reclaimed (START_LEASE, default 60s). It must exceed the start
	// function's timeout in template.yaml by MinLeaseMargin.
	StartLease time.Duration
	// ZoomBudget bounds the time a start spends calling Zoom: the start
	// function's timeout in template.yaml less StartWriteReserve, read by
	// ConfigFromEnv; pool.DefaultZoomBudget when zero.
	ZoomBudget time.Duration
	// StartEarly is how long before its start a lesson may be started
	// (START_EARLY, default 15m).
	StartEarly time.Duration
	// ReleaseGrace is how long after a lesson's scheduled end the sweep leaves
	// its account to the lesson (RELEASE_GRACE, default 15m).
	ReleaseGrace time.Duration
	// WebhookSecret is the Zoom app's secret token, which signs its webhooks
	// (ZOOM_WEBHOOK_SECRET_TOKEN). Without it the webhook refuses every request.
	WebhookSecret string
	// WebhookSecretParameter names the SSM SecureString parameter holding the
	// secret token (ZOOM_WEBHOOK_SECRET_PARAMETER); FromEnv reads it when
	// WebhookSecret is empty.
	WebhookSecretParameter string
	// InsecureWebhooks accepts unsigned webhooks. No environment variable sets
	// it: only the local runner does, when asked to.
	InsecureWebhooks bool
	// UpperWeekAnchor is the Monday that starts an upper week
	// (UPPER_WEEK_ANCHOR, YYYY-MM-DD). Zero: each date is placed in its own
	// academic year, which starts with an upper week in the week holding 1
	// September (schedule.DefaultAnchor).
	UpperWeekAnchor pool.Date
	// MetricsNamespace is the CloudWatch namespace of the functions' metrics
	// (METRICS_NAMESPACE, default metrics.DefaultNamespace).
	MetricsNamespace string
	// Identity names the token claims holding a caller's roles (ROLES_CLAIM,
	// default cognito:groups) and teacher id (TEACHER_ID_CLAIM, default sub).
	Identity api.Identity
	// FeedKey signs the private links of the calendar feed
	// (CALENDAR_FEED_KEY). Without it (and without the parameter below) the
	// feed is switched off.
	FeedKey string
	// FeedKeyParameter names the SSM SecureString parameter holding FeedKey
	// (CALENDAR_FEED_KEY_PARAMETER); FromEnv reads it when FeedKey is empty.
	FeedKeyParameter string
	// ForecastMargin widens every lesson on both sides in capacity forecasts
	// and warnings, to count early starts and overruns (FORECAST_MARGIN,
	// default 0, at most MaxForecastMargin).
	ForecastMargin time.Duration
}

// MaxForecastMargin bounds FORECAST_MARGIN.
const MaxForecastMargin = 2 * time.Hour

// DefaultStartLease is START_LEASE when it is not set.
const DefaultStartLease = time.Minute

// DefaultStartEarly is START_EARLY when it is not set.
const DefaultStartEarly = 15 * time.Minute

// MaxStartEarly bounds START_EARLY: an account is lent for a lesson at most
// this long before it begins.
const MaxStartEarly = 24 * time.Hour

// MinLeaseMargin is how much longer than the start function may run a claim's
// lease must last, so that a start still running never loses its claim to a
// sweep whose clock is a little ahead.
const MinLeaseMargin = 10 * time.Second

// StartWriteReserve is how much of the start function's time is kept for
// recording the outcome of its Zoom calls (the commit, or giving the claim
// back): Zoom gets the rest.
const StartWriteReserve = 10 * time.Second

// LocalWebhookSecret signs webhooks for the local runner and its README
// examples when ZOOM_WEBHOOK_SECRET_TOKEN is not set. It is public, so it
// guards nothing: deployed functions never use it.
const LocalWebhookSecret = "local-only-zoom-pool-webhook"

// LocalFeedKey signs the local runner's calendar feed links when
// CALENDAR_FEED_KEY is not set. It is public, so it guards nothing: deployed
// functions never use it.
const LocalFeedKey = "local-only-zoom-pool-calendar-feeds"

// ConfigFromEnv reads and checks the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:        getenv("TABLE_NAME"),
		DynamoDBEndpoint: getenv("DYNAMODB_ENDPOINT"),
		PoolID:           or(getenv("POOL_ID"), "default"),
		ZoomClient:       or(getenv("ZOOM_CLIENT"), "fake"),
		StartLease:       DefaultStartLease,
		StartEarly:       DefaultStartEarly,
		ReleaseGrace:     pool.DefaultGrace,

		WebhookSecret:          getenv("ZOOM_WEBHOOK_SECRET_TOKEN"),
		WebhookSecretParameter: getenv("ZOOM_WEBHOOK_SECRET_PARAMETER"),

		MetricsNamespace: or(getenv("METRICS_NAMESPACE"), metrics.DefaultNamespace),
		Identity: api.Identity{
			RolesClaim:     or(getenv("ROLES_CLAIM"), api.DefaultIdentity.RolesClaim),
			TeacherIDClaim: or(getenv("TEACHER_ID_CLAIM"), api.DefaultIdentity.TeacherIDClaim),
		},
		FeedKey:          getenv("CALENDAR_FEED_KEY"),
		FeedKeyParameter: getenv("CALENDAR_FEED_KEY_PARAMETER"),
	}
	var problems []string
	if c.TableName == "" {
		problems = append(problems, "TABLE_NAME is not set: name the DynamoDB table")
	}
	if !validNamespace(c.MetricsNamespace) {
		problems = append(problems, fmt.Sprintf("METRICS_NAMESPACE %q is not 1 to 255 letters, digits or . - _ / # : (not starting with ':')", c.MetricsNamespace))
	}
	if !pool.ValidID(c.PoolID) {
		problems = append(problems, fmt.Sprintf("POOL_ID %q is not 1 to 64 letters, digits, '-' or '_'", c.PoolID))
	}
	problems = append(problems, readZoomConfig(getenv, &c)...)
	if s := getenv("START_LEASE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 10*time.Second {
			problems = append(problems, fmt.Sprintf("START_LEASE %q is not a duration of at least 10s, such as 60s", s))
		}
		c.StartLease = d
	}
	if budget, err := checkLease(c.StartLease); err != nil {
		problems = append(problems, err.Error())
	} else {
		c.ZoomBudget = budget
	}
	if s := getenv("START_EARLY"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > MaxStartEarly {
			problems = append(problems, fmt.Sprintf("START_EARLY %q is not a duration from 0s to %s, such as 15m", s, MaxStartEarly))
		}
		c.StartEarly = d
	}
	if s := getenv("RELEASE_GRACE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			problems = append(problems, fmt.Sprintf("RELEASE_GRACE %q is not a positive duration such as 15m", s))
		}
		c.ReleaseGrace = d
	}
	if s := getenv("FORECAST_MARGIN"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 || d > MaxForecastMargin {
			problems = append(problems, fmt.Sprintf("FORECAST_MARGIN %q is not a duration from 0m to %dh, such as 5m", s, int(MaxForecastMargin.Hours())))
		}
		c.ForecastMargin = d
	}
	if c.FeedKey != "" && len(c.FeedKey) < auth.MinFeedKeyLen {
		problems = append(problems, fmt.Sprintf("CALENDAR_FEED_KEY is %d characters long; use at least %d, such as the output of `openssl rand -base64 32`",
			len(c.FeedKey), auth.MinFeedKeyLen))
	}
	var err error
	if c.UpperWeekAnchor, err = ParseUpperWeekAnchor(getenv("UPPER_WEEK_ANCHOR")); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// checkLease checks START_LEASE against the start function's timeout in the
// template the binary carries: a claim must outlive the request that made it.
// It returns the time a start may spend on Zoom: the timeout less
// StartWriteReserve.
func checkLease(lease time.Duration) (time.Duration, error) {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return 0, err
	}
	f, ok := tmpl.Function(StartFunction)
	if !ok {
		return 0, fmt.Errorf("template.yaml has no %s", StartFunction)
	}
	timeout := time.Duration(f.Timeout) * time.Second
	if lease < timeout+MinLeaseMargin {
		return 0, fmt.Errorf("START_LEASE %s must be at least %s: the start function may run for %s (its Timeout in template.yaml), and a claim must outlive it",
			lease, timeout+MinLeaseMargin, timeout)
	}
	if timeout <= StartWriteReserve {
		return 0, fmt.Errorf("the start function's Timeout in template.yaml (%s) leaves no time for Zoom after %s for its writes", timeout, StartWriteReserve)
	}
	return timeout - StartWriteReserve, nil
}

// StartFunction is the logical id of the start-lesson function in template.yaml.
const StartFunction = "StartLessonFunction"

// ParseUpperWeekAnchor reads UPPER_WEEK_ANCHOR: a Monday written YYYY-MM-DD,
// or "" for none.
func ParseUpperWeekAnchor(s string) (pool.Date, error) {
	if s == "" {
		return pool.Date{}, nil
	}
	d, err := pool.ParseDate(s)
	switch {
	case err != nil:
		return pool.Date{}, fmt.Errorf("UPPER_WEEK_ANCHOR %q is not a date YYYY-MM-DD such as 2026-08-31", s)
	case d.ISOWeekday() != 1:
		return pool.Date{}, fmt.Errorf("UPPER_WEEK_ANCHOR %s is a %s; it must be the Monday that starts an upper week, such as %s",
			s, d.Weekday(), d.Monday())
	}
	return d, nil
}

// validNamespace reports whether s can name a CloudWatch namespace.
func validNamespace(s string) bool {
	return len(s) > 0 && len(s) <= 255 && s[0] != ':' && namespacePattern.MatchString(s)
}

var namespacePattern = regexp.MustCompile(`^[A-Za-z0-9.\-_/#:]+$`)

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// App holds what the functions share.
type App struct {
	Config   Config
	Store    *dynamo.Store
	Zoom     pool.Zoom
	Service  *pool.Service
	Releaser *pool.Releaser
	// Planner computes capacity forecasts, warnings and the daily look-ahead.
	Planner *forecast.Planner
	Log     *slog.Logger
	// Metrics records the handlers' CloudWatch metrics as EMF lines in Log.
	Metrics *metrics.Recorder
	// WebhookSecrets, when set, yields the Zoom webhook's secret token for
	// each request instead of Config.WebhookSecret: FromEnv sets it to the
	// SSM parameter ZOOM_WEBHOOK_SECRET_PARAMETER names.
	WebhookSecrets zoom.SecretSource
	// Now is the clock of the app's handlers; time.Now when nil.
	Now func() time.Time
	// WebhookTimeout bounds the work behind one Zoom webhook, and
	// WarningsTimeout the capacity check behind a calendar write's warnings:
	// api.WebhookTimeout (which fits Zoom's 3 seconds) and
	// api.WarningsTimeout when zero.
	WebhookTimeout, WarningsTimeout time.Duration
	// ConsoleConfig is how the console signs in (none when zero); the
	// deployed console function reads it from its own environment.
	ConsoleConfig console.Config
}

func (a *App) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// New builds the app on client, or on a client configured the AWS way when
// client is nil.
func New(ctx context.Context, cfg Config, client *dynamodb.Client, z pool.Zoom, log *slog.Logger) (*App, error) {
	if client == nil {
		var err error
		if client, err = dynamo.NewClient(ctx, cfg.DynamoDBEndpoint); err != nil {
			return nil, err
		}
	}
	if z == nil {
		z = &zoom.Fake{}
	}
	if log == nil {
		log = slog.Default()
	}
	store := dynamo.New(client, cfg.TableName, cfg.PoolID)
	store.Log = log
	a := &App{Config: cfg, Store: store, Zoom: z, Log: log, Metrics: metrics.New(log, cfg.MetricsNamespace, cfg.PoolID)}
	// The start flow and the releases go through decorators that record
	// metrics; the domain itself knows nothing of them.
	observed := observedStore{Store: store, metrics: a.Metrics}
	oz := observedZoom{Zoom: z, metrics: a.Metrics}
	a.Service = &pool.Service{Store: observed, Zoom: oz, Lease: cfg.StartLease,
		Early: cfg.StartEarly, Grace: cfg.ReleaseGrace, ZoomBudget: cfg.ZoomBudget, Log: log, Now: a.now}
	a.Releaser = &pool.Releaser{Store: observed, Zoom: oz, Grace: cfg.ReleaseGrace, Log: log, Now: a.now}
	// Starting a calendar occurrence creates its lesson first, on the start's clock.
	occurrences := &schedule.Materializer{Store: store, Anchor: cfg.UpperWeekAnchor, Early: cfg.StartEarly,
		Now: func() time.Time { return a.Service.Now() }}
	a.Service.Materialize = occurrences.Materialize
	a.Planner = &forecast.Planner{Store: store, Anchor: cfg.UpperWeekAnchor, Margin: cfg.ForecastMargin, Now: a.now, Log: log}
	return a, nil
}

// FromEnv builds the app of a deployed function from its environment. It logs
// JSON lines to standard output, which Lambda sends to CloudWatch.
func FromEnv(ctx context.Context, getenv func(string) string) (*App, error) {
	return fromEnv(ctx, getenv, os.Stdout)
}

// fromEnv is FromEnv logging to w.
func fromEnv(ctx context.Context, getenv func(string) string, w io.Writer) (*App, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	log := NewLogger(w)
	if cfg.FeedKey == "" && cfg.FeedKeyParameter != "" {
		if cfg.FeedKey, err = readSecretParameter(ctx, cfg.FeedKeyParameter, log); err != nil {
			return nil, err
		}
	}
	z, err := NewZoom(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	a, err := New(ctx, cfg, nil, z, log)
	if err != nil {
		return nil, err
	}
	if cfg.WebhookSecret == "" && cfg.WebhookSecretParameter != "" {
		if a.WebhookSecrets, err = newParameterSecret(ctx, cfg.WebhookSecretParameter, a.now); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// signedIn makes rt read callers' roles and teacher ids from the configured claims.
func (a *App) signedIn(rt *api.Router) *api.Router {
	rt.SetIdentity(a.Config.Identity)
	return rt
}

// StartLesson is the start-lesson function's handler.
func (a *App) StartLesson() *api.Router {
	return a.measured(a.signedIn(api.NewStartLesson(a.Service, a.Store, a.Log)))
}

// measured makes rt record its metrics with a.Metrics.
func (a *App) measured(rt *api.Router) *api.Router {
	rt.SetMetrics(a.Metrics)
	return rt
}

// Accounts is the accounts function's handler.
func (a *App) Accounts() *api.Router { return a.signedIn(api.NewAccounts(a.Store, a.Log)) }

// Calendar is the calendar function's handler.
func (a *App) Calendar() *api.Router {
	c := api.Calendar{Lessons: a.Store, Recurring: a.Store, Users: a.Store, Anchor: a.Config.UpperWeekAnchor, Log: a.Log,
		Forecast: a.Planner, Now: a.now, WarningsTimeout: a.WarningsTimeout}
	if a.Config.FeedKey == "" {
		a.Log.Error("no calendar feed key is configured: calendar links are switched off; " +
			"set CALENDAR_FEED_KEY_PARAMETER (or CALENDAR_FEED_KEY)")
	} else if signer, err := auth.NewFeedSigner(a.Config.FeedKey); err != nil {
		a.Log.Error("calendar links are switched off", "err", err)
	} else {
		c.Feeds = signer
	}
	return a.signedIn(api.NewCalendar(c))
}

// ZoomWebhook is the zoom-webhook function's handler. Its secret token is
// WebhookSecrets' when set (read again when its cache runs out, so that a
// rotated token takes effect without a cold start), else the configured one.
func (a *App) ZoomWebhook() *api.Router {
	v := zoom.Verifier{Secret: a.Config.WebhookSecret, SecretSource: a.WebhookSecrets, Insecure: a.Config.InsecureWebhooks, Now: a.now}
	if v.Secret == "" && v.SecretSource == nil {
		v.Missing = errors.New("neither ZOOM_WEBHOOK_SECRET_PARAMETER nor ZOOM_WEBHOOK_SECRET_TOKEN is set")
	}
	return a.measured(api.NewZoomWebhookWithin(a.WebhookTimeout, v, a.Releaser, a.Log))
}

// ReleaseStuck is the release-stuck function's handler.
func (a *App) ReleaseStuck() func(context.Context, events.EventBridgeEvent) (api.SweepResult, error) {
	return api.NewReleaseStuck(a.Releaser, a.Metrics)
}

// Scheduled is the release-stuck function's handler for all its scheduled
// events: the daily look-ahead event computes the capacity look-ahead, every
// other event runs a sweep.
func (a *App) Scheduled() func(context.Context, events.EventBridgeEvent) (any, error) {
	return api.NewScheduled(a.ReleaseStuck(), api.NewLookAhead(a.Planner, a.Metrics))
}

// Console is the console function's handler: the page and its assets, which
// anyone may load (they hold no data; the page's API calls carry the user's
// token).
func (a *App) Console() *api.Router {
	h, err := console.New(a.ConsoleConfig)
	if err != nil {
		a.Log.Error("the console cannot sign in", "err", err)
		h, _ = console.New(console.Config{})
	}
	rt := api.NewRouter(a.Log)
	rt.Handle(http.MethodGet, console.PagePath, h)
	rt.Handle(http.MethodGet, console.AssetPath, h)
	return rt
}

// HTTPFunctions returns the handler of every HTTP function by its logical id
// in template.yaml.
func (a *App) HTTPFunctions() map[string]*api.Router {
	return map[string]*api.Router{
		"StartLessonFunction": a.StartLesson(),
		"ZoomWebhookFunction": a.ZoomWebhook(),
		"AccountsFunction":    a.Accounts(),
		"CalendarFunction":    a.Calendar(),
		"ConsoleFunction":     a.Console(),
	}
}
