package zoom

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"zoompool/internal/pool"
)

// The headers Zoom signs its webhook requests with.
const (
	SignatureHeader = "x-zm-signature"
	TimestampHeader = "x-zm-request-timestamp"
)

// MaxClockSkew is how far a webhook's timestamp may be from now, either way.
// Older requests are refused, so a captured request cannot be replayed later.
const MaxClockSkew = 5 * time.Minute

// Verifier checks that webhook requests come from Zoom: signed with the app's
// secret token, recently.
type Verifier struct {
	// Secret is the Zoom app's secret token. Without one every request is
	// refused, unless Insecure.
	Secret string
	// SecretSource, when set, is asked for the secret token for every request
	// (see Resolve) instead of Secret, so that a rotated token takes effect
	// without a restart.
	SecretSource SecretSource
	// Missing says why there is no secret token, for the logs of the
	// refusals (it is never shown to the caller).
	Missing error
	// Insecure accepts every request without checking it. Only the local
	// runner sets it, when asked to with -insecure-webhooks.
	Insecure bool
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// SecretSource yields the secret token when a request comes. It may keep
// what it read for a while. An error matching fs.ErrNotExist or
// fs.ErrPermission means there is no token to be had (the parameter is
// missing, or may not be read); any other error, that it could not be read
// now.
type SecretSource interface {
	Secret(ctx context.Context) (string, error)
}

// Resolve returns the verifier that serves one request: v with the secret
// token its SecretSource yields now. A source without a token gives a
// verifier without Secret, whose Verify refuses every request as
// webhook_not_configured (with Missing saying why); a source that cannot
// answer now gives a KindUnavailable error, so that Zoom sends the
// notification again.
func (v Verifier) Resolve(ctx context.Context) (Verifier, error) {
	if v.Insecure || v.SecretSource == nil {
		return v, nil
	}
	secret, err := v.SecretSource.Secret(ctx)
	switch {
	case err == nil:
		v.Secret = secret
		if secret == "" {
			v.Missing = errors.New("the secret token is empty")
		}
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission):
		v.Secret, v.Missing = "", err
	default:
		return v, &pool.Error{Kind: pool.KindUnavailable, Code: "webhook_secret_unavailable", RetryAfter: time.Second, Err: err,
			Message: "the secret token that checks Zoom's signatures could not be read just now; send the notification again"}
	}
	return v, nil
}

// Verify checks the signature headers of a request with the raw body. It
// returns nil, or a KindUnauthorized *pool.Error saying what is wrong.
func (v Verifier) Verify(h http.Header, body []byte) error {
	if v.Insecure {
		return nil
	}
	if v.Secret == "" {
		return &pool.Error{Kind: pool.KindUnauthorized, Code: "webhook_not_configured", Err: v.Missing,
			Message: "this endpoint has no Zoom secret token configured, so it accepts no webhook"}
	}
	sig, ts := h.Get(SignatureHeader), h.Get(TimestampHeader)
	if sig == "" || ts == "" {
		return unauthorized("the request is not signed: %s and %s are required", SignatureHeader, TimestampHeader)
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return unauthorized("%s must be the time in seconds since 1970; got %q", TimestampHeader, ts)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	if skew := now().Sub(time.Unix(sec, 0)); skew > MaxClockSkew || skew < -MaxClockSkew {
		return unauthorized("%s is more than %d minutes away from now", TimestampHeader, int(MaxClockSkew.Minutes()))
	}
	if !hmac.Equal([]byte(sig), []byte(Sign(v.Secret, ts, body))) {
		return unauthorized("%s does not match the body", SignatureHeader)
	}
	return nil
}

func unauthorized(format string, args ...any) error {
	return &pool.Error{Kind: pool.KindUnauthorized, Code: "invalid_signature", Message: fmt.Sprintf(format, args...)}
}

// Sign returns the x-zm-signature Zoom sends with body at timestamp:
// "v0=" + hex HMAC-SHA256(secret, "v0:{timestamp}:{body}").
func Sign(secret, timestamp string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%s:", timestamp)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// EncryptToken answers Zoom's endpoint.url_validation challenge: hex
// HMAC-SHA256(secret, plainToken).
func (v Verifier) EncryptToken(plainToken string) string {
	mac := hmac.New(sha256.New, []byte(v.Secret))
	mac.Write([]byte(plainToken))
	return hex.EncodeToString(mac.Sum(nil))
}

// The webhook events Zoom Pool acts on.
const (
	EventURLValidation  = "endpoint.url_validation"
	EventMeetingStarted = "meeting.started"
	EventMeetingEnded   = "meeting.ended"
)

// Event is a decoded webhook notification.
type Event struct {
	// Name is the event, such as "meeting.ended".
	Name string
	// PlainToken is the challenge of an endpoint.url_validation.
	PlainToken string
	// MeetingID is payload.object.id of meeting events, in decimal.
	MeetingID string
	// EndTime is payload.object.end_time of meeting.ended, when Zoom sent one.
	EndTime time.Time
	// HostID is payload.object.host_id of meeting events: the Zoom user id of
	// the meeting's host.
	HostID string
}

type eventJSON struct {
	Event   string `json:"event"`
	Payload struct {
		PlainToken string `json:"plainToken"`
		Object     struct {
			ID      meetingID `json:"id"`
			EndTime string    `json:"end_time"`
			HostID  string    `json:"host_id"`
		} `json:"object"`
	} `json:"payload"`
}

// DecodeEvent decodes a webhook body. It returns a KindInvalid *pool.Error
// when the body is not a JSON object with an event, or lacks what its event
// needs (the plainToken of a url_validation, the meeting id of a meeting event).
// Fields it does not use are ignored.
func DecodeEvent(body []byte) (Event, error) {
	var in eventJSON
	if err := json.Unmarshal(body, &in); err != nil {
		return Event{}, pool.Invalidf("the webhook body is not a JSON object of a Zoom event: %v", err)
	}
	ev := Event{Name: in.Event, PlainToken: in.Payload.PlainToken, MeetingID: string(in.Payload.Object.ID),
		HostID: in.Payload.Object.HostID}
	switch ev.Name {
	case "":
		return Event{}, pool.Invalidf("the webhook body has no event")
	case EventURLValidation:
		if ev.PlainToken == "" {
			return Event{}, pool.Invalidf("endpoint.url_validation needs payload.plainToken")
		}
	case EventMeetingStarted, EventMeetingEnded:
		if !pool.ValidID(ev.MeetingID) {
			return Event{}, pool.Invalidf("%s needs payload.object.id, the meeting id", ev.Name)
		}
		// Zoom's own field: a malformed end time is not worth refusing (and
		// being sent again); the release then records the time it happened.
		if t, err := time.Parse(time.RFC3339, in.Payload.Object.EndTime); err == nil {
			ev.EndTime = t.UTC()
		}
	}
	return ev, nil
}

// meetingID is a meeting id sent as a JSON string or as a whole number; it
// holds the decimal digits either way.
type meetingID string

func (id *meetingID) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*id = meetingID(s)
		return nil
	}
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("payload.object.id must be a string or a number: %w", err)
	}
	if _, err := strconv.ParseUint(n.String(), 10, 64); err != nil {
		return fmt.Errorf("payload.object.id must be a whole number, not %s", n)
	}
	*id = meetingID(n.String())
	return nil
}
