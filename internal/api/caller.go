package api

import (
	"net/http"

	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// Caller is who is making a request.
type Caller struct {
	// Subject identifies the caller ("sub" claim), or "anonymous".
	Subject string
	// Claims are the JWT claims that API Gateway's authorizer verified.
	Claims map[string]string
}

// CallerOf returns the caller of r, from the JWT authorizer's claims that API
// Gateway puts in the request context. Every handler asks here, so that
// authorization, when it comes, is decided in this one place. Requests that
// did not come through an authorizer (the local runner) are anonymous.
func CallerOf(r *http.Request) Caller {
	rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context())
	if !ok || rc.Authorizer == nil || rc.Authorizer.JWT == nil {
		return Caller{Subject: "anonymous"}
	}
	claims := rc.Authorizer.JWT.Claims
	sub := claims["sub"]
	if sub == "" {
		sub = "anonymous"
	}
	return Caller{Subject: sub, Claims: claims}
}
