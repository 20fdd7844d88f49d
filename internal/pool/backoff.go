package pool

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff is how long to pause before retry number attempt (0 for the first
// retry): base doubled per attempt up to ceiling, of which a random half is
// taken off ("equal jitter"), so that writers who collided once do not collide
// again in step, and every pause is at least a quarter of base.
func Backoff(attempt int, base, ceiling time.Duration) time.Duration {
	d := ceiling
	if attempt < 30 && base<<attempt < ceiling {
		d = base << attempt
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half)
}

// Sleep pauses for d, or until ctx ends (and then returns ctx's error).
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
