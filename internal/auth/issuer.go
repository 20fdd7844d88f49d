package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Issuer is an OpenID Connect issuer of RS256 tokens: the local runner's
// development issuer, and the identity provider the tests sign in with. It
// serves its keys (JWKS) and discovery document as any OIDC issuer does.
type Issuer struct {
	// URL is the issuer (the iss claim), where its /.well-known documents are served.
	URL string
	// Audience is the aud claim of the tokens it mints.
	Audience string

	key *rsa.PrivateKey
	kid string
}

// JWKSPath and ConfigurationPath are where an Issuer serves its keys and its
// OpenID configuration, below its URL.
const (
	JWKSPath          = "/.well-known/jwks.json"
	ConfigurationPath = "/.well-known/openid-configuration"
)

// NewIssuer returns an issuer with a new 2048-bit RSA key.
func NewIssuer(url, audience string) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("make a signing key: %w", err)
	}
	return newIssuer(url, audience, key), nil
}

// NewIssuerWithKey returns an issuer that signs with key.
func NewIssuerWithKey(url, audience string, key *rsa.PrivateKey) *Issuer {
	return newIssuer(url, audience, key)
}

func newIssuer(url, audience string, key *rsa.PrivateKey) *Issuer {
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey) // cannot fail for an RSA key
	sum := sha256.Sum256(der)
	return &Issuer{URL: url, Audience: audience, key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12])}
}

// KeyID is the kid of the issuer's signing key.
func (is *Issuer) KeyID() string { return is.kid }

// PrivateKey is the issuer's signing key (tests forge tokens with it).
func (is *Issuer) PrivateKey() *rsa.PrivateKey { return is.key }

// Mint returns a token for sub, valid from now for ttl, signed with the
// issuer's key, with the standard claims (iss, aud, sub, iat, nbf, exp) and
// extra claims, which may override them.
func (is *Issuer) Mint(sub string, ttl time.Duration, now time.Time, extra map[string]any) (string, error) {
	claims := map[string]any{
		"iss": is.URL, "aud": is.Audience, "sub": sub, "token_use": "id",
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(ttl).Unix(),
	}
	maps.Copy(claims, extra)
	return is.Sign(claims)
}

// Sign signs any claims with the issuer's key as an RS256 JWT with its kid.
func (is *Issuer) Sign(claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", is.kid))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// JWKS is the issuer's public key set.
func (is *Issuer) JWKS() jose.JSONWebKeySet {
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &is.key.PublicKey, KeyID: is.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}}
}

// Handler serves the issuer's JWKS at JWKSPath and its OpenID configuration
// at ConfigurationPath.
func (is *Issuer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+JWKSPath, func(w http.ResponseWriter, r *http.Request) {
		writeDocument(w, is.JWKS())
	})
	mux.HandleFunc("GET "+ConfigurationPath, func(w http.ResponseWriter, r *http.Request) {
		writeDocument(w, is.Configuration())
	})
	return mux
}

// Configuration is the issuer's OpenID configuration (discovery document).
func (is *Issuer) Configuration() map[string]any {
	return map[string]any{
		"issuer": is.URL, "jwks_uri": is.URL + JWKSPath,
		"id_token_signing_alg_values_supported": []string{string(jose.RS256)},
		"subject_types_supported":               []string{"public"},
		"response_types_supported":              []string{"id_token"},
	}
}

func writeDocument(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "max-age=300")
	_ = json.NewEncoder(w).Encode(v)
}

// issuerFile is what LoadOrCreateIssuer keeps on disk.
type issuerFile struct {
	Issuer   string `json:"issuer"`
	Audience string `json:"audience"`
	Key      string `json:"private_key"` // PKCS #8, PEM
}

// LoadOrCreateIssuer returns the issuer kept in file, with url and audience,
// or a new one (which it writes there, readable by the user only) when the
// file does not exist or holds no usable key. The key outlives restarts, so
// tokens minted earlier stay valid; the file records url and audience, so
// that LoadIssuer mints tokens that this issuer's verifier accepts.
func LoadOrCreateIssuer(file, url, audience string) (*Issuer, error) {
	if is, err := LoadIssuer(file); err == nil {
		is.URL, is.Audience = url, audience
		return is, saveIssuer(file, is)
	}
	is, err := NewIssuer(url, audience)
	if err != nil {
		return nil, err
	}
	return is, saveIssuer(file, is)
}

// LoadIssuer reads the issuer that LoadOrCreateIssuer kept in file.
func LoadIssuer(file string) (*Issuer, error) {
	raw, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read development issuer %s: %w", file, err)
	}
	var f issuerFile
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, fmt.Errorf("development issuer %s: %w", file, err)
	}
	block, _ := pem.Decode([]byte(f.Key))
	if block == nil {
		return nil, fmt.Errorf("development issuer %s holds no PEM key", file)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("development issuer %s: %w", file, err)
	}
	key, ok := k.(*rsa.PrivateKey)
	if !ok || key.N.BitLen() < minRSABits {
		return nil, fmt.Errorf("development issuer %s holds no RSA key of at least %d bits", file, minRSABits)
	}
	return newIssuer(f.Issuer, f.Audience, key), nil
}

func saveIssuer(file string, is *Issuer) error {
	der, err := x509.MarshalPKCS8PrivateKey(is.key)
	if err != nil {
		return err
	}
	raw, err := json.MarshalIndent(issuerFile{Issuer: is.URL, Audience: is.Audience,
		Key: string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("keep development issuer: %w", err)
	}
	// Written aside and renamed, so that a token command never reads half a file.
	tmp, err := os.CreateTemp(filepath.Dir(file), ".issuer-*")
	if err != nil {
		return fmt.Errorf("keep development issuer: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(raw, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("keep development issuer: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keep development issuer: %w", err)
	}
	return os.Rename(tmp.Name(), file)
}
