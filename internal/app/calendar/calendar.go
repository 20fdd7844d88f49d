// Package calendar wires the calendar function: lessons, recurring lessons,
// the calendar with its iCalendar feed and private feed links, and the
// capacity forecast.
package calendar

import (
	"fmt"
	"io"

	"zoompool/internal/api"
	"zoompool/internal/app/core"
	"zoompool/internal/auth/feedlink"
	"zoompool/internal/forecast"
	"zoompool/internal/schedule/ical"
	"zoompool/internal/secrets"
)

// Config is the key of the calendar's private feed links.
type Config struct {
	// FeedKey signs the private links of the calendar feed
	// (CALENDAR_FEED_KEY). Without it, and without FeedKeyParameter, the
	// feed is switched off.
	FeedKey string
	// FeedKeyParameter names the SSM SecureString parameter holding the key
	// (CALENDAR_FEED_KEY_PARAMETER), read when FeedKey is empty.
	FeedKeyParameter string
}

// LocalFeedKey signs the local runner's calendar feed links when
// CALENDAR_FEED_KEY is not set. It is public, so it guards nothing: deployed
// functions never use it.
const LocalFeedKey = "local-only-zoom-pool-calendar-feeds"

// ConfigFromEnv reads the calendar's configuration and checks it.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{FeedKey: getenv("CALENDAR_FEED_KEY"), FeedKeyParameter: getenv("CALENDAR_FEED_KEY_PARAMETER")}
	if c.FeedKey != "" && len(c.FeedKey) < feedlink.MinKeyLen {
		return c, fmt.Errorf("configuration: CALENDAR_FEED_KEY is %d characters long; use at least %d, such as the output of `openssl rand -base64 32`",
			len(c.FeedKey), feedlink.MinKeyLen)
	}
	return c, nil
}

// Handler returns the calendar function's handler, with its forecasts from
// planner. Its feed key is cfg.FeedKey, else the SSM parameter
// cfg.FeedKeyParameter, read with base.AWS when a link is first made or
// checked and again when its cache runs out (so that a new key, which
// revokes every link, takes effect without a cold start).
func Handler(base *core.Base, planner *forecast.Planner, cfg Config) *api.Router {
	c := api.Calendar{Lessons: base.Store, Recurring: base.Store, Users: base.Store, Anchor: base.Config.UpperWeekAnchor,
		Log: base.Log, Forecast: planner, Now: base.Clock(), ICS: ical.Write, WarningsTimeout: base.WarningsTimeout}
	switch {
	case cfg.FeedKey != "":
		keys, err := feedlink.FixedKeyring(cfg.FeedKey)
		if err != nil {
			base.Log.Error("calendar links are switched off", "err", err)
			break
		}
		c.Feeds = keys
	case cfg.FeedKeyParameter != "":
		r := secrets.New(base.AWS)
		r.Now = base.Clock()
		c.Feeds = feedlink.NewKeyring(secrets.NewParameter(r, cfg.FeedKeyParameter, "the calendar links' key"))
	default:
		base.Log.Error("no calendar feed key is configured: calendar links are switched off; " +
			"set CALENDAR_FEED_KEY_PARAMETER (or CALENDAR_FEED_KEY)")
	}
	return base.SignedIn(api.NewCalendar(c))
}

// FromEnv builds the deployed function's handler from its environment,
// logging to w.
func FromEnv(getenv func(string) string, w io.Writer) (*api.Router, error) {
	base, err := core.FromEnv(getenv, w)
	if err != nil {
		return nil, err
	}
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return Handler(base, base.Planner(), cfg), nil
}
