// Package functions_test checks what the Lambda functions under functions/
// link: each only what its handler uses.
package functions_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The functions, by directory.
const (
	start    = "start-lesson"
	webhook  = "zoom-webhook"
	sweep    = "release-stuck"
	calendar = "calendar"
	accounts = "accounts"
	console  = "console"
)

var all = []string{start, webhook, sweep, calendar, accounts, console}

// linkedBy says, for packages some functions need and others must not
// link, which functions link each (a package path ending in "/" stands for
// every package below it).
var linkedBy = map[string][]string{
	// Only the functions that read secrets (the webhook's token, the feed
	// links' key, Zoom credentials) reach SSM and Secrets Manager.
	"zoompool/internal/secrets": {start, webhook, sweep, calendar},
	// Only the start function (creating meetings) and the sweep (ending and
	// deleting those releases leave behind) call Zoom.
	"zoompool/internal/app/zoomenv": {start, sweep},
	// Only the calendar writes iCalendar feeds.
	"github.com/arran4/golang-ical":       {calendar},
	"zoompool/internal/schedule/ical":     {calendar},
	"github.com/aws/aws-sdk-go-v2/":       {start, webhook, sweep, calendar, accounts},
	"zoompool/internal/dynamo":            {start, webhook, sweep, calendar, accounts},
	"zoompool/internal/app/start":         {start},
	"zoompool/internal/app/webhook":       {webhook},
	"zoompool/internal/app/sweep":         {sweep},
	"zoompool/internal/app/calendar":      {calendar},
	"zoompool/internal/app/accounts":      {accounts},
	"zoompool/internal/console":           {console},
	"html/template":                       {console},
	"github.com/aws/aws-lambda-go/lambda": all,

	// No function links the SDK's default configuration loader (with SSO,
	// STS, sign-in and their clients: awsenv configures the functions), the
	// SDK's own SSM and Secrets Manager clients (secrets calls both itself),
	// the local identity provider and JWT verification (API Gateway checks
	// tokens), the template and its YAML parser, the embedded engine, or
	// the local runner's composition of every function.
	"github.com/aws/aws-sdk-go-v2/config":                  nil,
	"github.com/aws/aws-sdk-go-v2/service/ssm/":            nil,
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/": nil,
	"github.com/aws/aws-sdk-go-v2/service/sts/":            nil,
	"github.com/aws/aws-sdk-go-v2/service/sso/":            nil,
	"zoompool/internal/auth":                               nil,
	"github.com/go-jose/":                                  nil,
	"zoompool":                                             nil,
	"zoompool/internal/sam":                                nil,
	"gopkg.in/yaml.v3":                                     nil,
	"zoompool/internal/localstack":                         nil,
	"github.com/truora/minidyn/":                           nil,
	"zoompool/internal/app":                                nil,
}

// TestFunctionsLinkOnlyWhatTheyUse lists each function's dependencies as
// its Lambda build sees them (linux/arm64, -tags lambda.norpc) and checks
// linkedBy.
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	cmd := exec.Command("go", "list", "-tags", "lambda.norpc", "-f", `{{.ImportPath}} {{join .Deps " "}}`, "./...")
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list (the go command must be on PATH): %v", err)
	}
	deps := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		deps[strings.TrimPrefix(fields[0], "zoompool/functions/")] = fields[1:]
	}
	for _, f := range all {
		if deps[f] == nil {
			t.Fatalf("go list printed no function %s:\n%s", f, out)
		}
	}
	for pkg, want := range linkedBy {
		for _, f := range all {
			links := slices.ContainsFunc(deps[f], func(d string) bool {
				return d == pkg || strings.HasSuffix(pkg, "/") && strings.HasPrefix(d, pkg)
			})
			switch should := slices.Contains(want, f); {
			case links && !should:
				t.Errorf("%s links %s, which it does not use", f, pkg)
			case !links && should:
				t.Errorf("%s does not link %s", f, pkg)
			}
		}
	}
}
