package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/zoom"
)

// WebhookTimeout bounds the work behind one webhook, from the moment the
// handler gets the request. Zoom waits 3 seconds for an answer and sends the
// notification again when it gets none or an error; the rest of the 3 seconds
// is left to API Gateway, a cold start and the network. A release cut short is
// safe to repeat.
const WebhookTimeout = 1500 * time.Millisecond

// NewZoomWebhook returns the zoom-webhook function's handler:
//
//	POST /schedule/webhook/zoom
//
// It verifies the signature against the raw body (401 when it is missing,
// wrong or older than five minutes), answers endpoint.url_validation, releases
// the account of a lesson whose meeting ended, and answers 200 to every other
// event, known or not, so that Zoom does not send it again. The work behind
// one notification is bounded by WebhookTimeout; past it the answer is 503
// webhook_timeout, so that Zoom sends it again.
func NewZoomWebhook(v zoom.Verifier, releaser *pool.Releaser, log *slog.Logger) *Router {
	return NewZoomWebhookWithin(WebhookTimeout, v, releaser, log)
}

// NewZoomWebhookWithin is NewZoomWebhook with the work behind one
// notification bounded by budget instead (WebhookTimeout when zero).
func NewZoomWebhookWithin(budget time.Duration, v zoom.Verifier, releaser *pool.Releaser, log *slog.Logger) *Router {
	if budget <= 0 {
		budget = WebhookTimeout
	}
	rt := NewRouter(log)
	rt.handlePublic(http.MethodPost, "/schedule/webhook/zoom", func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), budget)
		defer cancel()
		outcome, err := handleWebhook(ctx, w, r, v, releaser)
		if err != nil && ctx.Err() != nil && pool.ErrorKind(err) == pool.KindInternal {
			// Out of time (a busy table): Zoom sends the notification again.
			err = &pool.Error{Kind: pool.KindUnavailable, Code: "webhook_timeout", RetryAfter: time.Second, Err: err,
				Message: "the notification could not be handled in time; nothing was changed that a repeat would not, send it again"}
		}
		if err != nil {
			outcome = webhookErrorOutcome(err)
		}
		if outcome == "not_configured" {
			// Every notification is refused until someone acts: say so each time.
			rt.log.Error("Zoom webhook refused: no secret token is configured, so every notification is refused", "err", err)
		}
		rt.metrics.Webhook(outcome)
		return err
	})
	return rt
}

// handleWebhook verifies, decodes and acts on one notification within ctx,
// and names its outcome for the metrics.
func handleWebhook(ctx context.Context, w http.ResponseWriter, r *http.Request, v zoom.Verifier, releaser *pool.Releaser) (outcome string, err error) {
	body, err := readBody(w, r)
	if err != nil {
		return "", err
	}
	// The secret token is read for each request (from a cache), so that a
	// rotated token takes effect without a restart.
	if v, err = v.Resolve(ctx); err != nil {
		return "", err
	}
	if err := v.Verify(r.Header, body); err != nil {
		return "", err
	}
	ev, err := zoom.DecodeEvent(body)
	if err != nil {
		return "", err
	}
	switch ev.Name {
	case zoom.EventURLValidation:
		writeJSON(w, http.StatusOK, urlValidationJSON{PlainToken: ev.PlainToken, EncryptedToken: v.EncryptToken(ev.PlainToken)})
		return "url_validation", nil
	case zoom.EventMeetingEnded:
		ref, released, err := releaser.MeetingEnded(ctx, ev.MeetingID, ev.HostID, ev.EndTime)
		return meetingOutcome("released", "already_released", released, err), writeMeetingAnswer(w, ev, ref, released, err,
			fmt.Sprintf("Account %s released", accountName(ref)),
			fmt.Sprintf("meeting %s holds no account any more (already released); nothing changed", ev.MeetingID))
	case zoom.EventMeetingStarted:
		ref, live, err := releaser.MeetingStarted(ctx, ev.MeetingID)
		return meetingOutcome("meeting_started", "meeting_started", live, err), writeMeetingAnswer(w, ev, ref, live, err,
			fmt.Sprintf("lesson %s is live on account %s", ref.LessonID, accountName(ref)),
			fmt.Sprintf("meeting %s holds no account any more; start lesson %s again to get one", ev.MeetingID, ref.LessonID))
	}
	writeJSON(w, http.StatusOK, webhookJSON{Status: "ignored", Event: ev.Name,
		Message: fmt.Sprintf("event %s needs nothing from Zoom Pool", ev.Name)})
	return "ignored", nil
}

// meetingOutcome names the outcome of a meeting event: done or notDone, or
// unknown_meeting for a meeting the pool did not create.
func meetingOutcome(done, notDone string, ok bool, err error) string {
	switch {
	case pool.ErrorKind(err) == pool.KindNotFound:
		return "unknown_meeting"
	case ok:
		return done
	}
	return notDone
}

// writeMeetingAnswer answers a meeting event that the pool acted on (done), or
// that concerned a meeting that no longer holds an account, or a meeting the
// pool never created. All three are 200: Zoom must not send them again.
func writeMeetingAnswer(w http.ResponseWriter, ev zoom.Event, ref pool.MeetingRef, done bool, err error, doneMsg, notDoneMsg string) error {
	if pool.ErrorKind(err) == pool.KindNotFound {
		writeJSON(w, http.StatusOK, webhookJSON{Status: "ignored", Event: ev.Name, MeetingID: ev.MeetingID,
			Message: fmt.Sprintf("meeting %s was not created by Zoom Pool", ev.MeetingID)})
		return nil
	}
	if err != nil {
		return err
	}
	out := webhookJSON{Status: "success", Message: doneMsg, LessonID: ref.LessonID, MeetingID: ev.MeetingID}
	if !done {
		out.Status, out.Message = "ignored", notDoneMsg
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func accountName(ref pool.MeetingRef) string {
	if ref.AccountName != "" {
		return ref.AccountName
	}
	return ref.AccountID
}

type urlValidationJSON struct {
	PlainToken     string `json:"plainToken"`
	EncryptedToken string `json:"encryptedToken"`
}

// webhookJSON is the answer to a meeting event (the seed's shape).
type webhookJSON struct {
	Status    string `json:"status"`
	Message   string `json:"message"`
	Event     string `json:"event,omitempty"`
	LessonID  string `json:"lesson_id,omitempty"`
	MeetingID string `json:"meeting_id,omitempty"`
}
