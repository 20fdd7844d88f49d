package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"

	"zoompool/internal/pool"
)

// Roles a caller may hold, as group names in the roles claim.
const (
	RoleAdmin   = "admin"
	RoleTeacher = "teacher"
)

// Identity names the token claims that say who a caller is.
type Identity struct {
	// RolesClaim holds the caller's roles (ROLES_CLAIM): a list, or values
	// separated by spaces or commas.
	RolesClaim string
	// TeacherIDClaim holds the caller's teacher id (TEACHER_ID_CLAIM): the
	// teacher_id of the lessons a teacher owns.
	TeacherIDClaim string
}

// DefaultIdentity reads Cognito's tokens: roles are the user pool groups, and
// a teacher's id is the user's sub.
var DefaultIdentity = Identity{RolesClaim: "cognito:groups", TeacherIDClaim: "sub"}

// Caller is who is making a request.
type Caller struct {
	// Subject identifies the caller ("sub" claim), or "anonymous".
	Subject string
	// SignedIn is true when the request carries claims verified by API
	// Gateway's JWT authorizer (or the local gateway, which checks alike).
	SignedIn bool
	// TeacherID is the caller's teacher id, from the teacher id claim.
	TeacherID string
	// Roles are the caller's roles, from the roles claim.
	Roles []string
	// Claims are the JWT claims that API Gateway's authorizer verified.
	Claims map[string]string
}

type identityKey struct{}

// withIdentity tells CallerOf which claims to read for requests in ctx.
func withIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// CallerOf returns the caller of r, from the JWT authorizer's claims that API
// Gateway puts in the request context (the local gateway puts them in the same
// place). It is the one place that reads identity. A request without verified
// claims, or whose claims have no sub, is anonymous.
func CallerOf(r *http.Request) Caller {
	id, ok := r.Context().Value(identityKey{}).(Identity)
	if !ok {
		id = DefaultIdentity
	}
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil || rc.Authorizer.JWT.Claims["sub"] == "" {
		return Caller{Subject: "anonymous"}
	}
	claims := rc.Authorizer.JWT.Claims
	c := Caller{Subject: claims["sub"], SignedIn: true, Claims: claims, TeacherID: claims[id.TeacherIDClaim]}
	for _, role := range ClaimList(claims[id.RolesClaim]) {
		if role == RoleAdmin || role == RoleTeacher {
			c.Roles = append(c.Roles, role)
		}
	}
	if !pool.ValidPersonID(c.TeacherID) {
		c.TeacherID = "" // no id a lesson could have: such a teacher owns nothing
	}
	return c
}

// ClaimList reads a claim that holds a list as API Gateway passes it on:
// "[admin teacher]", a JSON list (["admin","teacher"]), or one or more
// values separated by spaces or commas ("admin teacher", "admin,teacher").
func ClaimList(v string) []string {
	v = strings.TrimSpace(v)
	if strings.HasPrefix(v, "[") && strings.HasSuffix(v, "]") {
		var list []string
		if json.Unmarshal([]byte(v), &list) == nil {
			return list
		}
		v = v[1 : len(v)-1]
	}
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
}

// IsAdmin reports whether the caller holds the admin role.
func (c Caller) IsAdmin() bool { return c.SignedIn && slices.Contains(c.Roles, RoleAdmin) }

// IsTeacher reports whether the caller holds the teacher role.
func (c Caller) IsTeacher() bool { return c.SignedIn && slices.Contains(c.Roles, RoleTeacher) }

// errUnauthorized refuses a request that reached a function without verified
// claims: a route the template left without its authorizer by mistake.
var errUnauthorized = &pool.Error{Kind: pool.KindUnauthorized, Code: "unauthorized",
	Message: "sign in first: send the token of your identity provider as Authorization: Bearer <token>"}
