package main

import (
	"net"
	"net/url"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/auth"
	"zoompool/internal/console"
)

// consoleTokenTTL is how long a console sign-in lasts, as Cognito's ID tokens.
const consoleTokenTTL = time.Hour

// devSignIn is the development issuer's sign-in for the console: a page to
// pick the demo admin or a demo teacher (or anyone else), and the code flow
// with PKCE that Cognito's hosted sign-in runs after deploy.
func devSignIn(is *auth.Issuer, getenv func(string) string, base string) *auth.CodeFlow {
	return &auth.CodeFlow{
		Issuer:       is,
		ClientID:     devAudience,
		RedirectURIs: consoleURLs(base),
		Users: []auth.SignInUser{
			{Subject: "admin", Role: api.RoleAdmin, About: "manages the Zoom accounts, sees every lesson"},
			{Subject: "teacher-1", Role: api.RoleTeacher, About: "teaches the demo lesson 1"},
			{Subject: "teacher-2", Role: api.RoleTeacher, About: "teaches the recurring demo lesson " + demoSeries},
		},
		Roles: []string{api.RoleTeacher, api.RoleAdmin, roleNone},
		Mint: func(u auth.SignInUser, extra map[string]any) (string, error) {
			return devToken(is, getenv, u.Role, u.Subject, "", consoleTokenTTL, extra)
		},
		TokenTTL: consoleTokenTTL,
	}
}

// consoleURLs are the console's addresses on the runner: base's, and the
// same on localhost when base is 127.0.0.1, as browsers are opened on either.
func consoleURLs(base string) []string {
	urls := []string{base + console.PagePath}
	if u, err := url.Parse(base); err == nil && u.Hostname() == "127.0.0.1" {
		urls = append(urls, "http://"+net.JoinHostPort("localhost", u.Port())+console.PagePath)
	}
	return urls
}

// consoleConfig is how the runner's console signs in: at the development
// issuer, or, with JWT_ISSUER, as the environment says (OIDC_CLIENT_ID, by
// default the first of JWT_AUDIENCE, and the OIDC_* endpoints, as the
// template sets them for the console function).
func consoleConfig(a *authority, getenv func(string) string) (console.Config, error) {
	if a.signIn == nil {
		env := getenv
		getenv = func(k string) string {
			if v := env(k); v != "" || k != "OIDC_CLIENT_ID" {
				return v
			}
			if audience := splitList(env("JWT_AUDIENCE")); len(audience) > 0 {
				return audience[0]
			}
			return ""
		}
		return console.ConfigFromEnv(getenv)
	}
	return console.Config{
		Issuer:         a.dev.URL,
		ClientID:       a.signIn.ClientID,
		AuthorizeURL:   a.dev.URL + auth.AuthorizePath,
		TokenURL:       a.dev.URL + auth.TokenPath,
		RolesClaim:     getenv("ROLES_CLAIM"),
		TeacherIDClaim: getenv("TEACHER_ID_CLAIM"),
	}, nil
}
