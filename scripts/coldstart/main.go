// Command coldstart measures the Lambda functions' cold starts, as `make
// coldstart` runs it: it builds each function's bootstrap as `sam build`
// does, and two functions that only create a DynamoDB client, never
// deployed: the baseline (./baseline), configured as the functions configure
// theirs, and a reference configured by the SDK's default loader
// (./sdkdefault); runs each under the Lambda Runtime Interface Emulator,
// taking turns for -rounds rounds, and invokes it once with its sample event
// from events/; and prints each one's median init duration (the emulator's
// INIT REPORT: from starting the bootstrap to its first call for work, as
// Lambda's Init Duration), its ratio to the baseline's, and the size of its
// linux/arm64 bootstrap, next to the goals.
//
// The bootstraps run here, so they are built for this machine's architecture;
// the sizes are those of the arm64 builds Lambda runs. Nothing calls AWS: the
// functions get dummy credentials, an embedded DynamoDB engine (table from
// template.yaml) and a stand-in for SSM Parameter Store, and the environment
// template.yaml gives them.
package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"zoompool"
	"zoompool/internal/localstack"
	"zoompool/internal/sam"
)

// Goals: each arm64 bootstrap at most maxSize bytes, each init at most
// maxInitRatio times the baseline's.
const (
	maxSize      = 10_000_000
	maxInitRatio = 1.3
)

// rieModule is the emulator `make coldstart` installs when it is missing.
const rieModule = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@v0.0.0-20261030222936-bef5c4ba774d"

// function is a Lambda function to measure.
type function struct {
	// Name is its directory under functions/, or under scripts/coldstart for
	// the references.
	Name string
	// LogicalID names it in template.yaml ("" for the references).
	LogicalID string
	// Event is the sample event under events/ it is invoked with ("" for the
	// references, which take any).
	Event string
}

func (f function) pkg() string {
	if f.LogicalID == "" {
		return "./scripts/coldstart/" + f.Name
	}
	return "./functions/" + f.Name
}

// baseline is the function every other is measured against; sdkDefault is
// shown beside it.
var (
	baseline   = function{Name: "baseline"}
	sdkDefault = function{Name: "sdkdefault"}
)

// functions are the functions of template.yaml, each with an event that
// reaches its handler and, where it has one, DynamoDB.
var functions = []function{
	{Name: "start-lesson", LogicalID: "StartLessonFunction", Event: "start-lesson.json"},
	{Name: "zoom-webhook", LogicalID: "ZoomWebhookFunction", Event: "zoom-webhook-url-validation.json"},
	{Name: "release-stuck", LogicalID: "ReleaseStuckFunction", Event: "release-stuck.json"},
	{Name: "calendar", LogicalID: "CalendarFunction", Event: "calendar-get-lesson.json"},
	{Name: "accounts", LogicalID: "AccountsFunction", Event: "accounts-list.json"},
	{Name: "console", LogicalID: "ConsoleFunction", Event: "console-config.json"},
}

// Secrets the SSM stand-in holds, under the parameter names below.
const (
	webhookSecret = "coldstart-zoom-webhook-secret"
	feedKey       = "coldstart-calendar-feed-key-0123456789"
)

// deployed are the values of the variables template.yaml sets, as a
// deployed stack would have them (its Globals' too); the table and the
// DynamoDB endpoint are the embedded engine's.
var deployed = map[string]string{
	"POOL_ID": "default", "METRICS_NAMESPACE": "ZoomPool/coldstart",
	"ROLES_CLAIM": "cognito:groups", "TEACHER_ID_CLAIM": "sub",
	"ZOOM_CLIENT": "live", "ZOOM_CREDENTIALS": "zoom-pool/zoom/default", "ZOOM_CREDENTIALS_PREFIX": "zoom-pool/zoom/",
	"ZOOM_MEETING_SETTINGS": "", "ZOOM_API_URL": "", "ZOOM_OAUTH_URL": "",
	"START_LEASE": "60s", "START_EARLY": "15m", "RELEASE_GRACE": "15m", "UPPER_WEEK_ANCHOR": "", "FORECAST_MARGIN": "0s",
	"ZOOM_WEBHOOK_SECRET_PARAMETER": "/zoom-pool/zoom-webhook-secret", "ZOOM_WEBHOOK_SECRET_TOKEN": "",
	"CALENDAR_FEED_KEY_PARAMETER": "/zoom-pool/calendar-feed-key", "CALENDAR_FEED_KEY": "",
	"JWT_ISSUER":         "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Coldstart",
	"OIDC_CLIENT_ID":     "coldstart",
	"OIDC_AUTHORIZE_URL": "https://coldstart.auth.eu-west-1.amazoncognito.com/oauth2/authorize",
	"OIDC_TOKEN_URL":     "https://coldstart.auth.eu-west-1.amazoncognito.com/oauth2/token",
	"OIDC_LOGOUT_URL":    "https://coldstart.auth.eu-west-1.amazoncognito.com/logout",
}

// globals are the variables template.yaml's Globals give every function.
var globals = []string{"TABLE_NAME", "POOL_ID", "DYNAMODB_ENDPOINT", "METRICS_NAMESPACE", "ROLES_CLAIM", "TEACHER_ID_CLAIM"}

type options struct {
	rounds    int
	warmup    int
	rie       string
	inittrace int
	verbose   bool
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 20, "how many times each function starts, taking turns")
	flag.IntVar(&o.warmup, "warmup", 1, "rounds run first and not counted (the first start of a new file pays for reading it)")
	flag.StringVar(&o.rie, "rie", "", "the Runtime Interface Emulator (default: aws-lambda-rie in $(go env GOPATH)/bin, else on PATH)")
	flag.IntVar(&o.inittrace, "inittrace", 0, "also list each function's N most expensive package initialisations (GODEBUG=inittrace=1; median over the rounds)")
	flag.BoolVar(&o.verbose, "v", false, "print every measurement")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	if o.rounds < 1 || o.warmup < 0 {
		return errors.New("-rounds must be at least 1, -warmup at least 0")
	}
	rie, err := findRIE(o.rie)
	if err != nil {
		return err
	}
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return err
	}
	if err := checkFunctions(tmpl); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "coldstart-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	all := append([]function{baseline, sdkDefault}, functions...)
	fmt.Fprintf(out, "building %d bootstraps for linux/%s (to run here) and linux/arm64 (their sizes)\n", len(all), runtime.GOARCH)
	sizes := map[string]int64{}
	for _, f := range all {
		if err := build(ctx, f, runtime.GOARCH, bootstrap(dir, runtime.GOARCH, f)); err != nil {
			return err
		}
		path := bootstrap(dir, "arm64", f)
		if runtime.GOARCH != "arm64" {
			if err := build(ctx, f, "arm64", path); err != nil {
				return err
			}
		}
		st, err := os.Stat(path)
		if err != nil {
			return err
		}
		sizes[f.Name] = st.Size()
	}

	stand, err := newStandIns(ctx, dir)
	if err != nil {
		return err
	}
	defer stand.close()
	m := &measurer{rie: rie, dir: dir, stand: stand, inittrace: o.inittrace > 0, tmpl: tmpl}
	fmt.Fprintf(out, "starting each under the Runtime Interface Emulator, %d rounds after %d not counted\n", o.rounds, o.warmup)
	for range o.warmup {
		for _, f := range all {
			if _, err := m.sample(ctx, f); err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	}
	inits := map[string][]time.Duration{}
	traces := map[string]map[string][]float64{}
	for round := range o.rounds {
		// Take turns going first, so that no function always follows the same one.
		order := append(slices.Clone(all[round%len(all):]), all[:round%len(all)]...)
		for _, f := range order {
			s, err := m.sample(ctx, f)
			if err != nil {
				return fmt.Errorf("%s: %w", f.Name, err)
			}
			inits[f.Name] = append(inits[f.Name], s.init)
			for pkg, ms := range s.inits {
				if traces[f.Name] == nil {
					traces[f.Name] = map[string][]float64{}
				}
				traces[f.Name][pkg] = append(traces[f.Name][pkg], ms)
			}
			if o.verbose {
				fmt.Fprintf(out, "  round %2d %-14s init %v\n", round+1, f.Name, s.init.Round(10*time.Microsecond))
			}
		}
	}
	report(out, all, sizes, inits, o)
	if o.inittrace > 0 {
		reportInits(out, all, traces, o.inittrace)
	}
	return nil
}

// findRIE returns the emulator's path.
func findRIE(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if gopath, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.TrimSpace(strings.Split(string(gopath), string(os.PathListSeparator))[0]), "bin", "aws-lambda-rie")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("aws-lambda-rie"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("the Lambda Runtime Interface Emulator is not installed: go install %s (make coldstart does)", rieModule)
}

// checkFunctions makes sure every function of the template is measured.
func checkFunctions(tmpl sam.Template) error {
	for _, tf := range tmpl.Functions {
		if !slices.ContainsFunc(functions, func(f function) bool { return f.LogicalID == tf.LogicalID }) {
			return fmt.Errorf("template.yaml's %s is not measured: add it to the functions of scripts/coldstart", tf.LogicalID)
		}
	}
	return nil
}

func bootstrap(dir, arch string, f function) string {
	return filepath.Join(dir, arch, f.Name, "bootstrap")
}

// build builds f's bootstrap for linux/arch as the Makefile's
// build-<LogicalId> targets do.
func build(ctx context.Context, f function, arch, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "lambda.norpc", "-ldflags=-s -w", "-o", out, f.pkg())
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+arch, "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for linux/%s: %w\n%s", f.Name, arch, err, msg)
	}
	return nil
}

// standIns are what the functions reach instead of AWS.
type standIns struct {
	engine *localstack.Engine
	ssm    *http.Server
	// ssmURL is the SSM stand-in's endpoint.
	ssmURL string
	// home is an empty home directory: no shared AWS configuration files,
	// as in Lambda.
	home string
}

// table is the table the functions use, created from template.yaml.
const table = "zoom-pool-coldstart"

func newStandIns(ctx context.Context, dir string) (*standIns, error) {
	engine, err := localstack.Start(localstack.Options{})
	if err != nil {
		return nil, err
	}
	s := &standIns{engine: engine, home: filepath.Join(dir, "home")}
	client, err := engine.Client(ctx)
	if err == nil {
		err = localstack.CreateTable(ctx, client, table)
	}
	if err == nil {
		err = os.MkdirAll(s.home, 0o700)
	}
	if err != nil {
		s.close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.close()
		return nil, err
	}
	s.ssm = &http.Server{Handler: http.HandlerFunc(serveSSM), ReadHeaderTimeout: 10 * time.Second}
	s.ssmURL = "http://" + ln.Addr().String()
	go func() { _ = s.ssm.Serve(ln) }()
	return s, nil
}

func (s *standIns) close() {
	if s.ssm != nil {
		s.ssm.Close()
	}
	s.engine.Close()
}

// serveSSM answers SSM's GetParameter (its JSON 1.1 protocol) with the
// parameters of deployed.
func serveSSM(w http.ResponseWriter, r *http.Request) {
	var in struct{ Name string }
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	if r.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameter" || json.Unmarshal(body, &in) != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ValidationException","message":"not a GetParameter request"}`)
		return
	}
	values := map[string]string{deployed["ZOOM_WEBHOOK_SECRET_PARAMETER"]: webhookSecret, deployed["CALENDAR_FEED_KEY_PARAMETER"]: feedKey}
	value, ok := values[in.Name]
	if !ok {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"ParameterNotFound","message":"no such parameter"}`)
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"Parameter": map[string]any{"Name": in.Name, "Type": "SecureString", "Value": value, "Version": 1}})
}

// measurer starts the functions.
type measurer struct {
	rie       string
	dir       string
	stand     *standIns
	inittrace bool
	tmpl      sam.Template
}

// sample is one cold start.
type sample struct {
	init time.Duration
	// inits are the package initialisations' clock times in ms, with -inittrace.
	inits map[string]float64
}

var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	initTrace  = regexp.MustCompile(`(?m)^init (\S+) @[0-9.]+ ms, ([0-9.]+) ms clock`)
)

// sample starts f under the emulator, invokes it once, and stops it.
func (m *measurer) sample(ctx context.Context, f function) (sample, error) {
	env, err := m.env(f)
	if err != nil {
		return sample{}, err
	}
	event, err := m.event(f)
	if err != nil {
		return sample{}, err
	}
	addr, apiAddr := freeAddr(), freeAddr()
	if addr == "" || apiAddr == "" {
		return sample{}, errors.New("no free port on 127.0.0.1")
	}
	path := bootstrap(m.dir, runtime.GOARCH, f)
	cmd := exec.CommandContext(ctx, m.rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, path)
	cmd.Dir = filepath.Dir(path)
	cmd.Env = env
	var output lockedBuffer
	cmd.Stdout, cmd.Stderr = &output, &output
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	// The emulator and the bootstrap it started go, whatever happens.
	defer func() {
		killGroup(cmd)
		_ = cmd.Wait()
	}()
	if err := waitListening(ctx, addr, 10*time.Second); err != nil {
		return sample{}, fmt.Errorf("the emulator did not listen: %w\n%s", err, output.String())
	}
	if err := invoke(ctx, addr, f, event); err != nil {
		return sample{}, fmt.Errorf("invoke: %w\n%s", err, output.String())
	}
	// The emulator may answer before it has logged the report.
	var got []string
	for wait := time.Now().Add(5 * time.Second); got == nil && time.Now().Before(wait); time.Sleep(5 * time.Millisecond) {
		got = initReport.FindStringSubmatch(output.String())
	}
	if got == nil {
		return sample{}, fmt.Errorf("no INIT REPORT in the emulator's output:\n%s", output.String())
	}
	ms, err := strconv.ParseFloat(got[1], 64)
	if err != nil {
		return sample{}, err
	}
	s := sample{init: time.Duration(ms * float64(time.Millisecond))}
	if m.inittrace {
		// The emulator, which shares the environment, traces its own
		// initialisation before it starts the bootstrap.
		_, traced, _ := strings.Cut(output.String(), "INIT START")
		s.inits = map[string]float64{}
		for _, t := range initTrace.FindAllStringSubmatch(traced, -1) {
			v, _ := strconv.ParseFloat(t[2], 64)
			s.inits[t[1]] += v
		}
	}
	return s, nil
}

// env is f's environment: what template.yaml sets for it (Globals too),
// dummy credentials, and endpoints on this machine.
func (m *measurer) env(f function) ([]string, error) {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + m.stand.home,
		"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1",
		"AWS_ACCESS_KEY_ID=coldstart", "AWS_SECRET_ACCESS_KEY=coldstart", "AWS_SESSION_TOKEN=coldstart",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_ENDPOINT_URL_SSM=" + m.stand.ssmURL,
		"AWS_LAMBDA_FUNCTION_NAME=" + f.Name, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
	}
	if m.inittrace {
		env = append(env, "GODEBUG=inittrace=1")
	}
	if f.LogicalID == "" {
		return env, nil
	}
	tf, ok := m.tmpl.Function(f.LogicalID)
	if !ok {
		return nil, fmt.Errorf("template.yaml has no %s", f.LogicalID)
	}
	names := append(slices.Clone(globals), slices.Sorted(maps.Keys(tf.Environment))...)
	for _, name := range names {
		switch name {
		case "TABLE_NAME":
			env = append(env, name+"="+table)
		case "DYNAMODB_ENDPOINT":
			env = append(env, name+"="+m.stand.engine.Endpoint)
		default:
			v, ok := deployed[name]
			if !ok {
				return nil, fmt.Errorf("template.yaml gives %s the variable %s: add a deployed value to scripts/coldstart", f.LogicalID, name)
			}
			env = append(env, name+"="+v)
		}
	}
	return env, nil
}

// event is the payload f is invoked with: its sample event, the webhook's
// signed now with the stand-in's secret.
func (m *measurer) event(f function) ([]byte, error) {
	if f.Event == "" {
		return []byte(`{}`), nil
	}
	raw, err := os.ReadFile(filepath.Join("events", f.Event))
	if err != nil {
		return nil, err
	}
	if f.LogicalID != "ZoomWebhookFunction" {
		return raw, nil
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		return nil, fmt.Errorf("events/%s: %w", f.Event, err)
	}
	headers, _ := ev["headers"].(map[string]any)
	body, _ := ev["body"].(string)
	if headers == nil || body == "" {
		return nil, fmt.Errorf("events/%s has no headers or body to sign", f.Event)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(webhookSecret))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	headers["x-zm-request-timestamp"] = ts
	headers["x-zm-signature"] = "v0=" + hex.EncodeToString(mac.Sum(nil))
	return json.Marshal(ev)
}

// invoke invokes the function behind the emulator at addr and checks that it
// answered: without a Lambda error, and for an HTTP function with a status
// below 500.
func invoke(ctx context.Context, addr string, f function, event []byte) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/2015-03-31/functions/function/invocations", bytes.NewReader(event))
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var answer struct {
		ErrorMessage string `json:"errorMessage"`
		StatusCode   int    `json:"statusCode"`
	}
	_ = json.Unmarshal(body, &answer)
	switch {
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("the emulator answered %d: %s", res.StatusCode, body)
	case answer.ErrorMessage != "":
		return fmt.Errorf("the function failed: %s", body)
	case answer.StatusCode >= 500:
		return fmt.Errorf("the function answered %d: %s", answer.StatusCode, body)
	case f.LogicalID == "" && string(body) != `"ok"`:
		return fmt.Errorf("the baseline answered %s", body)
	}
	return nil
}

// freeAddr returns a loopback address no one listens on now.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return ""
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitListening(ctx context.Context, addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.Join(err, ctx.Err())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// lockedBuffer collects the output of a process's pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// quantile is the q-quantile of xs (nearest rank).
func quantile(xs []time.Duration, q float64) time.Duration {
	s := slices.Sorted(slices.Values(xs))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

// archName is GOARCH as Lambda names architectures.
func archName(goarch string) string {
	if goarch == "amd64" {
		return "x86_64"
	}
	return goarch
}

func report(out io.Writer, all []function, sizes map[string]int64, inits map[string][]time.Duration, o options) {
	base := median(inits[baseline.Name])
	fmt.Fprintf(out, "\nCold starts of linux/%s (%s) bootstraps under the Runtime Interface Emulator, %d rounds taking turns;\n",
		runtime.GOARCH, archName(runtime.GOARCH), o.rounds)
	fmt.Fprintf(out, "init is the emulator's INIT REPORT, as Lambda's Init Duration (p25-p75: how much it varied; on a busy\n")
	fmt.Fprintf(out, "machine more rounds steady the medians). Sizes are of the linux/arm64 bootstraps Lambda runs.\n\n")
	fmt.Fprintf(out, "%-14s %14s %12s %16s %12s\n", "function", "arm64 size", "init p50", "p25-p75", "÷ baseline")
	var largest, slowest function
	for _, f := range all {
		p50 := median(inits[f.Name])
		ratio := float64(p50) / float64(base)
		fmt.Fprintf(out, "%-14s %11.2f MB %9.1f ms %16s %12.2f\n", f.Name, float64(sizes[f.Name])/1e6, ms(p50),
			fmt.Sprintf("%.1f-%.1f ms", ms(quantile(inits[f.Name], 0.25)), ms(quantile(inits[f.Name], 0.75))), ratio)
		if f.LogicalID == "" {
			continue
		}
		if largest.Name == "" || sizes[f.Name] > sizes[largest.Name] {
			largest = f
		}
		if slowest.Name == "" || p50 > median(inits[slowest.Name]) {
			slowest = f
		}
	}
	fmt.Fprintln(out)
	size := sizes[largest.Name]
	fmt.Fprintf(out, "goal lean functions, size: largest arm64 bootstrap %s, %.2f MB (at most %d MB): %s\n",
		largest.Name, float64(size)/1e6, maxSize/1_000_000, verdict(float64(size) <= maxSize))
	ratio := float64(median(inits[slowest.Name])) / float64(base)
	fmt.Fprintf(out, "goal lean functions, init: slowest p50 %s, %.1f ms against the baseline's %.1f ms (%s): ratio %.2f (at most %.1f): %s\n",
		slowest.Name, ms(median(inits[slowest.Name])), ms(base), archName(runtime.GOARCH), ratio, maxInitRatio, verdict(ratio <= maxInitRatio))
}

func reportInits(out io.Writer, all []function, traces map[string]map[string][]float64, n int) {
	fmt.Fprintf(out, "\nPackage initialisation (GODEBUG=inittrace=1), median ms over the rounds; the %d most expensive:\n", n)
	for _, f := range all {
		type pkgInit struct {
			pkg string
			ms  float64
		}
		var ps []pkgInit
		total := 0.0
		for pkg, v := range traces[f.Name] {
			p := pkgInit{pkg, median(v)}
			ps = append(ps, p)
			total += p.ms
		}
		slices.SortFunc(ps, func(a, b pkgInit) int { return cmp.Compare(b.ms, a.ms) })
		fmt.Fprintf(out, "%s: %.2f ms in %d packages\n", f.Name, total, len(ps))
		for _, p := range ps[:min(n, len(ps))] {
			fmt.Fprintf(out, "  %6.2f ms  %s\n", p.ms, p.pkg)
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func verdict(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}
