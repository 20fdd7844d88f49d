package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"zoompool/internal/api"
	"zoompool/internal/auth"
	"zoompool/internal/pool"
)

// devAudience is the audience (app client id) of the development issuer's tokens.
const devAudience = "zoom-pool-local"

// devTokenTTL is how long the tokens of the banner and of `local token` last.
const devTokenTTL = 12 * time.Hour

// defaultDevKeyFile is where the runner keeps its development issuer's key,
// so that `local token` (make token) mints tokens it accepts.
func defaultDevKeyFile() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return filepath.Join("bin", "dev-issuer.json")
	}
	return filepath.Join(dir, "zoom-pool", "dev-issuer.json")
}

// authority is how the runner checks bearer tokens: as API Gateway's JWT
// authorizer would, against a trusted issuer (JWT_ISSUER), or against its own
// development issuer.
type authority struct {
	verifier *auth.Verifier
	// dev is the runner's own issuer, or nil when it trusts JWT_ISSUER.
	dev *auth.Issuer
	// signIn is the dev issuer's sign-in for browsers (the console).
	signIn *auth.CodeFlow
}

// newAuthority trusts JWT_ISSUER for JWT_AUDIENCE (keys at JWKS_URL, or
// found as API Gateway finds them); without JWT_ISSUER the runner is its own
// issuer at base, with the key kept in devKey.
func newAuthority(getenv func(string) string, base, devKey string) (*authority, error) {
	if issuer := getenv("JWT_ISSUER"); issuer != "" {
		audience := splitList(getenv("JWT_AUDIENCE"))
		if len(audience) == 0 {
			return nil, fmt.Errorf("JWT_ISSUER is set but JWT_AUDIENCE is not: name the app client id(s) its tokens are issued for")
		}
		v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: issuer, Audience: audience, JWKSURL: getenv("JWKS_URL")})
		return &authority{verifier: v}, err
	}
	if getenv("JWT_AUDIENCE") != "" || getenv("JWKS_URL") != "" {
		return nil, fmt.Errorf("JWT_AUDIENCE or JWKS_URL is set without JWT_ISSUER: set JWT_ISSUER too, or neither for the development issuer")
	}
	is, err := auth.LoadOrCreateIssuer(devKey, base, devAudience)
	if err != nil {
		return nil, err
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: is.URL, Audience: []string{devAudience}})
	return &authority{verifier: v, dev: is, signIn: devSignIn(is, getenv, base)}, err
}

// handler serves the development issuer's JWKS and OpenID configuration,
// and its sign-in for browsers, in front of next, as any issuer serves them.
func (a *authority) handler(next http.Handler) http.Handler {
	if a.dev == nil {
		return next
	}
	mux := http.NewServeMux()
	mux.Handle("/", next)
	issuer := a.signIn.Handler()
	for _, p := range []string{auth.JWKSPath, auth.ConfigurationPath, auth.AuthorizePath, auth.TokenPath} {
		mux.Handle(p, issuer)
	}
	return mux
}

// Roles of `local token -role`.
const roleNone = "none"

// devToken mints a development token for sub with role (admin, teacher or
// none) and teacher id, in the claims the functions read (ROLES_CLAIM,
// TEACHER_ID_CLAIM), and any extra claims.
func devToken(is *auth.Issuer, getenv func(string) string, role, sub, teacherID string, ttl time.Duration, extra map[string]any) (string, error) {
	switch {
	case role != api.RoleAdmin && role != api.RoleTeacher && role != roleNone:
		return "", fmt.Errorf("-role %q: want admin, teacher or none", role)
	case sub == "" || len(sub) > 512 || strings.ContainsAny(sub, "#/ \t\n"):
		return "", fmt.Errorf("-sub %q: want the user's name, such as teacher-1 or anna@school.example", sub)
	case teacherID != "" && !pool.ValidPersonID(teacherID):
		return "", fmt.Errorf("-teacher-id %q is not a teacher id: letters, digits, '.', '_', '-', '@' or '+'", teacherID)
	}
	rolesClaim := or(getenv("ROLES_CLAIM"), api.DefaultIdentity.RolesClaim)
	teacherClaim := or(getenv("TEACHER_ID_CLAIM"), api.DefaultIdentity.TeacherIDClaim)
	roles := []string{}
	if role != roleNone {
		roles = append(roles, role)
	}
	claims := map[string]any{rolesClaim: roles, "cognito:username": sub}
	maps.Copy(claims, extra)
	switch {
	case teacherClaim == "sub" && teacherID != "" && teacherID != sub:
		return "", fmt.Errorf("-teacher-id %q differs from -sub %q, but TEACHER_ID_CLAIM is sub: a teacher's id is their sub; use -sub %s",
			teacherID, sub, teacherID)
	case teacherClaim != "sub":
		claims[teacherClaim] = or(teacherID, sub)
	}
	return is.Mint(sub, ttl, time.Now(), claims)
}

// tokenCommand is `local token`: it prints a token that the running runner
// (its development issuer, kept in -dev-key) accepts.
func tokenCommand(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := flag.NewFlagSet("local token", flag.ContinueOnError)
	flags.SetOutput(stderr)
	role := flags.String("role", api.RoleAdmin, "the role: admin, teacher, or none (a signed-in user without a role)")
	sub := flags.String("sub", "", "the user (sub claim), such as admin, teacher-1 or anna@school.example (default: the role's demo user)")
	teacherID := flags.String("teacher-id", "", "the teacher id, when TEACHER_ID_CLAIM names a claim other than sub (default: -sub)")
	ttl := flags.Duration("ttl", devTokenTTL, "how long the token is valid")
	devKey := flags.String("dev-key", defaultDevKeyFile(), "the development issuer's key file, as the runner's -dev-key")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", flags.Args())
	}
	if issuer := getenv("JWT_ISSUER"); issuer != "" {
		return fmt.Errorf("JWT_ISSUER is set: the runner trusts %s, so sign in there for a token", issuer)
	}
	if *ttl <= 0 || *ttl > 30*24*time.Hour {
		return fmt.Errorf("-ttl %s: want a positive duration of at most 720h", *ttl)
	}
	if *sub == "" {
		*sub = map[string]string{api.RoleAdmin: "admin", api.RoleTeacher: "teacher-1", roleNone: "visitor"}[*role]
	}
	is, err := auth.LoadIssuer(*devKey)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no development issuer at %s: start the runner first (make run), then ask again", *devKey)
	}
	if err != nil {
		return err
	}
	tok, err := devToken(is, getenv, *role, *sub, *teacherID, *ttl, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

// demoToken is a token the banner prints for the demo data.
type demoToken struct {
	variable, who, token string
}

// demoTokens mints the banner's tokens: the demo admin, and the teachers of
// the demo lesson and series.
func demoTokens(is *auth.Issuer, getenv func(string) string) ([]demoToken, error) {
	out := []demoToken{{variable: "ADMIN", who: "admin (role admin)"},
		{variable: "TEACHER", who: "teacher-1 (role teacher; lesson 1)"},
		{variable: "TEACHER2", who: "teacher-2 (role teacher; " + demoSeries + ")"}}
	for i, d := range []struct{ role, sub string }{{api.RoleAdmin, "admin"}, {api.RoleTeacher, "teacher-1"}, {api.RoleTeacher, "teacher-2"}} {
		var err error
		if out[i].token, err = devToken(is, getenv, d.role, d.sub, "", devTokenTTL, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
