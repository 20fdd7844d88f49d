package core

import (
	"io"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/api"
	"zoompool/internal/awsenv"
	"zoompool/internal/dynamo"
	"zoompool/internal/forecast"
	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// Base is what every function's handler is built on.
type Base struct {
	// Config is the functions' shared configuration.
	Config Config
	// AWS is the AWS configuration of the environment (region, credentials,
	// endpoints), for the clients of services other than DynamoDB; zero when
	// the function was given its DynamoDB client (tests, the local runner).
	AWS aws.Config
	// Store is the DynamoDB store, and Log the function's logger.
	Store *dynamo.Store
	Log   *slog.Logger
	// Metrics records the handlers' CloudWatch metrics as EMF lines in Log.
	Metrics *metrics.Recorder
	// Now is the clock of the handlers built on the base; time.Now when nil.
	Now func() time.Time
	// WebhookTimeout bounds the work behind one Zoom webhook, and
	// WarningsTimeout the capacity check behind a calendar write's warnings:
	// api.WebhookTimeout (which fits Zoom's 3 seconds) and
	// api.WarningsTimeout when zero. Tests set them before building handlers.
	WebhookTimeout, WarningsTimeout time.Duration
}

// New builds the base on client, logging to log (slog's default when nil).
func New(cfg Config, client *dynamodb.Client, log *slog.Logger) *Base {
	if log == nil {
		log = slog.Default()
	}
	store := dynamo.New(client, cfg.TableName, cfg.PoolID)
	store.Log = log
	return &Base{Config: cfg, Store: store, Log: log, Metrics: metrics.New(log, cfg.MetricsNamespace, cfg.PoolID)}
}

// FromEnv builds the base of a deployed function: its configuration from
// getenv, the AWS configuration Lambda gives it (awsenv.Config, for every AWS
// client of the function), and a logger of JSON lines to w (Lambda sends
// standard output to CloudWatch).
func FromEnv(getenv func(string) string, w io.Writer) (*Base, error) {
	cfg, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	awsCfg := awsenv.Config(getenv)
	client, err := dynamo.NewClient(awsCfg, cfg.DynamoDBEndpoint)
	if err != nil {
		return nil, err
	}
	b := New(cfg, client, NewLogger(w))
	b.AWS = awsCfg
	return b, nil
}

// Clock returns the base's clock: Now, read at each call, so that a clock
// set after the handlers were built still reaches them.
func (b *Base) Clock() func() time.Time {
	return func() time.Time {
		if b.Now != nil {
			return b.Now()
		}
		return time.Now()
	}
}

// Observed is the store as the start flow and the releases see it: it
// records the pool's occupancy where it is known without another read.
func (b *Base) Observed() ObservedStore { return ObservedStore{Store: b.Store, metrics: b.Metrics} }

// ObserveZoom returns z recording every call's duration and outcome.
func (b *Base) ObserveZoom(z pool.Zoom) pool.Zoom { return observedZoom{Zoom: z, metrics: b.Metrics} }

// Releaser returns what releases holds, for the webhook and the sweep.
func (b *Base) Releaser() *pool.Releaser {
	return &pool.Releaser{Store: b.Observed(), Grace: b.Config.ReleaseGrace, Log: b.Log, Now: b.Clock()}
}

// Planner returns what computes capacity forecasts, warnings and the daily
// look-ahead, for the calendar and the sweep.
func (b *Base) Planner() *forecast.Planner {
	return &forecast.Planner{Store: b.Store, Anchor: b.Config.UpperWeekAnchor, Margin: b.Config.ForecastMargin, Now: b.Clock(), Log: b.Log}
}

// SignedIn makes rt read callers' roles and teacher ids from the configured
// claims.
func (b *Base) SignedIn(rt *api.Router) *api.Router {
	rt.SetIdentity(b.Config.Identity)
	return rt
}

// Measured makes rt record its metrics.
func (b *Base) Measured(rt *api.Router) *api.Router {
	rt.SetMetrics(b.Metrics)
	return rt
}
