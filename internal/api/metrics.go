package api

import (
	"errors"

	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// SetMetrics makes the router's handlers record their CloudWatch metrics
// with m; without it (or with nil) they record none.
func (rt *Router) SetMetrics(m *metrics.Recorder) { rt.metrics = m }

// startOutcome names how a start ended, for the metric Starts: "started"
// when it claimed an account and made the meeting, "restarted" when it
// answered with the meeting its lesson already had, "too_early" for
// lesson_too_early, "error" for a fault of ours, else the error's code.
func startOutcome(err error, claimed bool) string {
	switch {
	case err == nil && claimed:
		return "started"
	case err == nil:
		return "restarted"
	}
	switch code := errorCode(err); code {
	case "lesson_too_early":
		return "too_early"
	default:
		return code
	}
}

// webhookErrorOutcome names a webhook that failed, for the metric
// WebhookEvents.
func webhookErrorOutcome(err error) string {
	switch code := errorCode(err); code {
	case "webhook_not_configured":
		return "not_configured"
	case "webhook_timeout":
		return "timeout"
	case "invalid_signature", "error":
		return code
	default:
		if statusOf(err) < 500 {
			return "invalid_request"
		}
		return "error"
	}
}

// errorCode is the code an error answers with, or "error" for faults that
// answer internal_error.
func errorCode(err error) string {
	if he, ok := errors.AsType[*httpError](err); ok {
		return he.code
	}
	if pe, ok := errors.AsType[*pool.Error](err); ok && pe.Kind != pool.KindInternal {
		return pe.Code
	}
	return "error"
}
