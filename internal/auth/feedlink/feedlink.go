// Package feedlink signs and checks the private links of the calendar's
// iCalendar feed: tokens that say whose link it is and what its feed shows,
// with an HMAC-SHA256 of a key that only the calendar function knows.
package feedlink

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Claims is what a private calendar feed link says: whose link it is,
// which of that user's link versions, and what the feed shows.
type Claims struct {
	// Subject is the user the link was made for (the sub claim of their token).
	Subject string `json:"sub"`
	// Version is the user's feed version when the link was made; bumping the
	// stored version revokes every older link.
	Version int `json:"ver"`
	// TeacherID and GroupID filter the feed; empty shows everyone's lessons.
	TeacherID string `json:"teacher_id,omitempty"`
	GroupID   string `json:"group_id,omitempty"`
}

// MinKeyLen is the shortest key a Signer accepts.
const MinKeyLen = 16

// Signer signs and checks feed link tokens with an HMAC-SHA256 key.
// Changing the key revokes every link it signed.
type Signer struct{ key []byte }

// ErrShortKey is returned for a key shorter than MinKeyLen.
var ErrShortKey = fmt.Errorf("a calendar feed key must be at least %d characters long, such as the output of `openssl rand -base64 32`", MinKeyLen)

// NewSigner returns a signer with key, which must hold at least
// MinKeyLen bytes.
func NewSigner(key string) (*Signer, error) {
	if len(key) < MinKeyLen {
		return nil, ErrShortKey
	}
	return &Signer{key: []byte(key)}, nil
}

// feedContext separates feed tokens from anything else the key might sign.
const feedContext = "zoom-pool calendar feed v1\n"

// ErrToken is returned for any token that is not a feed token this
// signer made: malformed, forged, or signed with another key.
var ErrToken = errors.New("not a valid calendar feed token")

// Sign returns the token of a feed link: the claims and their MAC, both
// base64url, joined by a dot.
func (s *Signer) Sign(c Claims) string {
	payload, _ := json.Marshal(c) // strings and an int always marshal
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

// Verify checks a token's MAC in constant time and returns its claims.
func (s *Signer) Verify(token string) (Claims, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return Claims{}, ErrToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(p)) {
		return Claims{}, ErrToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return Claims{}, ErrToken
	}
	var c Claims
	if err := json.Unmarshal(payload, &c); err != nil || c.Subject == "" {
		return Claims{}, ErrToken
	}
	return c, nil
}

func (s *Signer) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(feedContext))
	m.Write([]byte(payload))
	return m.Sum(nil)
}

// KeySource yields the current key, such as a secret kept in SSM Parameter
// Store (secrets.Parameter).
type KeySource interface {
	Secret(ctx context.Context) (string, error)
}

// Keyring yields the Signer of the current key: one fixed key, or the key a
// KeySource holds now, so that a new key (which revokes every link the old
// one signed) takes effect as soon as the source yields it. It is safe for
// concurrent use.
type Keyring struct {
	source KeySource

	mu     sync.Mutex
	key    string
	signer *Signer
}

// FixedKeyring returns the keyring of key, which must hold at least
// MinKeyLen bytes.
func FixedKeyring(key string) (*Keyring, error) {
	s, err := NewSigner(key)
	if err != nil {
		return nil, err
	}
	return &Keyring{key: key, signer: s}, nil
}

// NewKeyring returns the keyring of the key src holds, asked for whenever a
// link is made or checked (src caches it).
func NewKeyring(src KeySource) *Keyring { return &Keyring{source: src} }

// Signer returns the signer of the current key. Its errors are the source's,
// or ErrShortKey.
func (k *Keyring) Signer(ctx context.Context) (*Signer, error) {
	if k.source == nil {
		return k.signer, nil
	}
	key, err := k.source.Secret(ctx)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.signer == nil || key != k.key {
		s, err := NewSigner(key)
		if err != nil {
			return nil, err
		}
		k.key, k.signer = key, s
	}
	return k.signer, nil
}
