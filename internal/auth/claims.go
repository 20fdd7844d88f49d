package auth

import (
	"bytes"
	"crypto/rsa"
	"encoding/json"
	"strings"

	jose "github.com/go-jose/go-jose/v4"
)

// Flatten turns a token's claims into the strings API Gateway's JWT authorizer
// puts in requestContext.authorizer.jwt.claims: strings as they are, numbers
// and booleans as their JSON text, and lists as their items between brackets,
// separated by spaces (["admin","teacher"] becomes "[admin teacher]").
// Objects keep their JSON text.
func Flatten(claims map[string]json.RawMessage) map[string]string {
	out := make(map[string]string, len(claims))
	for name, raw := range claims {
		out[name] = flatten(raw)
	}
	return out
}

func flatten(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) == nil {
			parts := make([]string, len(items))
			for i, it := range items {
				parts[i] = flatten(it)
			}
			return "[" + strings.Join(parts, " ") + "]"
		}
	case 'n':
		return ""
	case '{':
		var buf bytes.Buffer
		if json.Compact(&buf, raw) == nil {
			return buf.String()
		}
	}
	return string(raw)
}

// minRSABits is the smallest RSA key the verifier accepts.
const minRSABits = 2048

func isRSA(k jose.JSONWebKey) bool {
	pub, ok := k.Key.(*rsa.PublicKey)
	return ok && pub.N.BitLen() >= minRSABits
}
