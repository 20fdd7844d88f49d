// Package app builds every function of the stack in one process, from the
// same wiring as the Lambda functions (the packages beside it: core, start,
// webhook, sweep, calendar, accounts, zoomenv), for the local runner and the
// tests. The functions' mains import only their own wiring, never this
// package, so that each links only what its handler uses.
package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/api"
	"zoompool/internal/app/accounts"
	"zoompool/internal/app/calendar"
	"zoompool/internal/app/core"
	"zoompool/internal/app/start"
	"zoompool/internal/app/sweep"
	"zoompool/internal/app/webhook"
	"zoompool/internal/app/zoomenv"
	"zoompool/internal/console"
	"zoompool/internal/forecast"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/zoom"
)

// Config is the configuration of every function: the settings they share,
// and each one's own.
type Config struct {
	core.Config
	Zoom     zoomenv.Config
	Webhook  webhook.Config
	Calendar calendar.Config
}

// The public secrets of local runs, which guard nothing: deployed functions
// never use them.
const (
	LocalWebhookSecret = webhook.LocalSecret
	LocalFeedKey       = calendar.LocalFeedKey
)

// ConfigFromEnv reads and checks the configuration of every function.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var errs [3]error
	c.Config, errs[0] = core.ConfigFromEnv(getenv)
	c.Zoom, errs[1] = zoomenv.ConfigFromEnv(getenv)
	c.Webhook = webhook.ConfigFromEnv(getenv)
	c.Calendar, errs[2] = calendar.ConfigFromEnv(getenv)
	return c, errors.Join(errs[:]...)
}

// App is every function's handler, built on one base.
type App struct {
	*core.Base
	// Settings is the configuration the app was built with.
	Settings Config
	// Zoom is the Zoom client the start flow calls (undecorated).
	Zoom     pool.Zoom
	Service  *pool.Service
	Releaser *pool.Releaser
	// Planner computes capacity forecasts, warnings and the daily look-ahead.
	Planner *forecast.Planner
	// ConsoleConfig is how the console signs in (none when zero); the
	// deployed console function reads it from its own environment.
	ConsoleConfig console.Config
}

// New builds the app on client, or on a client configured the AWS way when
// client is nil, calling Zoom with z (the fake when nil).
func New(ctx context.Context, cfg Config, client *dynamodb.Client, z pool.Zoom, log *slog.Logger) (*App, error) {
	if client == nil {
		var err error
		if client, err = localstack.NewClient(ctx, cfg.DynamoDBEndpoint); err != nil {
			return nil, err
		}
	}
	if z == nil {
		z = &zoom.Fake{}
	}
	base := core.New(cfg.Config, client, log)
	return &App{Base: base, Settings: cfg, Zoom: z, Service: start.Service(base, z), Releaser: sweep.Releaser(base, z), Planner: base.Planner()}, nil
}

// NewZoom builds the Zoom client cfg.Zoom configures; the live client reads
// credentials_refs with the AWS configuration of the environment.
func NewZoom(ctx context.Context, cfg Config, log *slog.Logger) (pool.Zoom, error) {
	var awsCfg aws.Config
	if cfg.Zoom.Client == "live" {
		var err error
		if awsCfg, err = config.LoadDefaultConfig(ctx); err != nil {
			log.Warn("no AWS configuration: accounts with a credentials_ref cannot be used", "err", err)
			awsCfg = aws.Config{}
		}
	}
	return zoomenv.New(cfg.Zoom, awsCfg, log)
}

// StartLesson is the start-lesson function's handler.
func (a *App) StartLesson() *api.Router { return start.Handler(a.Base, a.Service) }

// ZoomWebhook is the zoom-webhook function's handler.
func (a *App) ZoomWebhook() *api.Router {
	return webhook.Handler(a.Base, a.Releaser, a.Settings.Webhook)
}

// Accounts is the accounts function's handler.
func (a *App) Accounts() *api.Router { return accounts.Handler(a.Base) }

// Calendar is the calendar function's handler.
func (a *App) Calendar() *api.Router { return calendar.Handler(a.Base, a.Planner, a.Settings.Calendar) }

// ReleaseStuck is the release-stuck function's sweep.
func (a *App) ReleaseStuck() func(context.Context, events.EventBridgeEvent) (api.SweepResult, error) {
	return sweep.ReleaseStuck(a.Base, a.Releaser)
}

// Scheduled is the release-stuck function's handler for all its scheduled
// events: the daily look-ahead event computes the capacity look-ahead, every
// other event runs a sweep.
func (a *App) Scheduled() func(context.Context, events.EventBridgeEvent) (any, error) {
	return sweep.Handler(a.Base, a.Releaser, a.Planner)
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
