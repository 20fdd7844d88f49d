package localstack

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/sam"
)

// Gateway stands in for API Gateway's HTTP API: it serves the HttpApi routes
// that template.yaml declares, and only those, each by its function's handler
// (by logical id). It matches them as HTTP APIs do: a route's {name} matches
// one non-empty path segment, and a last {name+} matches the rest of the
// path after its slash, however many segments, the empty rest of a trailing
// slash included; a route without a greedy variable wins over one with, and
// a longer greedy route over a shorter one. A request that matches no route
// gets API Gateway's own answer, 404 {"message":"Not Found"}.
//
// So /x/ reaches a function locally exactly when it does in AWS: through the
// route /x/{proxy+} that template.yaml declares next to /x.
type Gateway struct {
	routes []gatewayRoute
}

type gatewayRoute struct {
	sam.Route
	function string
	segments []string
	handler  http.Handler
}

// NewGateway returns the gateway of template.yaml's routes to handlers.
func NewGateway(handlers map[string]*api.Router, log *slog.Logger) (*Gateway, error) {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return nil, err
	}
	g := &Gateway{}
	for _, f := range tmpl.Functions {
		if len(f.Routes) == 0 {
			continue
		}
		h, ok := handlers[f.LogicalID]
		if !ok {
			return nil, fmt.Errorf("template.yaml routes requests to %s, which has no handler", f.LogicalID)
		}
		for _, r := range f.Routes {
			segs := strings.Split(strings.TrimPrefix(r.Path, "/"), "/")
			for i, s := range segs {
				if strings.HasSuffix(s, "+}") && i != len(segs)-1 {
					return nil, fmt.Errorf("template.yaml route %s: a greedy variable must end the path", r)
				}
			}
			g.routes = append(g.routes, gatewayRoute{Route: r, function: f.LogicalID, segments: segs, handler: h})
		}
	}
	return g, nil
}

// Routes lists the routes the gateway serves, greedy twins included, in
// template order.
func (g *Gateway) Routes() []sam.Route {
	out := make([]sam.Route, len(g.routes))
	for i, r := range g.routes {
		out[i] = r.Route
	}
	return out
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rt, values := g.match(r.Method, r.URL.Path)
	if rt == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"Not Found"}` + "\n"))
		return
	}
	for name, v := range values {
		r.SetPathValue(name, v)
	}
	rt.handler.ServeHTTP(w, r)
}

// Match returns the route that serves method and path, if any.
func (g *Gateway) Match(method, path string) (sam.Route, bool) {
	rt, _ := g.match(method, path)
	if rt == nil {
		return sam.Route{}, false
	}
	return rt.Route, true
}

// match finds the best route for method and path, and its path variables.
func (g *Gateway) match(method, path string) (*gatewayRoute, map[string]string) {
	parts := strings.Split(strings.TrimPrefix(path, "/"), "/")
	var best *gatewayRoute
	var bestValues map[string]string
	bestRank := -1
	for i := range g.routes {
		rt := &g.routes[i]
		if rt.Method != method {
			continue
		}
		values, rank, ok := matchSegments(rt.segments, parts)
		if ok && rank > bestRank {
			best, bestValues, bestRank = rt, values, rank
		}
	}
	return best, bestValues
}

// matchSegments matches a route's segments against a path's. rank orders
// matches: any exact one above every greedy one, and greedy ones by the
// number of segments before their variable.
func matchSegments(route, path []string) (values map[string]string, rank int, ok bool) {
	values = map[string]string{}
	for i, seg := range route {
		name, isVar := strings.CutPrefix(seg, "{")
		name, _ = strings.CutSuffix(name, "}")
		if greedy, isGreedy := strings.CutSuffix(name, "+"); isVar && isGreedy {
			if len(path) <= i {
				return nil, 0, false
			}
			values[greedy] = strings.Join(path[i:], "/")
			return values, i, true
		}
		switch {
		case i >= len(path):
			return nil, 0, false
		case isVar && path[i] != "":
			values[name] = path[i]
		case isVar || seg != path[i]:
			return nil, 0, false
		}
	}
	if len(path) != len(route) {
		return nil, 0, false
	}
	return values, len(route) + 1<<16, true
}
