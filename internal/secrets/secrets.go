// Package secrets reads secret strings from AWS Secrets Manager or SSM
// Parameter Store, and caches them for a few minutes, so that a rotated
// secret is picked up without a redeploy and without a request to AWS for
// every use.
//
// A reference names the secret and, where that is not the default, its
// service:
//
//	zoom-pool/zoom/room4                                    Secrets Manager, by name
//	secretsmanager:zoom-pool/zoom/room4                     the same
//	arn:aws:secretsmanager:eu-west-1:123456789012:secret:zoom-pool/zoom/room4-AbCdEf
//	ssm:/zoom-pool/zoom/room4                               an SSM SecureString parameter
//	arn:aws:ssm:eu-west-1:123456789012:parameter/zoom-pool/zoom/room4
package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"golang.org/x/sync/singleflight"
)

// DefaultTTL is how long a secret read is used before it is read again.
const DefaultTTL = 5 * time.Minute

// Reader reads secrets by reference. It is safe for concurrent use.
type Reader struct {
	secretsManager, ssm *client
	// TTL is how long a value is kept; DefaultTTL when 0.
	TTL time.Duration
	// Prefix, when set, is the only part of the namespace that may be read
	// (e.g. "zoom-pool/zoom/", matching the functions' IAM policy): other
	// references fail with fs.ErrPermission without a request to AWS.
	Prefix string
	// Now is the clock; time.Now when nil.
	Now func() time.Time

	mu     sync.Mutex
	cache  map[string]cached
	flight singleflight.Group
}

type cached struct {
	value   string
	fetched time.Time
}

// New returns a Reader that reads both services with cfg's region,
// credentials and HTTP client. Each service's endpoint is the one the SDK's
// client would use: its service-specific variable (AWS_ENDPOINT_URL_SSM,
// AWS_ENDPOINT_URL_SECRETS_MANAGER), else cfg.BaseEndpoint
// (AWS_ENDPOINT_URL), else its regional endpoint.
func New(cfg aws.Config) *Reader {
	return &Reader{secretsManager: newClient(cfg, secretsManagerService), ssm: newClient(cfg, ssmService)}
}

// Get returns the secret named by ref: from the cache when it was read less
// than TTL ago, else from AWS. A secret that does not exist yields an error
// matching fs.ErrNotExist; one this function may not read, fs.ErrPermission.
// When a refresh fails for any other reason (AWS unreachable, throttled), the
// last value read is returned, so an outage of the secret store does not stop
// calls that worked a moment ago. Errors never hold the secret.
func (r *Reader) Get(ctx context.Context, ref string) (string, error) {
	svc, name, err := r.parse(ref)
	if err != nil {
		return "", err
	}
	now := r.now()
	r.mu.Lock()
	c, ok := r.cache[ref]
	r.mu.Unlock()
	if ok && now.Sub(c.fetched) < r.ttl() {
		return c.value, nil
	}
	ch := r.flight.DoChan(ref, func() (any, error) {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		v, err := r.fetch(fctx, svc, name)
		if err != nil {
			return "", err
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.cache == nil {
			r.cache = map[string]cached{}
		}
		r.cache[ref] = cached{value: v, fetched: r.now()}
		return v, nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			if ok && !errors.Is(res.Err, fs.ErrNotExist) && !errors.Is(res.Err, fs.ErrPermission) {
				return c.value, nil
			}
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func (r *Reader) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Reader) ttl() time.Duration {
	if r.TTL > 0 {
		return r.TTL
	}
	return DefaultTTL
}

// Check reports what is wrong with a reference, for a Reader limited to
// prefix, without reading the secret: the errors Get would return first.
func Check(ref, prefix string) error {
	_, _, err := (&Reader{Prefix: prefix}).parse(ref)
	return err
}

type service int

const (
	secretsManager service = iota
	parameterStore
)

// parse splits a reference into its service and the name (or ARN) that
// service takes, and checks it against Prefix.
func (r *Reader) parse(ref string) (service, string, error) {
	svc, name, bare := secretsManager, ref, ref
	switch {
	case strings.HasPrefix(ref, "arn:"):
		// arn:partition:service:region:account:secret:NAME-suffix or ...:parameter/NAME
		parts := strings.SplitN(ref, ":", 7)
		switch {
		case len(parts) == 7 && parts[2] == "secretsmanager" && parts[5] == "secret":
			bare = parts[6]
		case len(parts) == 6 && parts[2] == "ssm" && strings.HasPrefix(parts[5], "parameter/"):
			svc, bare = parameterStore, strings.TrimPrefix(parts[5], "parameter/")
		default:
			return 0, "", fmt.Errorf("secret %q: %w: an ARN must be of a Secrets Manager secret or an SSM parameter", ref, fs.ErrInvalid)
		}
	case strings.HasPrefix(ref, "ssm:"):
		svc, name = parameterStore, strings.TrimPrefix(ref, "ssm:")
		bare = strings.TrimPrefix(name, "/")
	case strings.HasPrefix(ref, "secretsmanager:"):
		name = strings.TrimPrefix(ref, "secretsmanager:")
		bare = name
	}
	if name == "" || bare == "" {
		return 0, "", fmt.Errorf("secret %q: %w: the reference names no secret", ref, fs.ErrInvalid)
	}
	if r.Prefix != "" && !strings.HasPrefix(bare, strings.TrimPrefix(r.Prefix, "/")) {
		return 0, "", fmt.Errorf("secret %q is outside %q, the only secrets this function may read: %w", ref, r.Prefix, fs.ErrPermission)
	}
	return svc, name, nil
}

func (r *Reader) fetch(ctx context.Context, svc service, name string) (string, error) {
	switch svc {
	case parameterStore:
		if r.ssm == nil {
			return "", fmt.Errorf("SSM parameter %s: no SSM client", name)
		}
		var out struct{ Parameter *struct{ Value *string } }
		in := struct {
			Name           string
			WithDecryption bool
		}{name, true}
		if err := r.ssm.call(ctx, "GetParameter", in, &out); err != nil {
			return "", fmt.Errorf("read SSM parameter %s: %w", name, classify(err))
		}
		if out.Parameter == nil || out.Parameter.Value == nil {
			return "", fmt.Errorf("SSM parameter %s has no value: %w", name, fs.ErrNotExist)
		}
		return *out.Parameter.Value, nil
	default:
		if r.secretsManager == nil {
			return "", fmt.Errorf("secret %s: no Secrets Manager client", name)
		}
		var out struct{ SecretString *string }
		if err := r.secretsManager.call(ctx, "GetSecretValue", struct{ SecretId string }{name}, &out); err != nil {
			return "", fmt.Errorf("read secret %s: %w", name, classify(err))
		}
		if out.SecretString == nil {
			return "", fmt.Errorf("secret %s holds no string (a binary secret?): %w", name, fs.ErrNotExist)
		}
		return *out.SecretString, nil
	}
}

// classify marks AWS's "no such secret" and "access denied" answers with
// fs.ErrNotExist and fs.ErrPermission, keeping AWS's error in the chain.
func classify(err error) error {
	ae, ok := errors.AsType[*apiError](err)
	switch {
	case !ok:
		return err
	case ae.Code == "ResourceNotFoundException" || ae.Code == "ParameterNotFound":
		return errors.Join(fs.ErrNotExist, err)
	case ae.Code == "AccessDeniedException" || ae.Code == "AccessDenied":
		return errors.Join(fs.ErrPermission, err)
	}
	return err
}
