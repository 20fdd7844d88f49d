// Package authtest is the identity provider of the tests: an OpenID Connect
// issuer served over HTTP (discovery document and JWKS, as Cognito serves
// them) that mints RS256 tokens, and a verifier that trusts it.
package authtest

import (
	"crypto/rand"
	"crypto/rsa"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"zoompool/internal/auth"
)

// Audience is the app client id the provider's tokens are for.
const Audience = "zoom-pool-test-client"

// signingKey is made once per test binary: RSA key generation is slow, and
// every provider may share one key as each has its own issuer URL.
var signingKey = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

// IdP is a running identity provider.
type IdP struct {
	*auth.Issuer
	// Verifier trusts the provider, as API Gateway's authorizer would.
	Verifier *auth.Verifier
}

// New starts a provider that stops when the test ends.
func New(t testing.TB) *IdP {
	t.Helper()
	key, err := signingKey()
	if err != nil {
		t.Fatal(err)
	}
	is := auth.NewIssuerWithKey("", Audience, key)
	srv := httptest.NewServer(is.Handler())
	t.Cleanup(srv.Close)
	is.URL = srv.URL
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: is.URL, Audience: []string{Audience}, Client: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return &IdP{Issuer: is, Verifier: v}
}

// Token returns a token for sub, valid for an hour, with extra claims (which
// may override the standard ones).
func (p *IdP) Token(t testing.TB, sub string, extra map[string]any) string {
	t.Helper()
	tok, err := p.Mint(sub, time.Hour, time.Now(), extra)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}
