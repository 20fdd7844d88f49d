package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"zoompool/internal/auth"
	"zoompool/internal/auth/authtest"
)

func TestVerifierAcceptsTheIssuersTokens(t *testing.T) {
	idp := authtest.New(t)
	tok := idp.Token(t, "anna", map[string]any{"cognito:groups": []string{"admin", "teacher"}, "email_verified": true})
	for _, header := range []string{"Bearer " + tok, "bearer " + tok, tok} {
		claims, err := idp.Verifier.Verify(context.Background(), header)
		if err != nil {
			t.Fatalf("Verify(%.20q...): %v", header, err)
		}
		if claims["sub"] != "anna" || claims["cognito:groups"] != "[admin teacher]" || claims["email_verified"] != "true" ||
			claims["iss"] != idp.URL || claims["aud"] != authtest.Audience {
			t.Errorf("claims = %v, want them flattened as API Gateway passes them", claims)
		}
	}
	// Cognito's access tokens carry client_id instead of aud.
	access := idp.Token(t, "anna", map[string]any{"aud": nil, "client_id": authtest.Audience, "token_use": "access"})
	access = resign(t, idp, access, func(c map[string]any) { delete(c, "aud") })
	if _, err := idp.Verifier.Verify(context.Background(), "Bearer "+access); err != nil {
		t.Errorf("access token with client_id: %v", err)
	}
}

// Every attack is refused with a *TokenError, as API Gateway answers 401.
func TestVerifierRefusesTokenAttacks(t *testing.T) {
	idp := authtest.New(t)
	now := time.Now()
	valid := idp.Token(t, "mallory", map[string]any{"cognito:groups": []string{"teacher"}})
	header, payload, sig := split(t, valid)

	other, err := auth.NewIssuer(idp.URL, authtest.Audience)
	if err != nil {
		t.Fatal(err)
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&idp.PrivateKey().PublicKey)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	jwkJSON, _ := json.Marshal(idp.JWKS().Keys[0])

	claims := func(edit func(map[string]any)) map[string]any {
		c := map[string]any{"iss": idp.URL, "aud": authtest.Audience, "sub": "mallory", "cognito:groups": []string{"admin"},
			"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
		if edit != nil {
			edit(c)
		}
		return c
	}
	signed := func(edit func(map[string]any)) string {
		tok, err := idp.Sign(claims(edit))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	unsignedHeader := func(h map[string]any) string {
		b, _ := json.Marshal(h)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	body := base64.RawURLEncoding.EncodeToString(mustJSON(t, claims(nil)))

	for _, tc := range []struct {
		name, token, why string
	}{
		{"no token", "", "no bearer token"},
		{"just the scheme", "Bearer ", "no bearer token"},
		{"malformed", "Bearer not.a.jwt", "not an RS256-signed JWT"},
		{"two parts", "Bearer " + header + "." + payload, "not an RS256-signed JWT"},
		{"forged signature (another key, same kid)", forge(t, other, idp.KeyID(), claims(nil)), "signature is not valid"},
		{"payload changed to admin", header + "." + body + "." + sig, "signature is not valid"},
		{"signature of another token", header + "." + payload + "." + strings.Repeat("A", len(sig)), "signature is not valid"},
		{"expired", signed(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() }), "expired"},
		{"no expiry", signed(func(c map[string]any) { delete(c, "exp") }), "no expiry"},
		{"not yet valid", signed(func(c map[string]any) { c["nbf"] = now.Add(time.Hour).Unix() }), "not valid yet"},
		{"issued in the future", signed(func(c map[string]any) { c["iat"] = now.Add(time.Hour).Unix() }), "issued in the future"},
		{"wrong issuer", signed(func(c map[string]any) { c["iss"] = "https://evil.example" }), "issuer"},
		{"issuer with a trailing slash", signed(func(c map[string]any) { c["iss"] = idp.URL + "/" }), "issuer"},
		{"no issuer", signed(func(c map[string]any) { delete(c, "iss") }), "issuer"},
		{"wrong audience", signed(func(c map[string]any) { c["aud"] = "another-app" }), "audience"},
		{"wrong audience, right client_id", signed(func(c map[string]any) { c["aud"] = "another-app"; c["client_id"] = authtest.Audience }), "audience"},
		{"no audience", signed(func(c map[string]any) { delete(c, "aud") }), "audience"},
		{"wrong client_id", signed(func(c map[string]any) { delete(c, "aud"); c["client_id"] = "another-app" }), "audience"},
		{"alg none", unsignedHeader(map[string]any{"alg": "none", "typ": "JWT", "kid": idp.KeyID()}) + "." + body + ".", "not an RS256-signed JWT"},
		{"alg none, no signature part", unsignedHeader(map[string]any{"alg": "none", "kid": idp.KeyID()}) + "." + body, "not an RS256-signed JWT"},
		{"HS256 keyed with the public key (PEM)", hmacToken(t, jose.HS256, pubPEM, idp.KeyID(), claims(nil)), "not an RS256-signed JWT"},
		{"HS256 keyed with the public key (DER)", hmacToken(t, jose.HS256, pubDER, idp.KeyID(), claims(nil)), "not an RS256-signed JWT"},
		{"HS256 keyed with the JWK", hmacToken(t, jose.HS256, jwkJSON, idp.KeyID(), claims(nil)), "not an RS256-signed JWT"},
		{"RS512 is not RS256", rsaToken(t, jose.RS512, idp.PrivateKey(), idp.KeyID(), claims(nil)), "not an RS256-signed JWT"},
		{"PS256 is not RS256", rsaToken(t, jose.PS256, idp.PrivateKey(), idp.KeyID(), claims(nil)), "not an RS256-signed JWT"},
		{"unknown kid", forge(t, other, other.KeyID(), claims(nil)), "kid"},
		{"no kid", rsaToken(t, jose.RS256, idp.PrivateKey(), "", claims(nil)), "kid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := idp.Verifier.Verify(context.Background(), tc.token)
			var te *auth.TokenError
			if !errors.As(err, &te) {
				t.Fatalf("Verify = %v, %v; want a TokenError", got, err)
			}
			if !strings.Contains(te.Description, tc.why) {
				t.Errorf("refused because %q, want %q", te.Description, tc.why)
			}
		})
	}
}

// A verifier follows the issuer's discovery document to its keys, caches
// them, and fetches them again when a token names a new key.
func TestVerifierFetchesRotatedKeys(t *testing.T) {
	first, err := auth.NewIssuer("", authtest.Audience)
	if err != nil {
		t.Fatal(err)
	}
	second, err := auth.NewIssuer("", authtest.Audience)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	current := first
	var fetches atomic.Int32
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": srv.URL, "jwks_uri": srv.URL + "/keys"})
	})
	mux.HandleFunc("GET /keys", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		mu.Lock()
		defer mu.Unlock()
		_ = json.NewEncoder(w).Encode(current.JWKS())
	})
	first.URL, second.URL = srv.URL, srv.URL
	clock := time.Now()
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: srv.URL, Audience: []string{authtest.Audience},
		Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(is *auth.Issuer) string {
		tok, err := is.Mint("anna", time.Hour, clock, nil)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	for range 3 {
		if _, err := v.Verify(context.Background(), mint(first)); err != nil {
			t.Fatalf("first key: %v", err)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("keys fetched %d times for three tokens, want 1", n)
	}
	mu.Lock()
	current = second
	mu.Unlock()
	if _, err := v.Verify(context.Background(), mint(second)); err == nil {
		t.Error("a new kid was accepted within a minute of the last fetch; want a refusal until the keys may be fetched again")
	}
	clock = clock.Add(2 * time.Minute)
	if _, err := v.Verify(context.Background(), mint(second)); err != nil {
		t.Errorf("rotated key after a minute: %v", err)
	}
	if _, err := v.Verify(context.Background(), mint(first)); err == nil {
		t.Error("the retired key is still accepted")
	}
}

func TestVerifierNeedsIssuerAndAudience(t *testing.T) {
	if _, err := auth.NewVerifier(auth.VerifierConfig{Audience: []string{"a"}}); err == nil {
		t.Error("a verifier without an issuer was made")
	}
	if _, err := auth.NewVerifier(auth.VerifierConfig{Issuer: "https://id.example"}); err == nil {
		t.Error("a verifier without an audience was made")
	}
}

func split(t *testing.T, tok string) (string, string, string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	return parts[0], parts[1], parts[2]
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// forge signs claims with another issuer's key under kid.
func forge(t *testing.T, is *auth.Issuer, kid string, claims map[string]any) string {
	t.Helper()
	return rsaToken(t, jose.RS256, is.PrivateKey(), kid, claims)
}

func rsaToken(t *testing.T, alg jose.SignatureAlgorithm, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	return sign(t, jose.SigningKey{Algorithm: alg, Key: key}, kid, claims)
}

func hmacToken(t *testing.T, alg jose.SignatureAlgorithm, secret []byte, kid string, claims map[string]any) string {
	t.Helper()
	return sign(t, jose.SigningKey{Algorithm: alg, Key: secret}, kid, claims)
}

func sign(t *testing.T, key jose.SigningKey, kid string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// resign decodes tok's claims, edits them and signs them again with idp's key.
func resign(t *testing.T, idp *authtest.IdP, tok string, edit func(map[string]any)) string {
	t.Helper()
	_, payload, _ := split(t, tok)
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	edit(c)
	out, err := idp.Sign(c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Keys shorter than 2048 bits are not trusted even when the issuer serves them.
func TestVerifierIgnoresWeakKeys(t *testing.T) {
	weak, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	is := auth.NewIssuerWithKey("", authtest.Audience, weak)
	srv := httptest.NewServer(is.Handler())
	defer srv.Close()
	is.URL = srv.URL
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: srv.URL, Audience: []string{authtest.Audience}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := is.Mint("anna", time.Hour, time.Now(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(context.Background(), tok); err == nil {
		t.Error("a token signed with a 1024-bit key was accepted")
	}
}
