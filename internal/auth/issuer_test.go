package auth_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"zoompool/internal/auth"
)

// The development issuer keeps its key in a file only its user can read, and
// a token minted from that file is accepted by a verifier of the issuer.
func TestDevelopmentIssuerFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cache", "dev-issuer.json")
	is, err := auth.LoadOrCreateIssuer(file, "http://127.0.0.1:1", "local")
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("issuer file: %v %v, want mode 0600", fi, err)
	}
	var served http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.ServeHTTP(w, r) }))
	defer srv.Close()
	// The runner restarts on another address: same key, new URL.
	again, err := auth.LoadOrCreateIssuer(file, srv.URL, "local")
	if err != nil || again.KeyID() != is.KeyID() {
		t.Fatalf("reloaded issuer: kid %v, %v; want the same key %s", again, err, is.KeyID())
	}
	served = again.Handler()
	minted, err := auth.LoadIssuer(file)
	if err != nil || minted.URL != srv.URL || minted.Audience != "local" {
		t.Fatalf("LoadIssuer: %+v, %v", minted, err)
	}
	tok, err := minted.Mint("admin", time.Hour, time.Now(), map[string]any{"cognito:groups": []string{"admin"}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewVerifier(auth.VerifierConfig{Issuer: srv.URL, Audience: []string{"local"}})
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.Verify(context.Background(), "Bearer "+tok); err != nil || c["cognito:groups"] != "[admin]" {
		t.Errorf("token from the issuer file: %v, %v", c, err)
	}
	// A damaged file is replaced by a new key.
	if err := os.WriteFile(file, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	fresh, err := auth.LoadOrCreateIssuer(file, srv.URL, "local")
	if err != nil || fresh.KeyID() == is.KeyID() {
		t.Errorf("damaged file: %v, %v; want a new key", fresh, err)
	}
}
