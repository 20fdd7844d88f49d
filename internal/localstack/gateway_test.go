package localstack_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/localstack"
	"zoompool/internal/sam"
)

// anyToken accepts every request, as if it carried a valid token.
type anyToken struct{}

func (anyToken) Verify(context.Context, string) (map[string]string, error) {
	return map[string]string{"sub": "someone"}, nil
}

// gateway is the gateway of template.yaml's routes to stand-in functions
// that answer their logical id.
func gateway(t *testing.T) (*localstack.Gateway, sam.Template) {
	t.Helper()
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	handlers := map[string]*api.Router{}
	for _, f := range tmpl.Functions {
		rt := api.NewRouter(nil)
		for _, r := range f.Routes {
			if !r.Greedy() {
				rt.Handle(r.Method, r.Path, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, f.LogicalID) }))
			}
		}
		handlers[f.LogicalID] = rt
	}
	gw, err := localstack.NewGateway(handlers, localstack.GatewayOptions{Verifier: anyToken{}})
	if err != nil {
		t.Fatal(err)
	}
	return gw, tmpl
}

func serve(gw http.Handler, method, url string) (int, string) {
	rec := httptest.NewRecorder()
	gw.ServeHTTP(rec, httptest.NewRequest(method, url, nil))
	return rec.Code, rec.Body.String()
}

// Every URL of every route, with and without the frontend's trailing slash,
// reaches the function template.yaml gives the route, the slashed one
// through the route's greedy twin.
func TestEveryURLWithATrailingSlashReachesItsFunction(t *testing.T) {
	gw, tmpl := gateway(t)
	pathVar := regexp.MustCompile(`\{[^}]+\}`)
	for _, f := range tmpl.Functions {
		for _, r := range f.Routes {
			if r.Greedy() {
				continue
			}
			url := pathVar.ReplaceAllString(r.Path, "1")
			for _, u := range []string{url, url + "/"} {
				if status, body := serve(gw, r.Method, u); status != 200 || body != f.LogicalID {
					t.Errorf("%s %s: %d %q, want %s", r.Method, u, status, body, f.LogicalID)
				}
			}
			if got, _ := gw.Match(r.Method, url+"/"); got != r.SlashTwin() {
				t.Errorf("%s %s/ is served by %s, want its twin %s", r.Method, url, got, r.SlashTwin())
			}
		}
	}
}

// A request no route matches gets API Gateway's own answer.
func TestUnknownRoutesGetAPIGatewaysAnswer(t *testing.T) {
	gw, _ := gateway(t)
	for _, req := range []struct{ method, url string }{
		{"PUT", "/api/schedule/lessons/1/"},
		{"GET", "/schedule/lesson/1/start/"},
		{"GET", "/api/schedule/lesson/"},
		{"GET", "/"},
		{"GET", "/api/schedule//zoom-accounts/"},
	} {
		status, body := serve(gw, req.method, req.url)
		if status != 404 || strings.TrimSpace(body) != `{"message":"Not Found"}` {
			t.Errorf("%s %s: %d %s, want 404 {\"message\":\"Not Found\"}", req.method, req.url, status, body)
		}
	}
}

// The gateway matches as HTTP APIs do.
func TestGatewayMatchesLikeHTTPAPIs(t *testing.T) {
	gw, _ := gateway(t)
	for _, tc := range []struct {
		method, path string
		want         string // the route, or "" for none
	}{
		{"GET", "/api/schedule/lessons", "GET /api/schedule/lessons"},
		{"GET", "/api/schedule/lessons/", "GET /api/schedule/lessons/{proxy+}"},
		{"GET", "/api/schedule/lessons/L1", "GET /api/schedule/lessons/{id}"},
		{"GET", "/api/schedule/lessons/L1/", "GET /api/schedule/lessons/{id}/{proxy+}"},
		{"GET", "/api/schedule/lessons/L1/a/b", "GET /api/schedule/lessons/{id}/{proxy+}"},
		{"POST", "/api/schedule/recurring-lessons/r1/cancelled-dates", "POST /api/schedule/recurring-lessons/{id}/cancelled-dates"},
		{"POST", "/api/schedule/recurring-lessons/r1/cancelled-dates/", "POST /api/schedule/recurring-lessons/{id}/cancelled-dates/{proxy+}"},
		{"POST", "/api/schedule/recurring-lessons/r1/", "POST /api/schedule/recurring-lessons/{proxy+}"},
		{"GET", "/api/schedule/calendar.ics", "GET /api/schedule/calendar.ics"},
		{"POST", "/schedule/lesson//start", ""},
		{"DELETE", "/api/schedule/lessons", ""},
	} {
		got, ok := gw.Match(tc.method, tc.path)
		if want := tc.want; ok != (want != "") || ok && got.String() != want {
			t.Errorf("%s %s matches %v (%v), want %q", tc.method, tc.path, got, ok, want)
		}
	}
}
