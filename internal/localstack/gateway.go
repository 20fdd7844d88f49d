package localstack

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool"
	"zoompool/internal/api"
	"zoompool/internal/auth"
	"zoompool/internal/sam"
)

// TokenVerifier checks the Authorization header of a request as API
// Gateway's JWT authorizer does, and returns the claims it would pass on.
type TokenVerifier interface {
	Verify(ctx context.Context, authorization string) (map[string]string, error)
}

// GatewayOptions configures a Gateway.
type GatewayOptions struct {
	// Verifier checks the tokens of every route that has the JWT authorizer.
	// It is required: authorization cannot be switched off.
	Verifier TokenVerifier
	// AllowedOrigins are the browser origins allowed to call the API ("*":
	// any), answered with template.yaml's CorsConfiguration. None: no CORS.
	AllowedOrigins []string
	Log            *slog.Logger
}

// MaxPayload is the largest request body API Gateway's HTTP APIs accept.
const MaxPayload = 10 << 20

// Gateway stands in for API Gateway: it routes the HttpApi routes that
// template.yaml declares, and only those, to their functions' handlers (by
// logical id), checks the bearer token of every route but those with
// Authorizer: NONE as the JWT authorizer does, and hands the function the
// request as a Lambda proxy event (payload format 2.0) with the verified
// claims in its request context, through the same adapter the Lambda
// functions run. It answers CORS preflight requests as the HttpApi's
// CorsConfiguration makes API Gateway do.
//
// It matches routes as HTTP APIs do: a route's {name} matches one non-empty
// path segment, and a last {name+} matches the rest of the path after its
// slash, however many segments, the empty rest of a trailing slash included;
// a route without a greedy variable wins over one with, and a longer greedy
// route over a shorter one. A request that matches no route gets API
// Gateway's own answer, 404 {"message":"Not Found"}. So /x/ reaches a
// function locally exactly when it does in AWS: through the route
// /x/{proxy+} that template.yaml declares next to /x.
type Gateway struct {
	routes   []gatewayRoute
	verifier TokenVerifier
	cors     *sam.Cors
	origins  []string
	log      *slog.Logger
}

// gatewayRoute is one template route and the gateway's handler of it.
type gatewayRoute struct {
	sam.Route
	segments []string
	handler  http.Handler
}

var pathParam = regexp.MustCompile(`\{([A-Za-z0-9_]+)\+?\}`)

// NewGateway returns the gateway of template.yaml's routes to handlers.
func NewGateway(handlers map[string]*api.Router, opts GatewayOptions) (*Gateway, error) {
	if opts.Verifier == nil {
		return nil, errors.New("gateway: no token verifier: every route but the public ones needs one")
	}
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return nil, err
	}
	g := &Gateway{verifier: opts.Verifier, origins: opts.AllowedOrigins, log: opts.Log}
	if g.log == nil {
		g.log = slog.Default()
	}
	if len(tmpl.APIs) == 1 {
		g.cors = tmpl.APIs[0].Cors
	}
	if len(g.origins) > 0 && g.cors == nil {
		return nil, errors.New("gateway: allowed origins are set, but template.yaml's HttpApi has no CorsConfiguration")
	}
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
			g.routes = append(g.routes, gatewayRoute{Route: r, segments: segs, handler: g.route(r, h)})
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

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	origin := r.Header.Get("Origin")
	if g.cors != nil && len(g.origins) > 0 {
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			g.preflight(w, origin)
			return
		}
		if allowed := g.allowedOrigin(origin); allowed != "" {
			w.Header().Set("Access-Control-Allow-Origin", allowed)
			if len(g.cors.ExposeHeaders) > 0 {
				w.Header().Set("Access-Control-Expose-Headers", strings.Join(g.cors.ExposeHeaders, ","))
			}
			w.Header().Add("Vary", "Origin")
		}
	}
	rt, values := g.match(r.Method, r.URL.Path)
	if rt == nil {
		gatewayAnswer(w, http.StatusNotFound, "Not Found")
		return
	}
	for name, v := range values {
		r.SetPathValue(name, v)
	}
	rt.handler.ServeHTTP(w, r)
}

// preflight answers a CORS preflight request itself, as API Gateway does when
// the API has a CorsConfiguration: with the allowed methods and headers for
// an allowed origin, and with no CORS headers (so the browser refuses) for
// any other.
func (g *Gateway) preflight(w http.ResponseWriter, origin string) {
	if allowed := g.allowedOrigin(origin); allowed != "" {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", allowed)
		h.Set("Access-Control-Allow-Methods", strings.Join(g.cors.AllowMethods, ","))
		h.Set("Access-Control-Allow-Headers", strings.Join(g.cors.AllowHeaders, ","))
		if g.cors.MaxAge > 0 {
			h.Set("Access-Control-Max-Age", strconv.Itoa(g.cors.MaxAge))
		}
		h.Add("Vary", "Origin")
	}
	w.WriteHeader(http.StatusNoContent)
}

// allowedOrigin is the Access-Control-Allow-Origin answer for origin, or "".
func (g *Gateway) allowedOrigin(origin string) string {
	switch {
	case origin == "":
		return ""
	case slices.Contains(g.origins, "*"):
		return "*"
	case slices.Contains(g.origins, origin):
		return origin
	}
	return ""
}

// route is the gateway's handler of one template route.
func (g *Gateway) route(rt sam.Route, h http.Handler) http.Handler {
	var params []string
	for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
		params = append(params, m[1])
	}
	fn := httpadapter.NewV2(h)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var claims map[string]string
		if !rt.Public() {
			var err error
			if claims, err = g.verifier.Verify(r.Context(), r.Header.Get("Authorization")); err != nil {
				g.unauthorized(w, r, err)
				return
			}
		}
		ev, err := proxyEvent(r, rt, params, claims)
		if err != nil {
			gatewayAnswer(w, http.StatusRequestEntityTooLarge, "Request Entity Too Large")
			return
		}
		res, err := fn.ProxyWithContext(r.Context(), ev)
		if err != nil {
			g.log.Error("function failed", "route", rt.String(), "err", err)
			gatewayAnswer(w, http.StatusInternalServerError, "Internal Server Error")
			return
		}
		writeProxyResponse(w, res)
	})
}

// unauthorized answers as API Gateway's JWT authorizer refuses a request:
// 401 {"message":"Unauthorized"}, saying why in WWW-Authenticate.
func (g *Gateway) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	why := "the token could not be checked"
	if te, ok := errors.AsType[*auth.TokenError](err); ok {
		why = te.Description
	} else {
		g.log.Error("cannot check tokens", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Bearer scope="" error="invalid_token" error_description=%q`, why))
	gatewayAnswer(w, http.StatusUnauthorized, "Unauthorized")
}

// gatewayAnswer writes an answer of API Gateway itself.
func gatewayAnswer(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, "{\"message\":%q}\n", message)
}

// proxyEvent is the Lambda proxy event (payload format 2.0) API Gateway would
// send for r on route rt, with the authorizer's claims.
func proxyEvent(r *http.Request, rt sam.Route, params []string, claims map[string]string) (events.APIGatewayV2HTTPRequest, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxPayload+1))
	if err != nil {
		return events.APIGatewayV2HTTPRequest{}, err
	}
	if len(body) > MaxPayload {
		return events.APIGatewayV2HTTPRequest{}, errors.New("payload too large")
	}
	now := time.Now()
	routeKey := rt.String()
	ev := events.APIGatewayV2HTTPRequest{
		Version: "2.0", RouteKey: routeKey, RawPath: r.URL.EscapedPath(), RawQueryString: r.URL.RawQuery,
		Headers: map[string]string{}, QueryStringParameters: map[string]string{}, PathParameters: map[string]string{},
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey: routeKey, AccountID: "local", APIID: "local", Stage: "$default", DomainName: r.Host,
			DomainPrefix: strings.SplitN(r.Host, ".", 2)[0], RequestID: requestID(), Time: now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch: now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: r.Method, Path: r.URL.Path, Protocol: r.Proto,
				SourceIP: sourceIP(r), UserAgent: r.UserAgent()},
		},
	}
	if claims != nil {
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: claims, Scopes: nil},
		}
	}
	for name, values := range r.Header {
		if strings.EqualFold(name, "Cookie") {
			for _, v := range values {
				ev.Cookies = append(ev.Cookies, strings.Split(v, "; ")...)
			}
			continue
		}
		ev.Headers[strings.ToLower(name)] = strings.Join(values, ",")
	}
	ev.Headers["host"] = r.Host
	ev.Headers["x-forwarded-proto"] = "http"
	ev.Headers["x-forwarded-for"] = sourceIP(r)
	for name, values := range r.URL.Query() {
		ev.QueryStringParameters[name] = strings.Join(values, ",")
	}
	for _, p := range params {
		ev.PathParameters[p] = r.PathValue(p)
	}
	if utf8.Valid(body) {
		ev.Body = string(body)
	} else {
		ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
	}
	return ev, nil
}

// writeProxyResponse writes a function's proxy response as API Gateway does.
func writeProxyResponse(w http.ResponseWriter, res events.APIGatewayV2HTTPResponse) {
	h := w.Header()
	for k, v := range res.Headers {
		h.Set(k, v)
	}
	for k, vs := range res.MultiValueHeaders {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	for _, c := range res.Cookies {
		h.Add("Set-Cookie", c)
	}
	body := []byte(res.Body)
	if res.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(res.Body); err == nil {
			body = b
		}
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(res.StatusCode)
	_, _ = io.Copy(w, bytes.NewReader(body))
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func requestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
