// Package core is what the wiring of every Lambda function but the console
// builds on: the settings the functions share, read from the environment
// once and checked, and the DynamoDB store, metrics and logger built from
// them. Each function's own wiring is a package of its own beside this one,
// so that each function links only what its handler uses.
package core

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// Config is the configuration the functions share, from their environment.
type Config struct {
	// TableName is the DynamoDB table (TABLE_NAME, required).
	TableName string
	// DynamoDBEndpoint replaces AWS's DynamoDB endpoint (DYNAMODB_ENDPOINT),
	// e.g. DynamoDB Local under `sam local`.
	DynamoDBEndpoint string
	// PoolID names the account pool (POOL_ID, default "default").
	PoolID string
	// StartLease is how long a claim may stay unconfirmed before it is
	// reclaimed (START_LEASE, default 60s). It must exceed the start
	// function's timeout (StartTimeout) by MinLeaseMargin.
	StartLease time.Duration
	// StartEarly is how long before its start a lesson may be started
	// (START_EARLY, default 15m).
	StartEarly time.Duration
	// ReleaseGrace is how long after a lesson's scheduled end the sweep leaves
	// its account to the lesson (RELEASE_GRACE, default 15m).
	ReleaseGrace time.Duration
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

// StartTimeout is how long Lambda lets the start function run: its Timeout
// in template.yaml, which a test holds to this value (the functions do not
// carry the template).
const StartTimeout = 30 * time.Second

// StartWriteReserve is how much of the start function's time is kept for
// recording the outcome of its Zoom calls (the commit, or giving the claim
// back): Zoom gets the rest, ZoomBudget.
const StartWriteReserve = 10 * time.Second

// ZoomBudget bounds the time one start spends calling Zoom.
const ZoomBudget = StartTimeout - StartWriteReserve

// ConfigFromEnv reads and checks the configuration.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		TableName:        getenv("TABLE_NAME"),
		DynamoDBEndpoint: getenv("DYNAMODB_ENDPOINT"),
		PoolID:           or(getenv("POOL_ID"), "default"),
		StartLease:       DefaultStartLease,
		StartEarly:       DefaultStartEarly,
		ReleaseGrace:     pool.DefaultGrace,
		MetricsNamespace: or(getenv("METRICS_NAMESPACE"), metrics.DefaultNamespace),
		Identity: api.Identity{
			RolesClaim:     or(getenv("ROLES_CLAIM"), api.DefaultIdentity.RolesClaim),
			TeacherIDClaim: or(getenv("TEACHER_ID_CLAIM"), api.DefaultIdentity.TeacherIDClaim),
		},
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
	if s := getenv("START_LEASE"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 10*time.Second {
			problems = append(problems, fmt.Sprintf("START_LEASE %q is not a duration of at least 10s, such as 60s", s))
		}
		c.StartLease = d
	}
	if err := checkLease(c.StartLease); err != nil {
		problems = append(problems, err.Error())
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
	var err error
	if c.UpperWeekAnchor, err = ParseUpperWeekAnchor(getenv("UPPER_WEEK_ANCHOR")); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return c, nil
}

// checkLease checks START_LEASE against the start function's timeout: a
// claim must outlive the request that made it.
func checkLease(lease time.Duration) error {
	if lease < StartTimeout+MinLeaseMargin {
		return fmt.Errorf("START_LEASE %s must be at least %s: the start function may run for %s (its Timeout in template.yaml), and a claim must outlive it",
			lease, StartTimeout+MinLeaseMargin, StartTimeout)
	}
	return nil
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
