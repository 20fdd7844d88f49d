package metrics

import (
	"context"
	"sync"
)

// Scope is what one request or sweep learned about the pool on its way, for
// the metrics its edges record: whether it claimed an account, and the pool's
// occupancy as last read and changed. It travels in the request's context,
// from the handler that opens it to the storage decorator that fills it. A
// nil *Scope learns nothing.
type Scope struct {
	mu       sync.Mutex
	claims   int
	known    bool
	inUse    int
	capacity int
}

type scopeKey struct{}

// WithScope returns ctx carrying a new Scope, and the Scope.
func WithScope(ctx context.Context) (context.Context, *Scope) {
	s := &Scope{}
	return context.WithValue(ctx, scopeKey{}, s), s
}

// ScopeOf returns the Scope ctx carries, or nil.
func ScopeOf(ctx context.Context) *Scope {
	s, _ := ctx.Value(scopeKey{}).(*Scope)
	return s
}

// Read records the occupancy just read from storage.
func (s *Scope) Read(inUse, capacity int) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.known, s.inUse, s.capacity = true, inUse, capacity
}

// Claimed records that an account slot was claimed, and returns the occupancy
// it leaves, if the pool was read before (known).
func (s *Scope) Claimed() (inUse, capacity int, known bool) {
	return s.change(+1)
}

// Released records that an account slot was given back, and returns the
// occupancy it leaves, if the pool was read before (known).
func (s *Scope) Released() (inUse, capacity int, known bool) {
	return s.change(-1)
}

func (s *Scope) change(delta int) (int, int, bool) {
	if s == nil {
		return 0, 0, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if delta > 0 {
		s.claims++
	}
	if !s.known {
		return 0, 0, false
	}
	s.inUse = max(s.inUse+delta, 0)
	return s.inUse, s.capacity, true
}

// Claims is how many slots were claimed in the scope.
func (s *Scope) Claims() int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claims
}
