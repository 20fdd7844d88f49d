// Package zoomenv builds the Zoom client the environment configures, for the
// functions that call Zoom: the fake, or the live client with its
// credentials from the environment, Secrets Manager or SSM Parameter Store.
package zoomenv

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	"zoompool/internal/pool"
	"zoompool/internal/secrets"
	"zoompool/internal/zoom"
)

// Config configures the Zoom client.
type Config struct {
	// Client selects the Zoom client (ZOOM_CLIENT): "live" calls Zoom's
	// API; "fake" (the default of functions whose environment does not set
	// it, and of the local runner) answers like Zoom without calling it.
	Client string
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

// ConfigFromEnv reads ZOOM_CLIENT and the live client's settings, and says
// what is wrong with them.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var problems []string
	z := Config{
		Client: getenv("ZOOM_CLIENT"),
		APIURL: getenv("ZOOM_API_URL"), OAuthURL: getenv("ZOOM_OAUTH_URL"),
		Credentials: getenv("ZOOM_CREDENTIALS"), CredentialsPrefix: getenv("ZOOM_CREDENTIALS_PREFIX"),
		Default: zoom.Credentials{AccountID: getenv("ZOOM_ACCOUNT_ID"), ClientID: getenv("ZOOM_CLIENT_ID"), ClientSecret: getenv("ZOOM_CLIENT_SECRET")},
	}
	if z.Client == "" {
		z.Client = "fake"
	}
	switch z.Client {
	case "fake", "live":
	default:
		problems = append(problems, fmt.Sprintf("ZOOM_CLIENT %q is not known: use \"live\" (Zoom's API) or \"fake\" (answers like Zoom, calls nothing)", z.Client))
	}
	var err error
	if z.MeetingSettings, err = zoom.ParseMeetingSettings(getenv("ZOOM_MEETING_SETTINGS")); err != nil {
		problems = append(problems, err.Error())
	}
	if z.Client == "live" {
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
	if len(problems) > 0 {
		return z, fmt.Errorf("configuration: %s", strings.Join(problems, "; "))
	}
	return z, nil
}

// New builds the Zoom client z.Client names: the fake, or the live client
// with credentials from the environment, ZOOM_CREDENTIALS and each account's
// credentials_ref (read from AWS with awsCfg, cached for
// secrets.DefaultTTL). Without an AWS region (a zero awsCfg, as locally),
// only the credentials from the environment can be used.
func New(z Config, awsCfg aws.Config, log *slog.Logger) (pool.Zoom, error) {
	if z.Client != "live" {
		return &zoom.Fake{}, nil
	}
	keys := zoom.Keyring{Default: z.Default, DefaultRef: z.Credentials}
	switch {
	case awsCfg.Region != "":
		r := secrets.New(awsCfg)
		r.Prefix = z.CredentialsPrefix
		keys.Read = r.Get
	case z.Credentials != "":
		return nil, fmt.Errorf("ZOOM_CREDENTIALS names a secret, but there is no AWS region to read it in: set AWS_REGION")
	default:
		log.Warn("no AWS region: accounts with a credentials_ref cannot be used")
	}
	if !z.Default.Complete() && z.Credentials == "" {
		log.Warn("no default Zoom credentials (ZOOM_CREDENTIALS, or ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET): only accounts with a credentials_ref can start lessons")
	}
	return zoom.New(zoom.Config{APIURL: z.APIURL, OAuthURL: z.OAuthURL, Credentials: keys, MeetingSettings: z.MeetingSettings, Log: log})
}

// FromEnv builds the Zoom client the environment getenv configures, reading
// secrets with awsCfg: New of ConfigFromEnv.
func FromEnv(getenv func(string) string, awsCfg aws.Config, log *slog.Logger) (pool.Zoom, error) {
	z, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	return New(z, awsCfg, log)
}

// Describe says which Zoom client z configures, for banners and logs; it
// never shows a secret.
func Describe(z Config) string {
	if z.Client != "live" {
		return "fake client (meetings look real, links lead nowhere)"
	}
	api, _ := zoom.BaseURL("ZOOM_API_URL", z.APIURL, zoom.DefaultAPIURL)
	creds := "ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET (account " + z.Default.AccountID + ")"
	switch {
	case z.Default.Complete():
	case z.Credentials != "":
		creds = "secret " + z.Credentials
	default:
		creds = "each account's credentials_ref only"
	}
	return fmt.Sprintf("live client, %s, credentials from %s", api, creds)
}
