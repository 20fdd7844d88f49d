package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"zoompool/internal/app/core"
	"zoompool/internal/zoom/zoomtest"
)

// defaultDoubleAddr is where `local zoom-double` listens.
const defaultDoubleAddr = "127.0.0.1:3002"

// zoomDouble serves the Zoom API double until ctx ends, so that the runner's
// live client (-zoom live) can be tried without a Zoom account. When ready is
// not nil it receives the double's base URL once it accepts requests.
func zoomDouble(ctx context.Context, args []string, stdout io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("local zoom-double", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", defaultDoubleAddr, "address to serve the Zoom API double on")
	daily := fs.Int("daily-limit", 100, "meetings one Zoom user may create a day, as Zoom's limit")
	ttl := fs.Duration("token-ttl", time.Hour, "lifetime of the access tokens it issues")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *daily < 1 || *ttl < time.Second {
		return errors.New("-daily-limit must be at least 1 and -token-ttl at least 1s")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := "http://" + ln.Addr().String()
	d := zoomtest.New()
	d.BaseURL, d.DailyCreateLimit, d.TokenTTL = base, *daily, *ttl
	log := core.NewLogger(stdout)
	srv := &http.Server{Handler: logRequests(log, d), ReadHeaderTimeout: 10 * time.Second}

	app := zoomtest.DefaultApp
	fmt.Fprintf(stdout, "\nA Zoom API double is running at %s (API %s/v2, OAuth %s/oauth/token)\n", base, base, base)
	fmt.Fprintf(stdout, "It knows one Server-to-Server OAuth app and every user. In another terminal:\n\n")
	fmt.Fprintf(stdout, "  ZOOM_API_URL=%s/v2 ZOOM_OAUTH_URL=%s \\\n", base, base)
	fmt.Fprintf(stdout, "  ZOOM_ACCOUNT_ID=%s ZOOM_CLIENT_ID=%s ZOOM_CLIENT_SECRET=%s \\\n", app.AccountID, app.ClientID, app.ClientSecret)
	fmt.Fprintf(stdout, "  make run ARGS=\"-zoom live\"\n\n")

	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
	}()
	if ready != nil {
		ready <- base // the listener accepts connections already
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-stopped
	fmt.Fprintf(stdout, "the double issued %d tokens and holds %d meetings\n", d.TokenFetches(), len(d.Meetings()))
	return nil
}
