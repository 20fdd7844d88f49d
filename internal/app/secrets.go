package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"zoompool/internal/secrets"
)

// readSecretParameter reads an SSM SecureString parameter, once per cold
// start. A parameter that does not exist yields "" (so the calendar links
// stay off until it is created); any other failure is returned, so that
// Lambda starts the function afresh and tries again.
func readSecretParameter(ctx context.Context, name string, log *slog.Logger) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("load AWS config: %w", err)
	}
	out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if _, missing := errors.AsType[*types.ParameterNotFound](err); missing {
		log.Error("the SSM parameter does not exist", "parameter", name)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read SSM parameter %s: %w", name, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}

// missingRecheck is how long a parameter found missing is taken as missing
// before it is looked for again: a flood of requests to a webhook without a
// token does not become a flood of requests to SSM, and a parameter created
// meanwhile takes effect within it.
const missingRecheck = time.Minute

// parameterSecret is a secret token kept in an SSM SecureString parameter. It
// is read when a request first needs it and again when secrets.DefaultTTL has
// passed, so that a rotated token takes effect without a cold start; while
// SSM cannot be reached, the last value read keeps serving.
type parameterSecret struct {
	reader *secrets.Reader
	name   string
	now    func() time.Time

	mu           sync.Mutex
	missing      error
	missingUntil time.Time
}

// newParameterSecret returns the secret held in the SSM parameter name, read
// with the AWS configuration of the environment, on the clock now.
func newParameterSecret(ctx context.Context, name string, now func() time.Time) (*parameterSecret, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config to read SSM parameter %s: %w", name, err)
	}
	r := secrets.New(cfg)
	r.Now = now
	return &parameterSecret{reader: r, name: name, now: now}, nil
}

// Secret implements zoom.SecretSource. A parameter that does not exist, or
// that this function may not read, yields an error matching fs.ErrNotExist
// or fs.ErrPermission that says which parameter and what to do.
func (p *parameterSecret) Secret(ctx context.Context) (string, error) {
	now := p.now()
	p.mu.Lock()
	if now.Before(p.missingUntil) {
		err := p.missing
		p.mu.Unlock()
		return "", err
	}
	p.mu.Unlock()
	v, err := p.reader.Get(ctx, "ssm:"+p.name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		err = fmt.Errorf("the SSM parameter %s that holds the Zoom webhook secret token cannot be read: "+
			"create it (a SecureString, in the stack's region) or let the function read it: %w", p.name, err)
		p.mu.Lock()
		p.missing, p.missingUntil = err, now.Add(missingRecheck)
		p.mu.Unlock()
	}
	return v, err
}
