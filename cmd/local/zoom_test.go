package main

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"

	"zoompool/internal/zoom/zoomtest"
)

// startDouble runs `local zoom-double` on a free port until the test ends
// or stop, which returns once the double has answered (and logged) every
// request it got.
func startDouble(t *testing.T) (base string, out *syncBuffer, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &syncBuffer{}
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- zoomDouble(ctx, []string{"-addr", "127.0.0.1:0"}, out, ready) }()
	select {
	case base = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("zoom-double stopped: %v\n%s", err, out)
	}
	stop = sync.OnceFunc(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("zoom-double stopped with %v", err)
		}
	})
	t.Cleanup(stop)
	return base, out, stop
}

// With -zoom live and the environment the double prints, the runner's
// starts create their meetings in the double.
func TestRunnerWithTheLiveClientAgainstTheZoomDouble(t *testing.T) {
	base, doubleOut, stopDouble := startDouble(t)
	env := map[string]string{}
	for _, kv := range regexp.MustCompile(`(ZOOM_[A-Z_]+)=(\S+)`).FindAllStringSubmatch(doubleOut.String(), -1) {
		env[kv[1]] = kv[2]
	}
	if env["ZOOM_API_URL"] != base+"/v2" || env["ZOOM_CLIENT_SECRET"] != zoomtest.DefaultApp.ClientSecret {
		t.Fatalf("the double's banner does not give the runner's environment:\n%s", doubleOut)
	}
	r := startRunnerWith(t, func(k string) string { return env[k] }, "-zoom", "live", "-sweep-every", "0")
	if want := "zoom:    live client, " + base + "/v2, credentials from ZOOM_ACCOUNT_ID"; !strings.Contains(r.banner, want) {
		t.Errorf("banner does not say %q:\n%s", want, r.banner)
	}
	m := regexp.MustCompile(`curl -s -X POST (\S+)`).FindStringSubmatch(r.banner)
	if m == nil {
		t.Fatalf("no start curl in the banner:\n%s", r.banner)
	}
	req, _ := http.NewRequest(http.MethodPost, m[1], nil)
	maps.Copy(req.Header, r.bearer("TEACHER"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		MeetingData struct {
			ID       string `json:"id"`
			StartURL string `json:"start_url"`
		} `json:"meeting_data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK ||
		!strings.HasPrefix(body.MeetingData.StartURL, base+"/s/"+body.MeetingData.ID+"?zak=") {
		t.Errorf("start answered %d %+v (%v); want a meeting of the double at %s", res.StatusCode, body, err, base)
	}
	r.stop()
	stopDouble() // the double logs a request after answering it
	created := regexp.MustCompile(`"method":"POST","path":"/v2/users/zoom-user-\d@example.com/meetings","status":201`)
	if !created.MatchString(doubleOut.String()) {
		t.Errorf("the double logged no create:\n%s", doubleOut)
	}
}

func TestRunnerRefusesLiveZoomWithoutCredentials(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0", "-dynamodb-addr", "127.0.0.1:0", "-zoom", "live"},
		func(string) string { return "" }, &syncBuffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET") {
		t.Errorf("got %v, want an error naming the credentials to set", err)
	}
	if _, err := parseFlags([]string{"-zoom", "real"}, &syncBuffer{}); err == nil || !strings.Contains(err.Error(), "-zoom") {
		t.Errorf("-zoom real: %v, want an error", err)
	}
}
