package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"zoompool/internal/pool"
	"zoompool/internal/secrets"
	"zoompool/internal/zoom"
)

// ZoomConfig configures the live Zoom client (ZOOM_CLIENT=live).
type ZoomConfig struct {
	// APIURL and OAuthURL are Zoom's endpoints (ZOOM_API_URL, ZOOM_OAUTH_URL);
	// Zoom's own when empty.
	APIURL, OAuthURL string
	// Credentials names the secret holding the pool's default credentials
	// (ZOOM_CREDENTIALS): a Secrets Manager secret or, prefixed "ssm:", an SSM
	// SecureString parameter, by name or ARN.
	Credentials string
	// CredentialsPrefix, when set, is the only part of the secret namespace
	// the functions may read (ZOOM_CREDENTIALS_PREFIX, the template's
	// ZoomCredentialsPrefix): every credentials_ref must lie under it.
	CredentialsPrefix string
	// Default is the pool's default credentials from ZOOM_ACCOUNT_ID,
	// ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET (local runs); it wins over
	// Credentials.
	Default zoom.Credentials
	// MeetingSettings are merged into every meeting's settings
	// (ZOOM_MEETING_SETTINGS, a JSON object).
	MeetingSettings map[string]any
}

// readZoomConfig reads ZOOM_CLIENT and the live client's settings into c, and
// returns what is wrong with them.
func readZoomConfig(getenv func(string) string, c *Config) []string {
	var problems []string
	z := ZoomConfig{
		APIURL: getenv("ZOOM_API_URL"), OAuthURL: getenv("ZOOM_OAUTH_URL"),
		Credentials: getenv("ZOOM_CREDENTIALS"), CredentialsPrefix: getenv("ZOOM_CREDENTIALS_PREFIX"),
		Default: zoom.Credentials{AccountID: getenv("ZOOM_ACCOUNT_ID"), ClientID: getenv("ZOOM_CLIENT_ID"), ClientSecret: getenv("ZOOM_CLIENT_SECRET")},
	}
	switch c.ZoomClient {
	case "fake", "live":
	default:
		problems = append(problems, fmt.Sprintf("ZOOM_CLIENT %q is not known: use \"live\" (Zoom's API) or \"fake\" (answers like Zoom, calls nothing)", c.ZoomClient))
	}
	var err error
	if z.MeetingSettings, err = zoom.ParseMeetingSettings(getenv("ZOOM_MEETING_SETTINGS")); err != nil {
		problems = append(problems, err.Error())
	}
	if c.ZoomClient == "live" {
		for _, u := range []struct{ name, value, def string }{
			{"ZOOM_API_URL", z.APIURL, zoom.DefaultAPIURL}, {"ZOOM_OAUTH_URL", z.OAuthURL, zoom.DefaultOAuthURL},
		} {
			if _, err := zoom.BaseURL(u.name, u.value, u.def); err != nil {
				problems = append(problems, err.Error())
			}
		}
		var set, unset []string
		for _, v := range []struct{ name, value string }{
			{"ZOOM_ACCOUNT_ID", z.Default.AccountID}, {"ZOOM_CLIENT_ID", z.Default.ClientID}, {"ZOOM_CLIENT_SECRET", z.Default.ClientSecret},
		} {
			if v.value == "" {
				unset = append(unset, v.name)
			} else {
				set = append(set, v.name)
			}
		}
		if len(set) > 0 && len(unset) > 0 {
			problems = append(problems, fmt.Sprintf("%s set but not %s: the Zoom app's credentials need all three",
				strings.Join(set, ", "), strings.Join(unset, ", ")))
		}
		if z.Credentials != "" {
			if err := secrets.Check(z.Credentials, z.CredentialsPrefix); err != nil {
				problems = append(problems, fmt.Sprintf("ZOOM_CREDENTIALS (ZOOM_CREDENTIALS_PREFIX %q): %v", z.CredentialsPrefix, err))
			}
		}
	}
	c.Zoom = z
	return problems
}

// NewZoom builds the Zoom client cfg.ZoomClient names: the fake, or the live
// client with credentials from the environment, ZOOM_CREDENTIALS and each
// account's credentials_ref (read from AWS with the default AWS
// configuration, cached for secrets.DefaultTTL).
func NewZoom(ctx context.Context, cfg Config, log *slog.Logger) (pool.Zoom, error) {
	if cfg.ZoomClient != "live" {
		return &zoom.Fake{}, nil
	}
	z := cfg.Zoom
	keys := zoom.Keyring{Default: z.Default, DefaultRef: z.Credentials}
	awsCfg, err := config.LoadDefaultConfig(ctx)
	switch {
	case err == nil:
		r := secrets.New(awsCfg)
		r.Prefix = z.CredentialsPrefix
		keys.Read = r.Get
	case z.Credentials != "":
		return nil, fmt.Errorf("load the AWS configuration to read ZOOM_CREDENTIALS: %w", err)
	default:
		log.Warn("no AWS configuration: accounts with a credentials_ref cannot be used", "err", err)
	}
	if !z.Default.Complete() && z.Credentials == "" {
		log.Warn("no default Zoom credentials (ZOOM_CREDENTIALS, or ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET): only accounts with a credentials_ref can start lessons")
	}
	return zoom.New(zoom.Config{APIURL: z.APIURL, OAuthURL: z.OAuthURL, Credentials: keys, MeetingSettings: z.MeetingSettings, Log: log})
}

// ZoomDescription says which Zoom client cfg uses, for banners and logs; it
// never shows a secret.
func ZoomDescription(cfg Config) string {
	if cfg.ZoomClient != "live" {
		return "fake client (meetings look real, links lead nowhere)"
	}
	api, _ := zoom.BaseURL("ZOOM_API_URL", cfg.Zoom.APIURL, zoom.DefaultAPIURL)
	creds := "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (account " + cfg.Zoom.Default.AccountID + ")"
	switch {
	case cfg.Zoom.Default.Complete():
	case cfg.Zoom.Credentials != "":
		creds = "secret " + cfg.Zoom.Credentials
	default:
		creds = "each account's credentials_ref only"
	}
	return fmt.Sprintf("live client, %s, credentials from %s", api, creds)
}
