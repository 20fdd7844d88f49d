package awsenv_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"zoompool/internal/awsenv"
)

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

// A function's environment as Lambda sets it.
func TestLambdaEnvironment(t *testing.T) {
	cfg := awsenv.Config(env("AWS_REGION", "eu-central-1", "AWS_DEFAULT_REGION", "us-east-1",
		"AWS_ACCESS_KEY_ID", "ASIAEXAMPLE", "AWS_SECRET_ACCESS_KEY", "secret", "AWS_SESSION_TOKEN", "token"))
	creds, err := cfg.Credentials.Retrieve(context.Background())
	if cfg.Region != "eu-central-1" || err != nil || creds.AccessKeyID != "ASIAEXAMPLE" || creds.SecretAccessKey != "secret" ||
		creds.SessionToken != "token" || cfg.BaseEndpoint != nil {
		t.Errorf("region %q, credentials %+v, %v, endpoint %v", cfg.Region, creds, err, cfg.BaseEndpoint)
	}
	cfg = awsenv.Config(env("AWS_DEFAULT_REGION", "us-east-1", "AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
	if cfg.Region != "us-east-1" || cfg.BaseEndpoint == nil || *cfg.BaseEndpoint != "http://127.0.0.1:4566" {
		t.Errorf("AWS_DEFAULT_REGION and AWS_ENDPOINT_URL: region %q, endpoint %v", cfg.Region, cfg.BaseEndpoint)
	}
	if _, err := cfg.Credentials.Retrieve(context.Background()); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID") {
		t.Errorf("without credentials: %v, want an error naming AWS_ACCESS_KEY_ID", err)
	}
}

// Credentials from a container credentials endpoint, with its token from
// the environment or, read for every request, from a file.
func TestContainerCredentials(t *testing.T) {
	var auths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auths = append(auths, r.Header.Get("Authorization"))
		_ = json.NewEncoder(w).Encode(map[string]string{"AccessKeyId": "ASIACONTAINER", "SecretAccessKey": "secret",
			"Token": "token", "Expiration": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, tokenVar, token, want string
	}{
		{"token", "AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env", "from-env"},
		{"token file", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", file, "from-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auths = nil
			cfg := awsenv.Config(env("AWS_REGION", "eu-central-1", "AWS_CONTAINER_CREDENTIALS_FULL_URI", srv.URL+"/credentials", tc.tokenVar, tc.token))
			creds, err := cfg.Credentials.Retrieve(context.Background())
			if err != nil || creds.AccessKeyID != "ASIACONTAINER" || creds.SessionToken != "token" {
				t.Fatalf("credentials %+v, %v", creds, err)
			}
			if len(auths) != 1 || auths[0] != tc.want {
				t.Errorf("the endpoint was asked with Authorization %q, want %q once", auths, tc.want)
			}
		})
	}
}
