// Command local runs all of Zoom Pool on one port, with no AWS account: the
// embedded DynamoDB engine (or DYNAMODB_ENDPOINT), the fake Zoom (or the live
// client with -zoom live), every HTTP
// route that template.yaml declares, served by the same handlers Lambda runs,
// and the release-stuck sweep on a timer.
//
//	go run ./cmd/local [-addr 127.0.0.1:3000] [-demo=true] [-sweep-every 10m] [-insecure-webhooks] [-zoom fake|live]
//	                   [-allowed-origins https://console.example] [-dev-key FILE]
//
// Every route but the Zoom webhook and the iCalendar feed needs a bearer token,
// checked as API Gateway's JWT authorizer checks it: of the issuer JWT_ISSUER
// (for JWT_AUDIENCE), or, without it, of the runner's own development issuer.
// With the runner up, "local token" prints a development token:
//
//	go run ./cmd/local token [-role admin|teacher|none] [-sub NAME] [-teacher-id ID]
//
// and "local sweep" runs one sweep now against its table, as the scheduled
// Lambda function would:
//
//	go run ./cmd/local sweep [-dynamodb-addr 127.0.0.1:3001] [-zoom fake|live]
//
// "local zoom-double" serves a double of Zoom's API, for trying -zoom live
// without a Zoom account:
//
//	go run ./cmd/local zoom-double [-addr 127.0.0.1:3002]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"zoompool/internal/api"
	"zoompool/internal/app"
	"zoompool/internal/app/core"
	"zoompool/internal/app/zoomenv"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
	"zoompool/internal/zoom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "sweep":
		err = sweepOnce(ctx, os.Args[2:], os.Getenv, os.Stdout)
	case len(os.Args) > 1 && os.Args[1] == "token":
		err = tokenCommand(os.Args[2:], os.Getenv, os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "zoom-double":
		err = zoomDouble(ctx, os.Args[2:], os.Stdout, nil)
	default:
		err = run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// defaultEngineAddr is where the runner's embedded DynamoDB engine listens,
// so that `local sweep` (make sweep) finds the runner's table.
const defaultEngineAddr = "127.0.0.1:3001"

// options are the runner's flags.
type options struct {
	addr             string
	engineAddr       string
	demo             bool
	sweepEvery       time.Duration
	insecureWebhooks bool
	// allowedOrigins may call the API from a browser (CORS); "" reads ALLOWED_ORIGINS.
	allowedOrigins string
	// devKey keeps the development issuer's key, for `local token`.
	devKey string
	// zoom overrides ZOOM_CLIENT: "fake" or "live".
	zoom string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3000", "address to serve the API on")
	fs.StringVar(&o.engineAddr, "dynamodb-addr", defaultEngineAddr, "address of the embedded DynamoDB engine (unused with DYNAMODB_ENDPOINT)")
	fs.BoolVar(&o.demo, "demo", true, "seed demo accounts and a lesson into an empty table")
	fs.DurationVar(&o.sweepEvery, "sweep-every", 10*time.Minute, "how often to release stuck accounts, as the scheduled function does in AWS (0: never)")
	fs.BoolVar(&o.insecureWebhooks, "insecure-webhooks", false, "accept Zoom webhooks without a valid signature (for experiments with curl)")
	fs.StringVar(&o.allowedOrigins, "allowed-origins", "", "browser origins allowed to call the API (CORS), comma-separated; default $ALLOWED_ORIGINS")
	fs.StringVar(&o.devKey, "dev-key", defaultDevKeyFile(), "where the development issuer keeps its key, for `local token` (unused with JWT_ISSUER)")
	fs.StringVar(&o.zoom, "zoom", "", "Zoom client, overriding ZOOM_CLIENT: fake (the default) or live (with ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET; ZOOM_API_URL and ZOOM_OAUTH_URL when set)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.zoom != "" && o.zoom != "fake" && o.zoom != "live" {
		return o, fmt.Errorf("-zoom %q: use fake or live", o.zoom)
	}
	if o.sweepEvery < 0 {
		return o, fmt.Errorf("-sweep-every must not be negative")
	}
	if host, _, err := net.SplitHostPort(o.engineAddr); err != nil || !loopback(host) {
		return o, fmt.Errorf("-dynamodb-addr %q must be a loopback address such as 127.0.0.1:3001: the embedded engine has no authentication", o.engineAddr)
	}
	return o, nil
}

func loopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// localConfig is the functions' configuration from the environment, with the
// local defaults: table zoom-pool and, unless ZOOM_WEBHOOK_SECRET_TOKEN and
// CALENDAR_FEED_KEY are set, the public local webhook secret and feed key.
func localConfig(getenv func(string) string, endpoint string) (app.Config, error) {
	defaults := map[string]string{"TABLE_NAME": "zoom-pool", "ZOOM_WEBHOOK_SECRET_TOKEN": app.LocalWebhookSecret,
		"CALENDAR_FEED_KEY": app.LocalFeedKey}
	cfg, err := app.ConfigFromEnv(func(k string) string { return or(getenv(k), defaults[k]) })
	cfg.DynamoDBEndpoint = endpoint
	cfg.Webhook.SecretParameter = "" // SSM is for deployed functions
	cfg.Calendar.FeedKeyParameter = ""
	return cfg, err
}

// run serves until ctx ends. When ready is not nil it receives the address
// the API listens on, once it accepts requests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	log := core.NewLogger(stdout)

	engine, err := localstack.Start(localstack.Options{Endpoint: getenv("DYNAMODB_ENDPOINT"), Addr: opts.engineAddr})
	if err != nil {
		return err
	}
	defer engine.Close()
	client, err := engine.Client(ctx)
	if err != nil {
		return err
	}
	if opts.zoom != "" {
		env := getenv
		getenv = func(k string) string { return or(map[string]string{"ZOOM_CLIENT": opts.zoom}[k], env(k)) }
	}
	cfg, err := localConfig(getenv, engine.Endpoint)
	if err != nil {
		return err
	}
	if cfg.Zoom.Client == "live" && !cfg.Zoom.Default.Complete() && cfg.Zoom.Credentials == "" {
		return errors.New("the live Zoom client needs the Zoom app's credentials: set ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET " +
			"(and ZOOM_API_URL, ZOOM_OAUTH_URL to use the Zoom double of `make zoom-double`)")
	}
	cfg.Webhook.Insecure = opts.insecureWebhooks
	if err := localstack.CreateTable(ctx, client, cfg.TableName); err != nil {
		return err
	}
	z, err := app.NewZoom(ctx, cfg, log)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, client, z, log)
	if err != nil {
		return err
	}
	seeded, now := false, time.Now()
	if opts.demo {
		if seeded, err = seedDemo(ctx, a.Store, now); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	base := "http://" + ln.Addr().String()
	authz, err := newAuthority(getenv, base, opts.devKey)
	if err != nil {
		return err
	}
	if a.ConsoleConfig, err = consoleConfig(authz, getenv); err != nil {
		return err
	}
	origins := splitList(or(opts.allowedOrigins, getenv("ALLOWED_ORIGINS")))
	gw, err := localstack.NewGateway(a.HTTPFunctions(), localstack.GatewayOptions{Verifier: authz.verifier, AllowedOrigins: origins, Log: a.Log})
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: logRequests(log, authz.handler(gw)), ReadHeaderTimeout: 10 * time.Second}
	b := banner{base: base, engine: engine, table: cfg.TableName, seeded: seeded, routes: gw.Routes(),
		secretFromEnv: getenv("ZOOM_WEBHOOK_SECRET_TOKEN") != "", opts: opts, now: now, origins: origins,
		issuer: authz.verifier.Issuer(), zoom: zoomenv.Describe(cfg.Zoom), liveZoom: cfg.Zoom.Client == "live"}
	if authz.dev != nil {
		if b.tokens, err = demoTokens(authz.dev, getenv); err != nil {
			return err
		}
	}
	printBanner(stdout, b)

	var sweeps sync.WaitGroup
	defer sweeps.Wait()
	sweepCtx, stopSweeps := context.WithCancel(ctx)
	defer stopSweeps()
	if opts.sweepEvery > 0 {
		sweeps.Go(func() { sweepEvery(sweepCtx, a.ReleaseStuck(), opts.sweepEvery, log) })
		sweeps.Go(func() { lookAheadDaily(sweepCtx, a.Scheduled()) })
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready <- base
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// sweepEvery runs the release-stuck function's handler every period until ctx
// ends, as the schedule does in AWS.
func sweepEvery(ctx context.Context, sweep func(context.Context, events.EventBridgeEvent) (api.SweepResult, error), period time.Duration, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// The sweep logs what it released; only a failure needs saying here.
			ev := events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "zoom-pool.local", Time: time.Now()}
			if _, err := sweep(ctx, ev); err != nil && ctx.Err() == nil {
				log.Error("sweep", "err", err)
			}
		}
	}
}

// sweepOnce runs one release-stuck sweep against the table of a running local
// runner (or DYNAMODB_ENDPOINT), through the Lambda function's own handler,
// and prints its JSON log lines and its answer.
func sweepOnce(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("local sweep", flag.ContinueOnError)
	fs.SetOutput(stdout)
	engineAddr := fs.String("dynamodb-addr", defaultEngineAddr, "address of the running runner's embedded DynamoDB engine (unused with DYNAMODB_ENDPOINT)")
	zoomClient := fs.String("zoom", "", "Zoom client, overriding ZOOM_CLIENT, as the runner's -zoom: live ends and deletes the meetings releases leave in Zoom")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *zoomClient != "" {
		env := getenv
		getenv = func(k string) string { return or(map[string]string{"ZOOM_CLIENT": *zoomClient}[k], env(k)) }
	}
	endpoint := or(getenv("DYNAMODB_ENDPOINT"), "http://"+*engineAddr)
	cfg, err := localConfig(getenv, endpoint)
	if err != nil {
		return err
	}
	log := core.NewLogger(stdout)
	// The fake Zoom's meetings live in the runner: its own sweeps end them,
	// so a sweep from here leaves them pending. The live client reaches Zoom
	// (or the double) as the runner does.
	var z pool.Zoom = &zoom.Fake{}
	if cfg.Zoom.Client == "live" {
		if z, err = app.NewZoom(ctx, cfg, log); err != nil {
			return err
		}
	}
	a, err := app.New(ctx, cfg, nil, z, log)
	if err != nil {
		return err
	}
	if cfg.Zoom.Client != "live" {
		a.Releaser.Zoom = nil
	}
	res, err := a.ReleaseStuck()(ctx, events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "zoom-pool.local", Time: time.Now()})
	if err == nil || res.Failed > 0 {
		out, _ := json.MarshalIndent(res, "", "  ")
		fmt.Fprintf(stdout, "%s\n", out)
	}
	if err != nil {
		return fmt.Errorf("sweep table %s at %s (is `make run` running?): %w", cfg.TableName, endpoint, err)
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// logRequests logs one line per request, as API Gateway's access log would.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status,
			"duration_ms", float64(time.Since(start).Microseconds())/1000)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(status int) {
	r.status = status
	r.ResponseWriter.WriteHeader(status)
}
