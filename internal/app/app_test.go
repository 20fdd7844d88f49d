package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"
	"gopkg.in/yaml.v3"

	"zoompool"
	"zoompool/internal/app"
	"zoompool/internal/app/calendar"
	"zoompool/internal/app/core"
	"zoompool/internal/app/webhook"
	"zoompool/internal/pooltest"
	"zoompool/internal/sam"
	"zoompool/internal/zoom"
)

func template(t *testing.T) sam.Template {
	t.Helper()
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func newApp(t *testing.T, env *pooltest.Env) *app.App {
	t.Helper()
	cfg := app.Config{Config: core.Config{TableName: env.Table, PoolID: "default", StartLease: core.DefaultStartLease},
		Webhook: webhook.Config{Secret: app.LocalWebhookSecret}, Calendar: calendar.Config{FeedKey: app.LocalFeedKey}}
	a, err := app.New(context.Background(), cfg, env.Client, &zoom.Fake{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// The handlers serve exactly the routes template.yaml gives their functions.
func TestHandlersServeTheTemplatesRoutes(t *testing.T) {
	a := newApp(t, pooltest.New(t))
	handlers := a.HTTPFunctions()
	for _, f := range template(t).Functions {
		h, ok := handlers[f.LogicalID]
		if !ok {
			if len(f.Routes) > 0 {
				t.Errorf("%s has routes in template.yaml but no handler", f.LogicalID)
			}
			continue
		}
		var want, got []string
		for _, r := range f.Routes {
			if !r.Greedy() {
				want = append(want, r.String())
			}
		}
		for _, r := range h.Routes() {
			got = append(got, r.String())
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s serves %v, template.yaml routes %v", f.LogicalID, got, want)
		}
	}
}

// Every route has its twin for URLs with a trailing slash: the same method,
// function (and authorization) on path/{proxy+}, and no other greedy route
// exists.
func TestEveryRouteHasATrailingSlashTwin(t *testing.T) {
	for _, f := range template(t).Functions {
		for _, r := range f.Routes {
			if r.Greedy() {
				base := r
				base.Path = strings.TrimSuffix(r.Path, "/{proxy+}")
				if !strings.HasSuffix(r.Path, "/{proxy+}") || !slices.Contains(f.Routes, base) {
					t.Errorf("%s: %s is the twin of no route of the function", f.LogicalID, r)
				}
				continue
			}
			if !slices.Contains(f.Routes, r.SlashTwin()) {
				t.Errorf("%s: %s has no twin %s for its URLs with a trailing slash", f.LogicalID, r, r.SlashTwin())
			}
		}
	}
}

// Every function is built by a Makefile target that `sam build` can call.
func TestTemplateFunctionsBuildWithTheMakefile(t *testing.T) {
	makefile, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range template(t).Functions {
		if f.BuildMethod != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %q, want makefile", f.LogicalID, f.BuildMethod)
		}
		target := regexp.MustCompile(`(?m)^build-` + f.LogicalID + `:\n\t\$\(LAMBDA_BUILD\) \./functions/([a-z-]+)$`)
		m := target.FindSubmatch(makefile)
		if m == nil {
			t.Errorf("Makefile has no target build-%s running $(LAMBDA_BUILD) ./functions/<name>", f.LogicalID)
			continue
		}
		if _, err := os.Stat(filepath.Join("../../functions", string(m[1]), "main.go")); err != nil {
			t.Errorf("build-%s builds ./functions/%s: %v", f.LogicalID, m[1], err)
		}
	}
	if !strings.Contains(string(makefile), `LAMBDA_BUILD = GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -tags lambda.norpc -ldflags="-s -w" -o $(ARTIFACTS_DIR)/bootstrap`) {
		t.Error("Makefile's LAMBDA_BUILD is not the static arm64 build that provided.al2023 runs")
	}
}

func TestTemplateDeploysWhatDesignAsks(t *testing.T) {
	var doc struct {
		Globals struct {
			Function struct {
				Runtime       string   `yaml:"Runtime"`
				Architectures []string `yaml:"Architectures"`
				Handler       string   `yaml:"Handler"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
		Resources map[string]struct {
			Properties struct {
				CodeUri string `yaml:"CodeUri"`
			} `yaml:"Properties"`
		} `yaml:"Resources"`
	}
	if err := yaml.Unmarshal(zoompool.Template, &doc); err != nil {
		t.Fatal(err)
	}
	g := doc.Globals.Function
	if g.Runtime != "provided.al2023" || !slices.Equal(g.Architectures, []string{"arm64"}) || g.Handler != "bootstrap" {
		t.Errorf("Globals.Function = %+v, want provided.al2023 on arm64 with handler bootstrap", g)
	}
	tmpl := template(t)
	for _, f := range tmpl.Functions {
		if doc.Resources[f.LogicalID].Properties.CodeUri != "." {
			t.Errorf("%s: CodeUri = %q, want .", f.LogicalID, doc.Resources[f.LogicalID].Properties.CodeUri)
		}
	}
	tb := tmpl.Table
	if tb.BillingMode != "PAY_PER_REQUEST" || !tb.PointInTimeRecovery || !tb.DeletionProtection {
		t.Errorf("table: billing %s, PITR %v, deletion protection %v; want on-demand with both", tb.BillingMode, tb.PointInTimeRecovery, tb.DeletionProtection)
	}
}

// The release-stuck function runs on template.yaml's schedule, and its
// handler answers the sample scheduled event with the sweep's summary.
func TestReleaseStuckRunsEveryTenMinutes(t *testing.T) {
	f, ok := template(t).Function("ReleaseStuckFunction")
	if !ok || !slices.Contains(f.Schedules, "rate(10 minutes)") {
		t.Errorf("ReleaseStuckFunction schedules %v, want rate(10 minutes) among them", f.Schedules)
	}
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	raw, err := os.ReadFile("../../events/release-stuck.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.EventBridgeEvent
	if err := json.Unmarshal(raw, &ev); err != nil || ev.DetailType != "Scheduled Event" {
		t.Fatalf("events/release-stuck.json is not a scheduled event: %v", err)
	}
	res, err := newApp(t, env).ReleaseStuck()(context.Background(), ev)
	if err != nil || res.Status != "success" || res.Holds != 0 || res.ReleasedTotal != 0 {
		t.Errorf("sweep of an idle pool answered %+v, %v", res, err)
	}
	out, _ := json.Marshal(res)
	for _, field := range []string{`"released":{"claim_expired":0,"lesson_ended":0,"orphan":0}`, `"released_total":0`} {
		if !strings.Contains(string(out), field) {
			t.Errorf("sweep answer %s lacks %s", out, field)
		}
	}
}

// The sample events in events/ go through the Lambda adapter and the same
// handlers as in AWS, and succeed on the demo data. Signed webhooks were
// signed with the local secret at their timestamp; they are replayed then.
func TestSampleEventsThroughTheLambdaAdapter(t *testing.T) {
	env := pooltest.New(t)
	env.AddAccounts(t, 1, 1, 1)
	env.AddLesson(t, "1", time.Now().Add(-time.Minute), time.Now().Add(time.Hour))
	a := newApp(t, env)
	handlers := a.HTTPFunctions()
	routes := map[string]string{} // route key -> function
	for _, f := range template(t).Functions {
		for _, r := range f.Routes {
			routes[r.String()] = f.LogicalID
		}
	}

	files, _ := filepath.Glob("../../events/*.json")
	tested := 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil || ev.RouteKey == "" {
			continue // not an HTTP API event
		}
		tested++
		t.Run(filepath.Base(file), func(t *testing.T) {
			fn, ok := routes[ev.RouteKey]
			if !ok {
				t.Fatalf("routeKey %q is not a route of template.yaml", ev.RouteKey)
			}
			a.Now = nil
			if ts, err := strconv.ParseInt(ev.Headers["x-zm-request-timestamp"], 10, 64); err == nil {
				a.Now = func() time.Time { return time.Unix(ts, 0) }
			}
			pattern := "^" + regexp.MustCompile(`\{[a-z]+\}`).ReplaceAllString(strings.SplitN(ev.RouteKey, " ", 2)[1], `[^/]+`) + "/?$"
			if !regexp.MustCompile(pattern).MatchString(ev.RawPath) {
				t.Errorf("rawPath %q does not match routeKey %q", ev.RawPath, ev.RouteKey)
			}
			res, err := httpadapter.NewV2(handlers[fn]).ProxyWithContext(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode >= 300 || !json.Valid([]byte(res.Body)) || res.Headers["Content-Type"] != "application/json" {
				t.Errorf("%s answered %d %v: %s", fn, res.StatusCode, res.Headers, res.Body)
			}
		})
	}
	if tested == 0 {
		t.Fatal("no HTTP events in events/")
	}
	pooltest.CheckInvariants(t, env.Store, "1")
}

func TestConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := app.ConfigFromEnv(env("TABLE_NAME", "t"))
	if err != nil || c.PoolID != "default" || c.Zoom.Client != "fake" || c.StartLease != time.Minute ||
		c.ReleaseGrace != 15*time.Minute || c.Webhook.Secret != "" || c.Webhook.Insecure || !c.UpperWeekAnchor.IsZero() ||
		c.StartEarly != 15*time.Minute || c.ForecastMargin != 0 {
		t.Errorf("defaults: %+v, %v", c, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t", "RELEASE_GRACE", "5m", "ZOOM_WEBHOOK_SECRET_TOKEN", "s3",
		"ZOOM_WEBHOOK_SECRET_PARAMETER", "/zoom-pool/webhook"))
	if err != nil || c.ReleaseGrace != 5*time.Minute || c.Webhook.Secret != "s3" || c.Webhook.SecretParameter != "/zoom-pool/webhook" {
		t.Errorf("set: %+v, %v", c, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t", "START_EARLY", "0s", "START_LEASE", "40s"))
	if err != nil || c.StartEarly != 0 || c.StartLease != 40*time.Second {
		t.Errorf("START_EARLY 0s, START_LEASE 40s: %+v, %v", c, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t", "FORECAST_MARGIN", "5m"))
	if err != nil || c.ForecastMargin != 5*time.Minute {
		t.Errorf("FORECAST_MARGIN 5m: %v, %v", c.ForecastMargin, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t"))
	if err != nil || c.Identity.RolesClaim != "cognito:groups" || c.Identity.TeacherIDClaim != "sub" || c.Calendar.FeedKey != "" {
		t.Errorf("identity and feed defaults: %+v %q, %v", c.Identity, c.Calendar.FeedKey, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t", "ROLES_CLAIM", "groups", "TEACHER_ID_CLAIM", "email",
		"CALENDAR_FEED_KEY", "0123456789abcdef", "CALENDAR_FEED_KEY_PARAMETER", "/zoom-pool/feed"))
	if err != nil || c.Identity.RolesClaim != "groups" || c.Identity.TeacherIDClaim != "email" || c.Calendar.FeedKey != "0123456789abcdef" ||
		c.Calendar.FeedKeyParameter != "/zoom-pool/feed" {
		t.Errorf("identity and feed set: %+v, %v", c, err)
	}
	c, err = app.ConfigFromEnv(env("TABLE_NAME", "t", "UPPER_WEEK_ANCHOR", "2026-08-31"))
	if err != nil || c.UpperWeekAnchor.String() != "2026-08-31" {
		t.Errorf("anchor 2026-08-31: %+v, %v", c.UpperWeekAnchor, err)
	}
	for _, tc := range []struct {
		name    string
		getenv  func(string) string
		mention string
	}{
		{"no table", env(), "TABLE_NAME"},
		{"bad pool", env("TABLE_NAME", "t", "POOL_ID", "a b"), "POOL_ID"},
		{"unknown zoom client", env("TABLE_NAME", "t", "ZOOM_CLIENT", "real"), "ZOOM_CLIENT"},
		{"short lease", env("TABLE_NAME", "t", "START_LEASE", "5s"), "START_LEASE"},
		// The start function may run 30 s (template.yaml): a claim must outlive it.
		{"lease within the start function's timeout", env("TABLE_NAME", "t", "START_LEASE", "30s"),
			"START_LEASE 30s must be at least 40s: the start function may run for 30s"},
		{"early not a duration", env("TABLE_NAME", "t", "START_EARLY", "15"), "START_EARLY"},
		{"early negative", env("TABLE_NAME", "t", "START_EARLY", "-1m"), "START_EARLY"},
		{"early over a day", env("TABLE_NAME", "t", "START_EARLY", "25h"), "START_EARLY"},
		{"short feed key", env("TABLE_NAME", "t", "CALENDAR_FEED_KEY", "secret"), "CALENDAR_FEED_KEY"},
		{"grace not a duration", env("TABLE_NAME", "t", "RELEASE_GRACE", "15"), "RELEASE_GRACE"},
		{"no grace", env("TABLE_NAME", "t", "RELEASE_GRACE", "0s"), "RELEASE_GRACE"},
		{"margin not a duration", env("TABLE_NAME", "t", "FORECAST_MARGIN", "5"), `FORECAST_MARGIN "5" is not a duration from 0m to 2h, such as 5m`},
		{"negative margin", env("TABLE_NAME", "t", "FORECAST_MARGIN", "-5m"), "FORECAST_MARGIN"},
		{"margin over 2 hours", env("TABLE_NAME", "t", "FORECAST_MARGIN", "3h"), "FORECAST_MARGIN"},
		{"malformed anchor", env("TABLE_NAME", "t", "UPPER_WEEK_ANCHOR", "31.08.2026"), `UPPER_WEEK_ANCHOR "31.08.2026" is not a date YYYY-MM-DD`},
		{"impossible anchor", env("TABLE_NAME", "t", "UPPER_WEEK_ANCHOR", "2026-02-29"), "UPPER_WEEK_ANCHOR"},
		{"anchor not a Monday", env("TABLE_NAME", "t", "UPPER_WEEK_ANCHOR", "2026-09-02"),
			"UPPER_WEEK_ANCHOR 2026-09-02 is a Wednesday; it must be the Monday that starts an upper week, such as 2026-08-31"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := app.ConfigFromEnv(tc.getenv); err == nil || !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("got %v, want an error naming %s", err, tc.mention)
			}
		})
	}
}

// `sam local --env-vars events/env.json` overrides only the variables the
// template declares (it ignores others without a word), so the sample names
// only those: every function's under "Parameters", a function's own under
// its logical id.
func TestEnvJSONOverridesDeclaredVariables(t *testing.T) {
	var doc struct {
		Globals struct {
			Function struct {
				Environment struct {
					Variables map[string]any `yaml:"Variables"`
				} `yaml:"Environment"`
			} `yaml:"Function"`
		} `yaml:"Globals"`
	}
	if err := yaml.Unmarshal(zoompool.Template, &doc); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("../../events/env.json")
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]map[string]string
	if err := json.Unmarshal(raw, &vars); err != nil {
		t.Fatalf("events/env.json: %v", err)
	}
	declared := func(f sam.Function, name string) bool {
		_, global := doc.Globals.Function.Environment.Variables[name]
		_, own := f.Environment[name]
		return global || own
	}
	tmpl := template(t)
	for key, vs := range vars {
		for name := range vs {
			if key == "Parameters" {
				if _, ok := doc.Globals.Function.Environment.Variables[name]; !ok {
					t.Errorf("events/env.json sets %s for every function, but Globals does not declare it", name)
				}
				continue
			}
			f, ok := tmpl.Function(key)
			if !ok {
				t.Errorf("events/env.json names %s, which is no function of template.yaml", key)
			} else if !declared(f, name) {
				t.Errorf("events/env.json sets %s for %s, which does not declare it", name, key)
			}
		}
	}
	if vars["Parameters"]["DYNAMODB_ENDPOINT"] == "" {
		t.Error("events/env.json does not point DYNAMODB_ENDPOINT at an engine")
	}
}

func TestMetricsNamespace(t *testing.T) {
	for ns, ok := range map[string]bool{"": true, "ZoomPool/zoom-pool-staging": true, "Zoom Pool": false, ":x": false, strings.Repeat("a", 256): false} {
		c, err := app.ConfigFromEnv(envOf("METRICS_NAMESPACE", ns))
		if (err == nil) != ok {
			t.Errorf("METRICS_NAMESPACE %q: %v", ns, err)
		}
		if ns == "" && c.MetricsNamespace != "ZoomPool" {
			t.Errorf("default namespace %q, want ZoomPool", c.MetricsNamespace)
		}
	}
}

// The start function's START_LEASE in template.yaml passes the check against
// the function's own timeout, which ConfigFromEnv makes at every cold start,
// and that timeout is the one the functions know.
func TestTemplateStartLeaseOutlivesTheStartFunction(t *testing.T) {
	f, ok := template(t).Function(core.StartFunction)
	if !ok {
		t.Fatalf("template.yaml has no %s", core.StartFunction)
	}
	if timeout := time.Duration(f.Timeout) * time.Second; timeout != core.StartTimeout {
		t.Errorf("%s's Timeout in template.yaml is %s, core.StartTimeout %s: change both", core.StartFunction, timeout, core.StartTimeout)
	}
	lease := f.Environment["START_LEASE"]
	c, err := app.ConfigFromEnv(func(k string) string {
		return map[string]string{"TABLE_NAME": "t", "START_LEASE": lease}[k]
	})
	if err != nil {
		t.Fatalf("START_LEASE %q of the template: %v", lease, err)
	}
	if timeout := time.Duration(f.Timeout) * time.Second; c.StartLease < timeout+core.MinLeaseMargin {
		t.Errorf("START_LEASE %s, start function timeout %s: the lease must outlast it by %s", c.StartLease, timeout, core.MinLeaseMargin)
	}
}

// The README's deploy section answers every question `sam deploy --guided`
// asks: one row for each of the template's parameters, and none for others.
func TestREADMEListsEveryTemplateParameter(t *testing.T) {
	var doc struct {
		Parameters map[string]any `yaml:"Parameters"`
	}
	if err := yaml.Unmarshal(zoompool.Template, &doc); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "One `Parameter ...` question")
	if start < 0 {
		t.Fatal("the README's deploy section has no table of the parameters")
	}
	table := string(readme)[start:]
	table = table[:strings.Index(table, "\n\n- ")]
	listed := map[string]bool{}
	for _, row := range regexp.MustCompile("(?m)^  \\| (.+?) \\| ").FindAllStringSubmatch(table, -1) {
		for _, name := range regexp.MustCompile("`([A-Za-z0-9]+)`").FindAllStringSubmatch(row[1], -1) {
			listed[name[1]] = true
		}
	}
	for name := range doc.Parameters {
		if !listed[name] {
			t.Errorf("the README's deploy section does not say what to answer for %s", name)
		}
		delete(listed, name)
	}
	for name := range listed {
		if name != "parameter" {
			t.Errorf("the README's deploy section lists %s, which template.yaml does not have", name)
		}
	}
}
