package sam_test

import (
	"strings"
	"testing"

	"zoompool"
	"zoompool/internal/sam"
)

// Every route of the API needs a token, except the Zoom webhook (signed by
// Zoom), the iCalendar feed (reached by a signed link) and the console's page
// and assets (which hold no data); `sam deploy --guided` asks no question
// about missing authorization, because the API and those routes say how they
// are authorized.
func TestEveryRouteButThePublicOnesHasTheJWTAuthorizer(t *testing.T) {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.APIs) != 1 {
		t.Fatalf("template declares %d HTTP APIs, want 1", len(tmpl.APIs))
	}
	api := tmpl.APIs[0]
	if api.DefaultAuthorizer == "" || len(api.Authorizers) != 1 || api.Authorizers[0] != api.DefaultAuthorizer {
		t.Errorf("API %s: default authorizer %q of %v, want its one authorizer as the default", api.LogicalID, api.DefaultAuthorizer, api.Authorizers)
	}
	if api.Cors == nil || len(api.Cors.AllowHeaders) == 0 || len(api.Cors.AllowMethods) == 0 {
		t.Errorf("API %s has no CorsConfiguration with methods and headers: %+v", api.LogicalID, api.Cors)
	}
	public := map[string]bool{"POST /schedule/webhook/zoom": true, "GET /api/schedule/calendar.ics": true,
		"GET /console": true, "GET /console/{file}": true}
	n := 0
	for _, f := range tmpl.Functions {
		for _, r := range f.Routes {
			n++
			base := r // a twin path/{proxy+} is authorized as its route
			base.Path = strings.TrimSuffix(r.Path, "/{proxy+}")
			if want := public[base.String()]; r.Public() != want {
				t.Errorf("%s (%s): public %v, want %v", r, f.LogicalID, r.Public(), want)
			}
			if r.Authorizer != "" && r.Authorizer != sam.NoAuthorizer {
				t.Errorf("%s names authorizer %q; routes use the API's default or NONE", r, r.Authorizer)
			}
		}
	}
	if n < 20 {
		t.Errorf("template has %d routes; expected the whole API", n)
	}
}
