package app_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"zoompool"
	"zoompool/internal/app"
	"zoompool/internal/app/zoomenv"
	"zoompool/internal/pool"
	"zoompool/internal/secrets/secretstest"
	"zoompool/internal/zoom"
	"zoompool/internal/zoom/zoomtest"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{"TABLE_NAME": "t"}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestZoomConfig(t *testing.T) {
	c, err := app.ConfigFromEnv(envOf("ZOOM_CLIENT", "live", "ZOOM_ACCOUNT_ID", "acc", "ZOOM_CLIENT_ID", "cid", "ZOOM_CLIENT_SECRET", "sec",
		"ZOOM_API_URL", "http://127.0.0.1:3502/v2/", "ZOOM_MEETING_SETTINGS", `{"mute_upon_entry":true}`))
	if err != nil || c.Zoom.Client != "live" || !c.Zoom.Default.Complete() || c.Zoom.MeetingSettings["mute_upon_entry"] != true {
		t.Errorf("live with local credentials: %+v, %v", c.Zoom, err)
	}
	if strings.Contains(zoomenv.Describe(c.Zoom), "sec") || !strings.Contains(zoomenv.Describe(c.Zoom), "live client, http://127.0.0.1:3502/v2,") {
		t.Errorf("description %q: want the API URL and no secret", zoomenv.Describe(c.Zoom))
	}
	c, err = app.ConfigFromEnv(envOf("ZOOM_CLIENT", "live", "ZOOM_CREDENTIALS", "zoom-pool/zoom/default", "ZOOM_CREDENTIALS_PREFIX", "zoom-pool/zoom/"))
	if err != nil || c.Zoom.Credentials != "zoom-pool/zoom/default" || !strings.Contains(zoomenv.Describe(c.Zoom), "secret zoom-pool/zoom/default") {
		t.Errorf("live with a secret: %+v, %v", c.Zoom, err)
	}
	for _, tc := range []struct {
		name    string
		getenv  func(string) string
		mention string
	}{
		{"unknown client", envOf("ZOOM_CLIENT", "zoom"), `ZOOM_CLIENT "zoom" is not known: use "live"`},
		{"two of three credentials", envOf("ZOOM_CLIENT", "live", "ZOOM_ACCOUNT_ID", "a", "ZOOM_CLIENT_SECRET", "s"),
			"ZOOM_ACCOUNT_ID, ZOOM_CLIENT_SECRET set but not ZOOM_CLIENT_ID"},
		{"settings not an object", envOf("ZOOM_MEETING_SETTINGS", `["waiting_room"]`), "ZOOM_MEETING_SETTINGS is not a JSON object"},
		{"API URL", envOf("ZOOM_CLIENT", "live", "ZOOM_API_URL", "api.zoom.us/v2"), `ZOOM_API_URL "api.zoom.us/v2" is not an http(s) URL`},
		{"OAuth URL", envOf("ZOOM_CLIENT", "live", "ZOOM_OAUTH_URL", "ftp://zoom.us"), "ZOOM_OAUTH_URL"},
		{"secret outside the prefix", envOf("ZOOM_CLIENT", "live", "ZOOM_CREDENTIALS", "other/zoom", "ZOOM_CREDENTIALS_PREFIX", "zoom-pool/zoom/"),
			`secret "other/zoom" is outside "zoom-pool/zoom/"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := app.ConfigFromEnv(tc.getenv); err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("got %v, want an error saying %s", err, tc.mention)
			}
		})
	}
}

// The live client as a deployed function builds it: credentials from
// Secrets Manager and SSM, read through the AWS SDK (here from a double of
// both), Zoom at ZOOM_API_URL (here the Zoom double).
func TestLiveZoomFromTheEnvironment(t *testing.T) {
	aws := secretstest.NewServer(t)
	zd := zoomtest.NewServer(t)
	room4 := zoomtest.App{AccountID: "second-zoom-account", ClientID: "room4-client", ClientSecret: "room4-secret"}
	zd.AddApp(room4)
	aws.PutSecret("zoom-pool/zoom/default", `{"account_id":"double-account","client_id":"double-client","client_secret":"double-secret"}`)
	aws.PutParameter("/zoom-pool/zoom/room4", `{"account_id":"second-zoom-account","client_id":"room4-client","client_secret":"room4-secret"}`)
	aws.PutSecret("elsewhere/room5", `{"account_id":"double-account","client_id":"double-client","client_secret":"double-secret"}`)
	for k, v := range aws.Environment() {
		t.Setenv(k, v)
	}
	cfg, err := app.ConfigFromEnv(envOf("ZOOM_CLIENT", "live", "ZOOM_API_URL", zd.APIURL(), "ZOOM_OAUTH_URL", zd.OAuthURL(),
		"ZOOM_CREDENTIALS", "zoom-pool/zoom/default", "ZOOM_CREDENTIALS_PREFIX", "zoom-pool/zoom/"))
	if err != nil {
		t.Fatal(err)
	}
	z, err := app.NewZoom(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := z.(*zoom.Client); !ok {
		t.Fatalf("ZOOM_CLIENT=live built a %T", z)
	}
	l := pool.Lesson{ID: "1", Title: "Fractions", Start: time.Now(), End: time.Now().Add(time.Hour)}
	ctx := context.Background()
	for _, ref := range []string{"", "ssm:/zoom-pool/zoom/room4"} {
		a := pool.Account{ID: "a", ZoomUserID: "room@school.example", CredentialsRef: ref}
		if _, err := z.CreateMeeting(ctx, a, l, "claim"); err != nil {
			t.Errorf("account with credentials_ref %q: %v", ref, err)
		}
	}
	if n := zd.TokenFetches(); n != 2 {
		t.Errorf("%d token fetches, want one per app (2)", n)
	}
	_, err = z.CreateMeeting(ctx, pool.Account{ID: "b", ZoomUserID: "room@school.example", CredentialsRef: "elsewhere/room5"}, l, "claim")
	if ze, ok := pool.ZoomFailureOf(err); !ok || ze.Failure != pool.ZoomNeedsAttention || !strings.Contains(ze.Message, "may not be read") {
		t.Errorf("credentials_ref outside ZOOM_CREDENTIALS_PREFIX: %v, want needs attention", err)
	}
	if aws.Calls("elsewhere/room5") != 0 {
		t.Error("a secret outside the prefix was requested from AWS")
	}
}

func TestFakeZoomByDefault(t *testing.T) {
	cfg, err := app.ConfigFromEnv(envOf())
	if err != nil {
		t.Fatal(err)
	}
	z, err := app.NewZoom(context.Background(), cfg, slog.New(slog.DiscardHandler))
	if _, ok := z.(*zoom.Fake); !ok || err != nil {
		t.Errorf("without ZOOM_CLIENT: %T, %v; want the fake", z, err)
	}
}

// The template deploys the live client by default, gives the start function
// what it reads, and lets it read only the secrets under the prefix.
func TestTemplateConfiguresZoom(t *testing.T) {
	var doc struct {
		Parameters map[string]struct {
			Default       string   `yaml:"Default"`
			AllowedValues []string `yaml:"AllowedValues"`
		} `yaml:"Parameters"`
		Resources map[string]struct {
			Properties yaml.Node `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(zoompool.Template, &doc); err != nil {
		t.Fatal(err)
	}
	type function struct {
		Environment struct {
			Variables map[string]string `yaml:"Variables"`
		} `yaml:"Environment"`
		Policies []struct {
			Statement []struct {
				Action   any `yaml:"Action"`
				Resource any `yaml:"Resource"`
			} `yaml:"Statement"`
		} `yaml:"Policies"`
	}
	if p := doc.Parameters["ZoomClient"]; p.Default != "live" || !slices.Equal(p.AllowedValues, []string{"live", "fake"}) {
		t.Errorf("ZoomClient parameter: default %q, allowed %v; want live of [live fake]", p.Default, p.AllowedValues)
	}
	// The start creates meetings; the sweep ends and deletes them.
	for fn, settings := range map[string][]string{
		"StartLessonFunction":  {"ZOOM_CLIENT", "ZOOM_CREDENTIALS", "ZOOM_CREDENTIALS_PREFIX", "ZOOM_MEETING_SETTINGS"},
		"ReleaseStuckFunction": {"ZOOM_CLIENT", "ZOOM_CREDENTIALS", "ZOOM_CREDENTIALS_PREFIX"},
	} {
		var f function
		props := doc.Resources[fn].Properties
		if err := props.Decode(&f); err != nil {
			t.Fatal(err)
		}
		params := map[string]string{"ZOOM_CLIENT": "ZoomClient", "ZOOM_CREDENTIALS": "ZoomCredentials",
			"ZOOM_CREDENTIALS_PREFIX": "ZoomCredentialsPrefix", "ZOOM_MEETING_SETTINGS": "ZoomMeetingSettings"}
		for _, name := range settings {
			if got := f.Environment.Variables[name]; got != params[name] {
				t.Errorf("%s's %s = %q, want the parameter %s", fn, name, got, params[name])
			}
		}
		grants := map[string]string{}
		for _, p := range f.Policies {
			for _, s := range p.Statement {
				grants[fmt.Sprint(s.Action)] = fmt.Sprint(s.Resource)
			}
		}
		for action, resource := range map[string]string{
			"secretsmanager:GetSecretValue": "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${ZoomCredentialsPrefix}*",
			"ssm:GetParameter":              "arn:${AWS::Partition}:ssm:${AWS::Region}:${AWS::AccountId}:parameter/${ZoomCredentialsPrefix}*",
		} {
			if grants[action] != resource {
				t.Errorf("%s may %s on %q, want %q only", fn, action, grants[action], resource)
			}
		}
	}
	// The defaults pass the functions' own configuration check.
	defaults := map[string]string{"TABLE_NAME": "t"}
	for name, param := range map[string]string{"ZOOM_CLIENT": "ZoomClient", "ZOOM_CREDENTIALS": "ZoomCredentials",
		"ZOOM_CREDENTIALS_PREFIX": "ZoomCredentialsPrefix", "ZOOM_MEETING_SETTINGS": "ZoomMeetingSettings"} {
		defaults[name] = doc.Parameters[param].Default
	}
	if _, err := app.ConfigFromEnv(func(k string) string { return defaults[k] }); err != nil {
		t.Errorf("the template's defaults: %v", err)
	}
}
