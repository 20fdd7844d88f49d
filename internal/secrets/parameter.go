package secrets

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// MissingRecheck is how long a parameter found missing is taken as missing
// before it is looked for again: a flood of requests to a function without
// its secret does not become a flood of requests to SSM, and a parameter
// created meanwhile takes effect within it.
const MissingRecheck = time.Minute

// Parameter is a secret kept in an SSM SecureString parameter. It is read
// when a request first needs it and again when the Reader's cache runs out,
// so that a rotated secret takes effect without a cold start; while SSM
// cannot be reached, the last value read keeps serving.
type Parameter struct {
	reader *Reader
	name   string
	holds  string

	mu           sync.Mutex
	missing      error
	missingUntil time.Time
}

// NewParameter returns the secret in the SSM parameter name, read with r;
// holds says what it is, for errors ("the Zoom webhook secret token").
func NewParameter(r *Reader, name, holds string) *Parameter {
	return &Parameter{reader: r, name: name, holds: holds}
}

// Secret returns the parameter's value. A parameter that does not exist, or
// that this function may not read, yields an error matching fs.ErrNotExist
// or fs.ErrPermission that says which parameter and what to do.
func (p *Parameter) Secret(ctx context.Context) (string, error) {
	now := p.reader.now()
	p.mu.Lock()
	if now.Before(p.missingUntil) {
		err := p.missing
		p.mu.Unlock()
		return "", err
	}
	p.mu.Unlock()
	v, err := p.reader.Get(ctx, "ssm:"+p.name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		err = fmt.Errorf("the SSM parameter %s that holds %s cannot be read: "+
			"create it (a SecureString, in the stack's region) or let the function read it: %w", p.name, p.holds, err)
		p.mu.Lock()
		p.missing, p.missingUntil = err, now.Add(MissingRecheck)
		p.mu.Unlock()
	}
	return v, err
}
