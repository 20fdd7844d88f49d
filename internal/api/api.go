// Package api is the HTTP face of Zoom Pool: one http.Handler per Lambda
// function, mounted unchanged by the local runner. Every answer is JSON; every
// error has the shape {"status":"error","error":code,"message":sentence}, and
// errors map to HTTP statuses in exactly one place (statusOf).
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// MaxBodyBytes is the largest request body any route accepts.
const MaxBodyBytes = 1 << 20

// Route is a method and a path pattern as template.yaml writes them
// (/api/schedule/lessons/{id}, no trailing slash).
type Route struct {
	Method string
	Path   string
}

func (r Route) String() string { return r.Method + " " + r.Path }

// Router routes requests to handlers by method and path. Each path is served
// with and without a trailing slash; unknown paths get a JSON 404 and known
// paths with another method a JSON 405 with an Allow header.
type Router struct {
	mux     *http.ServeMux
	log     *slog.Logger
	routes  []Route
	methods map[string][]string // path -> methods
	// metrics records the handlers' metrics; nil records none.
	metrics *metrics.Recorder
	// identity names the claims CallerOf reads.
	identity Identity
}

// NewRouter returns an empty router that logs faults to log.
func NewRouter(log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	rt := &Router{mux: http.NewServeMux(), log: log, methods: map[string][]string{}, identity: DefaultIdentity}
	rt.mux.Handle("/", rt.errors(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusNotFound, code: "not_found",
			message: fmt.Sprintf("there is no route %s %s", r.Method, r.URL.Path)}
	}))
	return rt
}

// Handle routes method and path to h.
func (rt *Router) Handle(method, path string, h http.Handler) {
	path = strings.TrimSuffix(path, "/")
	if _, known := rt.methods[path]; !known {
		notAllowed := rt.errors(func(w http.ResponseWriter, r *http.Request) error {
			allowed := rt.methods[path]
			w.Header().Set("Allow", strings.Join(allowed, ", "))
			return &httpError{status: http.StatusMethodNotAllowed, code: "method_not_allowed",
				message: fmt.Sprintf("%s does not accept %s; use %s", r.URL.Path, r.Method, strings.Join(allowed, " or "))}
		})
		rt.mux.Handle(path, notAllowed)
		rt.mux.Handle(path+"/{$}", notAllowed)
	}
	rt.methods[path] = append(rt.methods[path], method)
	rt.routes = append(rt.routes, Route{Method: method, Path: path})
	rt.mux.Handle(method+" "+path, h)
	rt.mux.Handle(method+" "+path+"/{$}", h)
}

// SetIdentity names the claims that say who a caller is (ROLES_CLAIM,
// TEACHER_ID_CLAIM); DefaultIdentity until set.
func (rt *Router) SetIdentity(id Identity) {
	if id.RolesClaim == "" {
		id.RolesClaim = DefaultIdentity.RolesClaim
	}
	if id.TeacherIDClaim == "" {
		id.TeacherIDClaim = DefaultIdentity.TeacherIDClaim
	}
	rt.identity = id
}

// handle routes method and path to a handler that returns its error. The
// handler runs only for signed-in callers: a request without verified claims
// answers 401 (it can reach a function only through a route that lost its
// authorizer), so the API fails closed.
func (rt *Router) handle(method, path string, h func(w http.ResponseWriter, r *http.Request) error) {
	rt.Handle(method, path, rt.errors(func(w http.ResponseWriter, r *http.Request) error {
		if !CallerOf(r).SignedIn {
			w.Header().Set("WWW-Authenticate", "Bearer")
			return errUnauthorized
		}
		return h(w, r)
	}))
}

// handlePublic routes method and path to a handler that any caller reaches:
// one that authenticates requests by itself (a signature, a signed link).
func (rt *Router) handlePublic(method, path string, h func(w http.ResponseWriter, r *http.Request) error) {
	rt.Handle(method, path, rt.errors(h))
}

// Routes lists what the router serves, in the order it was told.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// ServeHTTP implements http.Handler. A panic in a handler answers 500 and is
// logged; it never takes the process down.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			rt.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path, "panic", p)
			writeError(w, errors.New("panic"))
		}
	}()
	if p := r.URL.Path; p != cleanPath(p) {
		// http.ServeMux would answer with an HTML redirect to the clean path.
		writeError(w, &httpError{status: http.StatusNotFound, code: "not_found",
			message: fmt.Sprintf("there is no route %s %s: a path has no empty, '.' or '..' segments", r.Method, p)})
		return
	}
	rt.mux.ServeHTTP(w, r.WithContext(withIdentity(r.Context(), rt.identity)))
}

// cleanPath is p without empty, '.' and '..' segments, keeping a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// errors adapts a handler that returns an error, writing the error as JSON.
func (rt *Router) errors(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		if statusOf(err) >= 500 {
			rt.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "caller", CallerOf(r).Subject, "err", err)
		}
		writeError(w, err)
	})
}

// httpError is an error of the transport itself: routing, body size, JSON syntax.
type httpError struct {
	status  int
	code    string
	message string
}

func (e *httpError) Error() string { return e.message }

// statusOf is the one map from errors to HTTP statuses.
func statusOf(err error) int {
	if he, ok := errors.AsType[*httpError](err); ok {
		return he.status
	}
	switch pool.ErrorKind(err) {
	case pool.KindInvalid:
		return http.StatusBadRequest
	case pool.KindUnauthorized:
		return http.StatusUnauthorized
	case pool.KindForbidden:
		return http.StatusForbidden
	case pool.KindNotFound:
		return http.StatusNotFound
	case pool.KindConflict:
		return http.StatusConflict
	case pool.KindExhausted:
		return http.StatusTooManyRequests
	case pool.KindUnavailable:
		if e, ok := errors.AsType[*pool.Error](err); ok && e.Code == "zoom_unavailable" {
			return http.StatusBadGateway
		}
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

type errorBody struct {
	Status  string `json:"status"`
	Error   string `json:"error"`
	Message string `json:"message"`
}

func writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	body := errorBody{Status: "error", Error: "internal_error",
		Message: "something went wrong on our side; nothing was changed that cannot be undone, please try again"}
	if he, ok := errors.AsType[*httpError](err); ok {
		body.Error, body.Message = he.code, he.message
	} else if pe, ok := errors.AsType[*pool.Error](err); ok && pe.Kind != pool.KindInternal {
		body.Error, body.Message = pe.Code, pe.Message
		if pe.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(pe.RetryAfter.Seconds())))
		}
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// readBody reads the request body, at most MaxBodyBytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return nil, &httpError{status: http.StatusRequestEntityTooLarge, code: "body_too_large",
			message: fmt.Sprintf("the request body is larger than %d bytes", MaxBodyBytes)}
	}
	if err != nil {
		return nil, &httpError{status: http.StatusBadRequest, code: "invalid_request", message: "the request body could not be read"}
	}
	return body, nil
}

// decodeJSON decodes a body holding one JSON object into dst. Fields dst does
// not have are ignored, as the frontend may send read-only fields back.
func decodeJSON(body []byte, dst any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return pool.Invalidf("the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(dst); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return pool.Invalidf("the request body must hold one JSON object and nothing after it")
	}
	return nil
}

func jsonError(err error) error {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return pool.Invalidf("the request body is not valid JSON: %s (at byte %d)", se.Error(), se.Offset)
	}
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if te.Field == "" {
			return pool.Invalidf("the request body must be a JSON object, not %s", te.Value)
		}
		return pool.Invalidf("%s must be %s, not %s", te.Field, jsonTypeName(te.Type.String()), te.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return pool.Invalidf("the request body is not valid JSON: it ends too early")
	}
	return pool.Invalidf("the request body is not valid JSON: %v", err)
}

func jsonTypeName(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "string":
		return "a string"
	case "int", "int64":
		return "a whole number"
	case "bool":
		return "true or false"
	case "[]string":
		return "a list of strings"
	}
	return "a " + goType
}

// decodeBody reads and decodes the request's JSON object into dst.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, dst)
}

var reflectString = reflect.TypeFor[string]()

// jsonKind names the kind of a JSON value, as encoding/json's errors do.
func jsonKind(b []byte) string {
	switch b = bytes.TrimSpace(b); {
	case len(b) == 0:
		return "nothing"
	case b[0] == '"':
		return "string"
	case b[0] == '{':
		return "object"
	case b[0] == '[':
		return "array"
	case b[0] == 't' || b[0] == 'f':
		return "bool"
	case b[0] == 'n':
		return "null"
	}
	return "number " + string(b)
}
