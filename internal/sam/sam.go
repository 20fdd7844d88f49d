// Package sam reads what the local stack needs from the SAM template: the
// functions with their HTTP routes and schedules, and the table definition.
package sam

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Template is the part of a SAM template that the local stack uses.
type Template struct {
	Functions []Function
	Table     Table
	// APIs are the AWS::Serverless::HttpApi resources.
	APIs []HTTPAPI
}

// HTTPAPI is an AWS::Serverless::HttpApi: how it authorizes requests and
// answers browsers.
type HTTPAPI struct {
	LogicalID string
	// DefaultAuthorizer guards every route that names no authorizer of its own.
	DefaultAuthorizer string
	// Authorizers are the names of the authorizers it defines.
	Authorizers []string
	// Cors is its CorsConfiguration (the branch used when origins are
	// allowed, if it is conditional), or nil.
	Cors *Cors
}

// Cors is an HttpApi's CorsConfiguration, without its origins (a parameter).
type Cors struct {
	AllowMethods  []string `yaml:"AllowMethods"`
	AllowHeaders  []string `yaml:"AllowHeaders"`
	ExposeHeaders []string `yaml:"ExposeHeaders"`
	MaxAge        int      `yaml:"MaxAge"`
}

// Function is an AWS::Serverless::Function.
type Function struct {
	LogicalID string
	// BuildMethod is Metadata.BuildMethod ("makefile" for every function here).
	BuildMethod string
	Routes      []Route
	// Schedules are the expressions of its Schedule and ScheduleV2 events.
	Schedules []string
	// Environment is the function's own variables (Globals excluded); values
	// that are intrinsic functions appear as the name they refer to, those
	// chosen with !If as its first branch's, and other lists as "".
	Environment map[string]string
	// Timeout is how many seconds Lambda lets one invocation run: the
	// function's own Timeout, or Globals' (SAM's default, 3, without either).
	Timeout int
}

// Route is an HttpApi event: a method and a path such as /api/lessons/{id}.
type Route struct {
	Method string
	Path   string
	// Authorizer is the event's Auth.Authorizer: "" for its API's default
	// authorizer, or NoAuthorizer for a route that anyone may call.
	Authorizer string
}

// NoAuthorizer is the Auth.Authorizer of a route without authorization.
const NoAuthorizer = "NONE"

// Public reports whether the route is called without a token.
func (r Route) Public() bool { return r.Authorizer == NoAuthorizer }

func (r Route) String() string { return r.Method + " " + r.Path }

// Greedy reports whether the route's path ends in a greedy variable, such as
// /api/lessons/{proxy+}, which matches the rest of a path.
func (r Route) Greedy() bool {
	return strings.HasSuffix(r.Path, "+}") && strings.LastIndex(r.Path, "/{") >= 0
}

// SlashTwin is the route that serves r's URLs with a trailing slash: r on the
// path r.Path/{proxy+}. HTTP APIs refuse routes that end in a slash and do
// not promise to route /x/ to /x, so each route /x has this twin.
func (r Route) SlashTwin() Route {
	r.Path += "/{proxy+}"
	return r
}

// Table is the AWS::DynamoDB::Table resource's key schema and indexes.
type Table struct {
	LogicalID              string
	BillingMode            string
	AttributeDefinitions   []AttributeDefinition
	KeySchema              []KeyElement
	GlobalSecondaryIndexes []Index
	DeletionProtection     bool
	PointInTimeRecovery    bool
	// TimeToLiveAttribute is the attribute whose time (seconds since 1970)
	// lets DynamoDB delete an item, "" when TTL is off.
	TimeToLiveAttribute string
}

// AttributeDefinition declares a key attribute's type.
type AttributeDefinition struct {
	AttributeName string `yaml:"AttributeName"`
	AttributeType string `yaml:"AttributeType"`
}

// KeyElement is one element of a key schema.
type KeyElement struct {
	AttributeName string `yaml:"AttributeName"`
	KeyType       string `yaml:"KeyType"`
}

// Index is a global secondary index.
type Index struct {
	IndexName  string       `yaml:"IndexName"`
	KeySchema  []KeyElement `yaml:"KeySchema"`
	Projection struct {
		ProjectionType   string   `yaml:"ProjectionType"`
		NonKeyAttributes []string `yaml:"NonKeyAttributes"`
	} `yaml:"Projection"`
}

type document struct {
	Globals struct {
		Function struct {
			Timeout int `yaml:"Timeout"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type     string `yaml:"Type"`
		Metadata struct {
			BuildMethod string `yaml:"BuildMethod"`
		} `yaml:"Metadata"`
		Properties yaml.Node `yaml:"Properties"`
	} `yaml:"Resources"`
}

type functionProps struct {
	Timeout     int `yaml:"Timeout"`
	Environment struct {
		Variables map[string]yaml.Node `yaml:"Variables"`
	} `yaml:"Environment"`
	Events map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			Method             string `yaml:"Method"`
			Path               string `yaml:"Path"`
			Schedule           string `yaml:"Schedule"`
			ScheduleExpression string `yaml:"ScheduleExpression"`
			Auth               struct {
				Authorizer string `yaml:"Authorizer"`
			} `yaml:"Auth"`
		} `yaml:"Properties"`
	} `yaml:"Events"`
}

type httpAPIProps struct {
	Auth struct {
		DefaultAuthorizer string               `yaml:"DefaultAuthorizer"`
		Authorizers       map[string]yaml.Node `yaml:"Authorizers"`
	} `yaml:"Auth"`
	CorsConfiguration yaml.Node `yaml:"CorsConfiguration"`
}

type tableProps struct {
	BillingMode                      string                `yaml:"BillingMode"`
	DeletionProtectionEnabled        bool                  `yaml:"DeletionProtectionEnabled"`
	AttributeDefinitions             []AttributeDefinition `yaml:"AttributeDefinitions"`
	KeySchema                        []KeyElement          `yaml:"KeySchema"`
	GlobalSecondaryIndexes           []Index               `yaml:"GlobalSecondaryIndexes"`
	PointInTimeRecoverySpecification struct {
		PointInTimeRecoveryEnabled bool `yaml:"PointInTimeRecoveryEnabled"`
	} `yaml:"PointInTimeRecoverySpecification"`
	TimeToLiveSpecification struct {
		AttributeName string `yaml:"AttributeName"`
		Enabled       bool   `yaml:"Enabled"`
	} `yaml:"TimeToLiveSpecification"`
}

// samDefaultTimeout is a function's timeout in seconds when the template sets none.
const samDefaultTimeout = 3

// Parse reads a SAM template. It expects exactly one DynamoDB table.
func Parse(data []byte) (Template, error) {
	var doc document
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return Template{}, fmt.Errorf("parse template: %w", err)
	}
	var t Template
	tables := 0
	for _, id := range sortedKeys(doc.Resources) {
		res := doc.Resources[id]
		switch res.Type {
		case "AWS::Serverless::Function":
			var p functionProps
			if err := res.Properties.Decode(&p); err != nil {
				return Template{}, fmt.Errorf("function %s: %w", id, err)
			}
			f := Function{LogicalID: id, BuildMethod: res.Metadata.BuildMethod, Environment: variables(p.Environment.Variables),
				Timeout: cmp.Or(p.Timeout, doc.Globals.Function.Timeout, samDefaultTimeout)}
			for _, name := range sortedKeys(p.Events) {
				ev := p.Events[name]
				switch ev.Type {
				case "HttpApi":
					f.Routes = append(f.Routes, Route{Method: strings.ToUpper(ev.Properties.Method), Path: ev.Properties.Path,
						Authorizer: ev.Properties.Auth.Authorizer})
				case "Schedule", "ScheduleV2":
					f.Schedules = append(f.Schedules, ev.Properties.Schedule+ev.Properties.ScheduleExpression)
				}
			}
			t.Functions = append(t.Functions, f)
		case "AWS::Serverless::HttpApi":
			var p httpAPIProps
			if err := res.Properties.Decode(&p); err != nil {
				return Template{}, fmt.Errorf("HTTP API %s: %w", id, err)
			}
			api := HTTPAPI{LogicalID: id, DefaultAuthorizer: p.Auth.DefaultAuthorizer, Authorizers: sortedKeys(p.Auth.Authorizers)}
			if cors := conditional(&p.CorsConfiguration); cors != nil && cors.Kind == yaml.MappingNode {
				api.Cors = &Cors{}
				if err := cors.Decode(api.Cors); err != nil {
					return Template{}, fmt.Errorf("HTTP API %s: CorsConfiguration: %w", id, err)
				}
			}
			t.APIs = append(t.APIs, api)
		case "AWS::DynamoDB::Table":
			tables++
			var p tableProps
			if err := res.Properties.Decode(&p); err != nil {
				return Template{}, fmt.Errorf("table %s: %w", id, err)
			}
			t.Table = Table{
				LogicalID: id, BillingMode: p.BillingMode,
				AttributeDefinitions: p.AttributeDefinitions, KeySchema: p.KeySchema,
				GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
				DeletionProtection:     p.DeletionProtectionEnabled,
				PointInTimeRecovery:    p.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled,
			}
			if ttl := p.TimeToLiveSpecification; ttl.Enabled {
				t.Table.TimeToLiveAttribute = ttl.AttributeName
			}
		}
	}
	if tables != 1 {
		return Template{}, fmt.Errorf("template declares %d DynamoDB tables, want 1", tables)
	}
	return t, nil
}

// conditional returns the value of n, or of its first branch when n is an
// !If [condition, then, else].
func conditional(n *yaml.Node) *yaml.Node {
	if n.Tag == "!If" && n.Kind == yaml.SequenceNode && len(n.Content) == 3 {
		return n.Content[1]
	}
	return n
}

// variables are environment variables as Function.Environment has them.
func variables(nodes map[string]yaml.Node) map[string]string {
	if nodes == nil {
		return nil
	}
	out := make(map[string]string, len(nodes))
	for name, n := range nodes {
		if v := conditional(&n); v.Kind == yaml.ScalarNode {
			out[name] = v.Value
		} else {
			out[name] = ""
		}
	}
	return out
}

// Function returns the function with the given logical id.
func (t Template) Function(logicalID string) (Function, bool) {
	i := slices.IndexFunc(t.Functions, func(f Function) bool { return f.LogicalID == logicalID })
	if i < 0 {
		return Function{}, false
	}
	return t.Functions[i], true
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
