// Package webhook wires the zoom-webhook function: Zoom's signed meeting
// events, verified with the secret token its environment names (kept in SSM
// Parameter Store in AWS), releasing the accounts of ended meetings.
package webhook

import (
	"errors"
	"io"

	"zoompool/internal/api"
	"zoompool/internal/app/core"
	"zoompool/internal/pool"
	"zoompool/internal/secrets"
	"zoompool/internal/zoom"
)

// Config is how the webhook verifies Zoom's signatures.
type Config struct {
	// Secret is the Zoom app's secret token, which signs its webhooks
	// (ZOOM_WEBHOOK_SECRET_TOKEN). Without it, and without SecretParameter,
	// the webhook refuses every request.
	Secret string
	// SecretParameter names the SSM SecureString parameter holding the
	// secret token (ZOOM_WEBHOOK_SECRET_PARAMETER), read when Secret is
	// empty.
	SecretParameter string
	// Insecure accepts unsigned webhooks. No environment variable sets it:
	// only the local runner does, when asked to.
	Insecure bool
}

// LocalSecret signs webhooks for the local runner and its README examples
// when ZOOM_WEBHOOK_SECRET_TOKEN is not set. It is public, so it guards
// nothing: deployed functions never use it.
const LocalSecret = "local-only-zoom-pool-webhook"

// ConfigFromEnv reads the webhook's configuration.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{Secret: getenv("ZOOM_WEBHOOK_SECRET_TOKEN"), SecretParameter: getenv("ZOOM_WEBHOOK_SECRET_PARAMETER")}
}

// Handler returns the zoom-webhook function's handler, releasing with rel.
// Its secret token is cfg.Secret, else the SSM parameter
// cfg.SecretParameter, read with base.AWS when a request needs it and again
// when its cache runs out (so that a rotated token takes effect without a
// cold start).
func Handler(base *core.Base, rel *pool.Releaser, cfg Config) *api.Router {
	v := zoom.Verifier{Secret: cfg.Secret, Insecure: cfg.Insecure, Now: base.Clock()}
	switch {
	case cfg.Secret == "" && cfg.SecretParameter != "":
		r := secrets.New(base.AWS)
		r.Now = base.Clock()
		v.SecretSource = secrets.NewParameter(r, cfg.SecretParameter, "the Zoom webhook secret token")
	case cfg.Secret == "":
		v.Missing = errors.New("neither ZOOM_WEBHOOK_SECRET_PARAMETER nor ZOOM_WEBHOOK_SECRET_TOKEN is set")
	}
	return base.Measured(api.NewZoomWebhookWithin(base.WebhookTimeout, v, rel, base.Log))
}

// FromEnv builds the deployed function's handler from its environment,
// logging to w.
func FromEnv(getenv func(string) string, w io.Writer) (*api.Router, error) {
	base, err := core.FromEnv(getenv, w)
	if err != nil {
		return nil, err
	}
	return Handler(base, base.Releaser(), ConfigFromEnv(getenv)), nil
}
