// Command local runs all of Zoom Pool on one port, with no AWS account: the
// embedded DynamoDB engine (or DYNAMODB_ENDPOINT), the fake Zoom, and every
// HTTP route that template.yaml declares, served by the same handlers Lambda runs.
//
//	go run ./cmd/local [-addr 127.0.0.1:3000] [-demo=true]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"zoompool/internal/app"
	"zoompool/internal/localstack"
	"zoompool/internal/zoom"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "local:", err)
		os.Exit(1)
	}
}

// options are the runner's flags.
type options struct {
	addr string
	demo bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("local", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:3000", "address to serve the API on")
	fs.BoolVar(&o.demo, "demo", true, "seed demo accounts and a lesson into an empty table")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, nil
}

// run serves until ctx ends. When ready is not nil it receives the address
// the API listens on, once it accepts requests.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer, ready chan<- string) error {
	opts, err := parseFlags(args, stdout)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: slog.LevelInfo}))

	engine, err := localstack.Start(localstack.Options{Endpoint: getenv("DYNAMODB_ENDPOINT")})
	if err != nil {
		return err
	}
	defer engine.Close()
	client, err := engine.Client(ctx)
	if err != nil {
		return err
	}
	anchor, err := app.ParseUpperWeekAnchor(getenv("UPPER_WEEK_ANCHOR"))
	if err != nil {
		return err
	}
	cfg := app.Config{
		TableName:        or(getenv("TABLE_NAME"), "zoom-pool"),
		DynamoDBEndpoint: engine.Endpoint,
		PoolID:           or(getenv("POOL_ID"), "default"),
		ZoomClient:       "fake",
		StartLease:       app.DefaultStartLease,
		UpperWeekAnchor:  anchor,
	}
	if err := localstack.CreateTable(ctx, client, cfg.TableName); err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, client, &zoom.Fake{}, log)
	if err != nil {
		return err
	}
	seeded, now := false, time.Now()
	if opts.demo {
		if seeded, err = seedDemo(ctx, a.Store, now); err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
	}
	gw, err := localstack.Gateway(a.HTTPFunctions(), a.Log)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", opts.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: logRequests(log, gw), ReadHeaderTimeout: 10 * time.Second}
	base := "http://" + ln.Addr().String()
	printBanner(stdout, banner{base: base, engine: engine, table: cfg.TableName, seeded: seeded, routes: gw.Routes(), now: now})

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
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
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
