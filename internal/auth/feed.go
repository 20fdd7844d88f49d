package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// FeedClaims is what a private calendar feed link says: whose link it is,
// which of that user's link versions, and what the feed shows.
type FeedClaims struct {
	// Subject is the user the link was made for (the sub claim of their token).
	Subject string `json:"sub"`
	// Version is the user's feed version when the link was made; bumping the
	// stored version revokes every older link.
	Version int `json:"ver"`
	// TeacherID and GroupID filter the feed; empty shows everyone's lessons.
	TeacherID string `json:"teacher_id,omitempty"`
	GroupID   string `json:"group_id,omitempty"`
}

// MinFeedKeyLen is the shortest key a FeedSigner accepts.
const MinFeedKeyLen = 16

// FeedSigner signs and checks feed link tokens with an HMAC-SHA256 key.
// Changing the key revokes every link it signed.
type FeedSigner struct{ key []byte }

// NewFeedSigner returns a signer with key, which must hold at least
// MinFeedKeyLen bytes.
func NewFeedSigner(key string) (*FeedSigner, error) {
	if len(key) < MinFeedKeyLen {
		return nil, fmt.Errorf("a calendar feed key must be at least %d characters long, such as the output of `openssl rand -base64 32`", MinFeedKeyLen)
	}
	return &FeedSigner{key: []byte(key)}, nil
}

// feedContext separates feed tokens from anything else the key might sign.
const feedContext = "zoom-pool calendar feed v1\n"

// ErrFeedToken is returned for any token that is not a feed token this
// signer made: malformed, forged, or signed with another key.
var ErrFeedToken = errors.New("not a valid calendar feed token")

// Sign returns the token of a feed link: the claims and their MAC, both
// base64url, joined by a dot.
func (s *FeedSigner) Sign(c FeedClaims) string {
	payload, _ := json.Marshal(c) // strings and an int always marshal
	p := base64.RawURLEncoding.EncodeToString(payload)
	return p + "." + base64.RawURLEncoding.EncodeToString(s.mac(p))
}

// Verify checks a token's MAC in constant time and returns its claims.
func (s *FeedSigner) Verify(token string) (FeedClaims, error) {
	p, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > 4096 {
		return FeedClaims{}, ErrFeedToken
	}
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(p)) {
		return FeedClaims{}, ErrFeedToken
	}
	payload, err := base64.RawURLEncoding.DecodeString(p)
	if err != nil {
		return FeedClaims{}, ErrFeedToken
	}
	var c FeedClaims
	if err := json.Unmarshal(payload, &c); err != nil || c.Subject == "" {
		return FeedClaims{}, ErrFeedToken
	}
	return c, nil
}

func (s *FeedSigner) mac(payload string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(feedContext))
	m.Write([]byte(payload))
	return m.Sum(nil)
}
