package zoom

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"zoompool/internal/pool"
)

// Credentials are a Zoom Server-to-Server OAuth app's: the Zoom account it
// belongs to, and its client id and secret.
type Credentials struct {
	AccountID    string `json:"account_id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// String never shows the secret, so credentials printed by mistake leak nothing.
func (c Credentials) String() string {
	return fmt.Sprintf("zoom credentials (account %s, client %s)", c.AccountID, c.ClientID)
}

// LogValue keeps the secret out of structured logs too.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("account_id", c.AccountID), slog.String("client_id", c.ClientID))
}

// Complete reports whether all three parts are set.
func (c Credentials) Complete() bool {
	return c.AccountID != "" && c.ClientID != "" && c.ClientSecret != ""
}

// key identifies the credentials in caches without holding the secret.
func (c Credentials) key() string {
	h := sha256.Sum256([]byte(c.AccountID + "\x00" + c.ClientID + "\x00" + c.ClientSecret))
	return hex.EncodeToString(h[:])
}

// ParseCredentials reads the JSON a credentials secret holds:
// {"account_id":"...","client_id":"...","client_secret":"..."}.
// Its errors never quote the secret.
func ParseCredentials(secret string) (Credentials, error) {
	var c Credentials
	if err := json.Unmarshal([]byte(secret), &c); err != nil {
		// json's error may quote the text, which is the secret: say only what is expected.
		return Credentials{}, errors.New(`the secret is not the JSON object {"account_id":...,"client_id":...,"client_secret":...}`)
	}
	var missing []string
	for _, f := range []struct{ name, value string }{
		{"account_id", c.AccountID}, {"client_id", c.ClientID}, {"client_secret", c.ClientSecret},
	} {
		if strings.TrimSpace(f.value) == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return Credentials{}, fmt.Errorf("the secret lacks %s", strings.Join(missing, ", "))
	}
	return c, nil
}

// CredentialSource gives the credentials to call Zoom with for an account.
type CredentialSource interface {
	// Credentials returns the credentials named by ref, an account's
	// credentials_ref, or the pool's default set when ref is "". It returns
	// a ZoomNeedsAttention *pool.ZoomError when they are missing, unreadable
	// or malformed; other errors are taken as transient.
	Credentials(ctx context.Context, ref string) (Credentials, error)
}

// Keyring is the CredentialSource of a deployment: the pool's default set
// (from the environment, or from a secret) and each account's own secret.
type Keyring struct {
	// Default, when complete, is the pool's default set (ZOOM_ACCOUNT_ID,
	// ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET in local runs).
	Default Credentials
	// DefaultRef names the secret holding the default set (ZOOM_CREDENTIALS),
	// used when Default is not complete.
	DefaultRef string
	// Read returns the text of a secret by reference, cached (package
	// secrets). An error matching fs.ErrNotExist or fs.ErrPermission means
	// the secret is missing or may not be read; other errors are transient.
	// Nil when no secret store is configured.
	Read func(ctx context.Context, ref string) (string, error)
}

// Credentials implements CredentialSource.
func (k Keyring) Credentials(ctx context.Context, ref string) (Credentials, error) {
	what := "the account's credentials_ref"
	if ref == "" {
		if k.Default.Complete() {
			return k.Default, nil
		}
		if k.DefaultRef == "" {
			return Credentials{}, needsAttention("no Zoom credentials are configured: set ZOOM_CREDENTIALS (or, locally, ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET), or give the account a credentials_ref")
		}
		ref, what = k.DefaultRef, "ZOOM_CREDENTIALS"
	}
	if k.Read == nil {
		return Credentials{}, needsAttention(fmt.Sprintf("%s %q names a secret, but no secret store is configured here", what, ref))
	}
	text, err := k.Read(ctx, ref)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return Credentials{}, &pool.ZoomError{Failure: pool.ZoomNeedsAttention, Err: err,
			Message: fmt.Sprintf("%s %q does not exist", what, ref)}
	case errors.Is(err, fs.ErrPermission):
		return Credentials{}, &pool.ZoomError{Failure: pool.ZoomNeedsAttention, Err: err,
			Message: fmt.Sprintf("%s %q may not be read by this function", what, ref)}
	case err != nil:
		return Credentials{}, fmt.Errorf("read %s %q: %w", what, ref, err)
	}
	c, err := ParseCredentials(text)
	if err != nil {
		return Credentials{}, needsAttention(fmt.Sprintf("%s %q: %v", what, ref, err))
	}
	return c, nil
}

func needsAttention(msg string) error {
	return &pool.ZoomError{Failure: pool.ZoomNeedsAttention, Message: msg}
}
