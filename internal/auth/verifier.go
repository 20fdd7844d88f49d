// Package auth holds who may call Zoom Pool: the verification of the bearer
// tokens that API Gateway's JWT authorizer checks in AWS (the local gateway
// checks them the same way), a development issuer of such tokens for the
// local runner, and the signed links of private calendar feeds.
package auth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithms are the signature algorithms a token may use. API Gateway's JWT
// authorizer accepts only RSA signatures; RS256 is what Cognito and every
// common OIDC issuer sign with. Tokens with "alg":"none" or an HMAC algorithm
// are refused before any key is looked at, so a public key can never be
// used as an HMAC secret.
var Algorithms = []jose.SignatureAlgorithm{jose.RS256}

// Leeway is the clock skew tolerated on exp, nbf and iat.
const Leeway = 5 * time.Second

// VerifierConfig says which issuer a Verifier trusts.
type VerifierConfig struct {
	// Issuer must equal the token's iss claim (JWT_ISSUER).
	Issuer string
	// Audience lists the accepted aud values, or client_id values for tokens
	// without aud, such as Cognito's access tokens (JWT_AUDIENCE).
	Audience []string
	// JWKSURL is where the issuer publishes its keys (JWKS_URL). When empty,
	// it is the jwks_uri of the issuer's OpenID configuration, or else
	// {issuer}/.well-known/jwks.json.
	JWKSURL string
	// Client fetches the keys; http.DefaultClient with a timeout when nil.
	Client *http.Client
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Verifier checks bearer tokens as API Gateway's JWT authorizer does: an RS256
// signature by a key of the issuer's JWKS named by the token's kid, iss equal
// to the issuer, aud (or, without aud, client_id) among the audiences, exp in
// the future, nbf and iat in the past. It fetches the keys when first needed,
// again when a token names a key it does not know (at most once a minute), and
// at least every KeysMaxAge.
type Verifier struct {
	cfg VerifierConfig

	mu        sync.Mutex
	keys      map[string]jose.JSONWebKey
	fetchedAt time.Time
	jwksURL   string
}

// KeysMaxAge is how long fetched keys are used before they are fetched again.
const KeysMaxAge = time.Hour

// minRefetch is how soon an unknown kid may fetch the keys again.
const minRefetch = time.Minute

// NewVerifier returns a verifier for cfg's issuer.
func NewVerifier(cfg VerifierConfig) (*Verifier, error) {
	if cfg.Issuer == "" {
		return nil, errors.New("auth: no issuer to trust")
	}
	if len(cfg.Audience) == 0 || slices.Contains(cfg.Audience, "") {
		return nil, fmt.Errorf("auth: no audience for issuer %s: name the app client id (JWT_AUDIENCE)", cfg.Issuer)
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 5 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, jwksURL: cfg.JWKSURL}, nil
}

// Issuer is the issuer the verifier trusts.
func (v *Verifier) Issuer() string { return v.cfg.Issuer }

// TokenError is why a token was refused. Its Description goes into the
// WWW-Authenticate header, as API Gateway writes it.
type TokenError struct {
	Description string
	Err         error
}

func (e *TokenError) Error() string {
	if e.Err != nil {
		return e.Description + ": " + e.Err.Error()
	}
	return e.Description
}

func (e *TokenError) Unwrap() error { return e.Err }

func refuse(description string, err error) error {
	return &TokenError{Description: description, Err: err}
}

// Verify checks the token in an Authorization header value ("Bearer <token>"
// or the bare token, as API Gateway accepts both) and returns its claims as
// API Gateway hands them to a function (see Flatten). Every refusal is a
// *TokenError, except a failure to fetch the issuer's keys.
func (v *Verifier) Verify(ctx context.Context, authorization string) (map[string]string, error) {
	raw := ""
	switch f := strings.Fields(authorization); {
	case len(f) == 2 && strings.EqualFold(f[0], "bearer"):
		raw = f[1]
	case len(f) == 1 && !strings.EqualFold(f[0], "bearer"):
		raw = f[0]
	case len(f) > 2:
		return nil, refuse("the Authorization header is not \"Bearer <token>\"", nil)
	}
	if raw == "" {
		return nil, refuse("the request has no bearer token", nil)
	}
	tok, err := jwt.ParseSigned(raw, Algorithms)
	if err != nil {
		return nil, refuse("the token is not an RS256-signed JWT", err)
	}
	if len(tok.Headers) != 1 || tok.Headers[0].KeyID == "" {
		return nil, refuse("the token names no signing key (kid)", nil)
	}
	key, err := v.key(ctx, tok.Headers[0].KeyID)
	if err != nil {
		return nil, err
	}
	var std jwt.Claims
	var all map[string]json.RawMessage
	if err := tok.Claims(key.Key, &std, &all); err != nil {
		return nil, refuse("the token's signature is not valid", err)
	}
	if err := v.checkClaims(std, all); err != nil {
		return nil, err
	}
	return Flatten(all), nil
}

func (v *Verifier) checkClaims(c jwt.Claims, all map[string]json.RawMessage) error {
	now := v.cfg.Now()
	switch {
	case c.Issuer != v.cfg.Issuer:
		return refuse("the token does not have a valid issuer", nil)
	case !v.audienceOK(c, all):
		return refuse("the token does not have a valid audience", nil)
	case c.Expiry == nil:
		return refuse("the token has no expiry (exp)", nil)
	case !now.Before(c.Expiry.Time().Add(Leeway)):
		return refuse("the token has expired", nil)
	case c.NotBefore != nil && now.Add(Leeway).Before(c.NotBefore.Time()):
		return refuse("the token is not valid yet (nbf)", nil)
	case c.IssuedAt != nil && now.Add(Leeway).Before(c.IssuedAt.Time()):
		return refuse("the token was issued in the future (iat)", nil)
	}
	return nil
}

// audienceOK checks aud, or client_id when the token has no aud: API Gateway
// evaluates aud when both are present.
func (v *Verifier) audienceOK(c jwt.Claims, all map[string]json.RawMessage) bool {
	if _, ok := all["aud"]; ok {
		return slices.ContainsFunc(v.cfg.Audience, c.Audience.Contains)
	}
	var clientID string
	if raw, ok := all["client_id"]; !ok || json.Unmarshal(raw, &clientID) != nil {
		return false
	}
	return slices.Contains(v.cfg.Audience, clientID)
}

// key returns the issuer's signing key kid, fetching the keys when they are
// missing, old, or do not hold kid.
func (v *Verifier) key(ctx context.Context, kid string) (jose.JSONWebKey, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	now := v.cfg.Now()
	k, ok := v.keys[kid]
	stale := v.keys == nil || now.Sub(v.fetchedAt) > KeysMaxAge
	if ok && !stale {
		return k, nil
	}
	if stale || now.Sub(v.fetchedAt) >= minRefetch {
		if err := v.fetchKeys(ctx); err != nil {
			return jose.JSONWebKey{}, err
		}
		k, ok = v.keys[kid]
	}
	if !ok {
		return jose.JSONWebKey{}, refuse("the token's signing key (kid) is not one of the issuer's keys", nil)
	}
	return k, nil
}

// fetchKeys reads the issuer's JWKS and keeps its RSA signing keys.
func (v *Verifier) fetchKeys(ctx context.Context) error {
	if v.jwksURL == "" {
		v.jwksURL = v.discoverJWKS(ctx)
	}
	body, err := v.get(ctx, v.jwksURL)
	if err != nil {
		return fmt.Errorf("fetch the keys of issuer %s: %w", v.cfg.Issuer, err)
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return fmt.Errorf("keys of issuer %s at %s are not a JWKS: %w", v.cfg.Issuer, v.jwksURL, err)
	}
	keys := map[string]jose.JSONWebKey{}
	for _, k := range set.Keys {
		if k.KeyID != "" && k.IsPublic() && k.Valid() && (k.Use == "" || k.Use == "sig") && isRSA(k) {
			keys[k.KeyID] = k
		}
	}
	v.keys, v.fetchedAt = keys, v.cfg.Now()
	return nil
}

// discoverJWKS finds the issuer's jwks_uri in its OpenID configuration, as
// API Gateway does, or falls back to Cognito's (and Auth0's) path.
func (v *Verifier) discoverJWKS(ctx context.Context) string {
	base := strings.TrimSuffix(v.cfg.Issuer, "/")
	fallback := base + "/.well-known/jwks.json"
	body, err := v.get(ctx, base+"/.well-known/openid-configuration")
	if err != nil {
		return fallback
	}
	var doc struct {
		JWKSURI string `json:"jwks_uri"`
	}
	if json.Unmarshal(body, &doc) != nil || doc.JWKSURI == "" {
		return fallback
	}
	return doc.JWKSURI
}

func (v *Verifier) get(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	res, err := v.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s: %s", url, res.Status, bytes.TrimSpace(body[:min(len(body), 200)]))
	}
	return body, nil
}
