package zoom_test

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/zoom"
)

func TestDecodeEvent(t *testing.T) {
	for _, tc := range []struct {
		name string
		body string
		want zoom.Event
	}{
		{"url_validation", `{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`,
			zoom.Event{Name: "endpoint.url_validation", PlainToken: "qgg8vlvZRS6UYooatFL8Aw"}},
		{"meeting.ended, id a string", `{"event":"meeting.ended","payload":{"object":{"id":"81476667127","end_time":"2026-11-30T10:31:05Z"}}}`,
			zoom.Event{Name: "meeting.ended", MeetingID: "81476667127", EndTime: time.Date(2026, 11, 30, 10, 31, 5, 0, time.UTC)}},
		{"meeting.ended, id a number", `{"event":"meeting.ended","payload":{"object":{"id":81476667127}}}`,
			zoom.Event{Name: "meeting.ended", MeetingID: "81476667127"}},
		{"end time with an offset", `{"event":"meeting.ended","payload":{"object":{"id":1,"end_time":"2026-11-30T11:31:05+01:00"}}}`,
			zoom.Event{Name: "meeting.ended", MeetingID: "1", EndTime: time.Date(2026, 11, 30, 10, 31, 5, 0, time.UTC)}},
		{"malformed end time is dropped", `{"event":"meeting.ended","payload":{"object":{"id":1,"end_time":"yesterday"}}}`,
			zoom.Event{Name: "meeting.ended", MeetingID: "1"}},
		{"other event needs nothing", `{"event":"recording.completed"}`, zoom.Event{Name: "recording.completed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := zoom.DecodeEvent([]byte(tc.body))
			if err != nil || got != tc.want {
				t.Errorf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// FuzzWebhook checks the verification and decoding of arbitrary requests:
// neither panics; a body verifies with its own signature and with no other
// (header value, or body changed in one byte); a timestamp verifies only
// within five minutes; decoding accepts only what the handler can act on.
// Without -fuzz it runs the seeds below as a normal test.
func FuzzWebhook(f *testing.F) {
	f.Add([]byte(`{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680}`), "", int64(0))
	f.Add([]byte(`{"event":"meeting.ended","payload":{"object":{"id":"81476667127","end_time":"2026-11-30T10:31:05Z"}}}`), "v0=00", int64(-299))
	f.Add([]byte(`{"event":"meeting.ended","payload":{"object":{"id":81476667127}}}`), "v0=", int64(301))
	f.Add([]byte(`{"event":"meeting.started","payload":{"object":{"id":1e3}}}`), "", int64(-301))
	f.Add([]byte(`{"event":"meeting.ended","payload":{"object":{"id":null}}}`), "", int64(0))
	f.Add([]byte(`{"event":"","payload":[]}`), "", int64(0))
	f.Add([]byte(`[]`), "", int64(0))
	f.Add([]byte(``), "", int64(0))
	f.Add([]byte("{\"event\":\"meeting.ended\",\"payload\":{\"object\":{\"id\":\"\xff\"}}}"), "", int64(1))

	const secret = "fuzz-webhook-secret"
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	v := zoom.Verifier{Secret: secret, Now: func() time.Time { return now }}
	hexSig := regexp.MustCompile(`^v0=[0-9a-f]{64}$`)
	f.Fuzz(func(t *testing.T, body []byte, sig string, skewSeconds int64) {
		ts := strconv.FormatInt(now.Unix()+skewSeconds, 10)
		good := zoom.Sign(secret, ts, body)
		if !hexSig.MatchString(good) {
			t.Fatalf("signature %q is not v0= and 64 hex digits", good)
		}
		header := func(sig string) http.Header {
			return http.Header{"X-Zm-Signature": {sig}, "X-Zm-Request-Timestamp": {ts}}
		}
		inWindow := skewSeconds >= -300 && skewSeconds <= 300
		if err := v.Verify(header(good), body); (err == nil) != inWindow {
			t.Fatalf("own signature %d s away from now: got %v, want accepted %v", skewSeconds, err, inWindow)
		}
		if err := v.Verify(header(sig), body); err == nil && sig != good {
			t.Fatalf("accepted signature %q, the right one is %q", sig, good)
		}
		if len(body) > 0 {
			tampered := append([]byte(nil), body...)
			tampered[int(uint64(skewSeconds)%uint64(len(body)))] ^= 0x01
			if err := v.Verify(header(good), tampered); err == nil {
				t.Fatalf("a body changed in one byte kept its signature")
			}
		}
		if err := v.Verify(header(good), body); err != nil && pool.ErrorKind(err) != pool.KindUnauthorized {
			t.Fatalf("verification failed with %v, want an unauthorized error", err)
		}

		ev, err := zoom.DecodeEvent(body)
		if err != nil {
			if pool.ErrorKind(err) != pool.KindInvalid {
				t.Fatalf("decode failed with %v, want an invalid-request error", err)
			}
			return
		}
		switch ev.Name {
		case "":
			t.Fatal("decoded an event without a name")
		case zoom.EventURLValidation:
			if ev.PlainToken == "" {
				t.Fatal("decoded a url_validation without plainToken")
			}
		case zoom.EventMeetingEnded, zoom.EventMeetingStarted:
			if !pool.ValidID(ev.MeetingID) {
				t.Fatalf("decoded meeting id %q, which is not a valid key", ev.MeetingID)
			}
		}
	})
}
