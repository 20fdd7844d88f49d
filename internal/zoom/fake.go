// Package zoom talks to Zoom on behalf of the pool. Fake stands in for Zoom
// locally and in tests; it answers like Zoom's meeting API does.
package zoom

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"sync"
	"time"

	"zoompool/internal/pool"
)

// Fake creates meetings without calling Zoom. Ids, URLs and passwords are
// shaped like Zoom's: an 11-digit id, zak= in the start URL, pwd= in the join URL
// and a 6-character password. It is safe for concurrent use.
type Fake struct {
	// Delay, when set, is how long each call takes (it returns early if the
	// context ends).
	Delay time.Duration
	// Hook, when set, runs at the start of every CreateMeeting; an error it
	// returns is CreateMeeting's error. Tests use it to fail Zoom or to act
	// between a claim and its commit.
	Hook func(ctx context.Context, a pool.Account, l pool.Lesson) error
	// After, when set, runs at the end of every CreateMeeting, once the
	// meeting exists; an error it returns is CreateMeeting's error, as when
	// Zoom's answer is lost. Tests use it to crash or time out after Zoom
	// created the meeting.
	After func(ctx context.Context, m FakeMeeting) error

	mu       sync.Mutex
	meetings map[string]FakeMeeting
	created  int
}

// FakeMeeting is a meeting the fake holds.
type FakeMeeting struct {
	pool.Meeting
	AccountID string
	LessonID  string
	// Claim is the hold token of the claim it was created for.
	Claim string
	Topic string
	// Ended is set by EndMeeting.
	Ended bool
}

var _ pool.Zoom = (*Fake)(nil)

// CreateMeeting implements pool.Zoom.
func (f *Fake) CreateMeeting(ctx context.Context, a pool.Account, l pool.Lesson, claim string) (pool.Meeting, error) {
	if f.Hook != nil {
		if err := f.Hook(ctx, a, l); err != nil {
			return pool.Meeting{}, err
		}
	}
	if err := f.wait(ctx); err != nil {
		return pool.Meeting{}, err
	}
	id := "8" + digits(10)
	m := pool.Meeting{
		ID:       id,
		StartURL: fmt.Sprintf("https://zoom.us/s/%s?zak=%s", id, text(40)),
		JoinURL:  fmt.Sprintf("https://zoom.us/j/%s?pwd=%s", id, text(32)),
		Password: text(6),
		HostID:   FakeHostID(a.ZoomUserID),
	}
	fm := FakeMeeting{Meeting: m, AccountID: a.ID, LessonID: l.ID, Claim: claim, Topic: l.Title}
	f.mu.Lock()
	if f.meetings == nil {
		f.meetings = map[string]FakeMeeting{}
	}
	f.meetings[id] = fm
	f.created++
	f.mu.Unlock()
	if f.After != nil {
		if err := f.After(ctx, fm); err != nil {
			return pool.Meeting{}, err
		}
	}
	return m, nil
}

// FakeHostID is the host id the fake gives the meetings of a Zoom user.
func FakeHostID(zoomUserID string) string {
	sum := sha256.Sum256([]byte(zoomUserID))
	return hex.EncodeToString(sum[:])[:22]
}

// FindMeeting implements pool.Zoom.
func (f *Fake) FindMeeting(ctx context.Context, a pool.Account, lessonID, claim string) (pool.Meeting, bool, error) {
	if err := f.wait(ctx); err != nil {
		return pool.Meeting{}, false, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, m := range f.meetings {
		if m.AccountID == a.ID && m.LessonID == lessonID && m.Claim == claim {
			return m.Meeting, true, nil
		}
	}
	return pool.Meeting{}, false, nil
}

// Meeting implements pool.Zoom: it returns the meeting with a fresh host
// key in its start URL, as Zoom does, or pool.ErrMeetingNotFound.
func (f *Fake) Meeting(ctx context.Context, a pool.Account, meetingID string) (pool.Meeting, error) {
	if err := f.wait(ctx); err != nil {
		return pool.Meeting{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	m, ok := f.meetings[meetingID]
	if !ok {
		return pool.Meeting{}, fmt.Errorf("meeting %s: %w", meetingID, pool.ErrMeetingNotFound)
	}
	m.StartURL = fmt.Sprintf("https://zoom.us/s/%s?zak=%s", meetingID, text(40))
	f.meetings[meetingID] = m
	return m.Meeting, nil
}

// EndMeeting implements pool.Zoom: the meeting is marked ended. A meeting the
// fake does not hold is not an error, as with Zoom's 404.
func (f *Fake) EndMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if m, ok := f.meetings[meetingID]; ok {
		m.Ended = true
		f.meetings[meetingID] = m
	}
	return nil
}

// DeleteMeeting implements pool.Zoom. A meeting the fake does not hold is
// not an error, as with Zoom's 404.
func (f *Fake) DeleteMeeting(ctx context.Context, a pool.Account, meetingID string) error {
	if err := f.wait(ctx); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.meetings, meetingID)
	return nil
}

// Created is how many meetings the fake has created.
func (f *Fake) Created() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.created
}

// Meetings returns the meetings that exist (created and not deleted).
func (f *Fake) Meetings() []FakeMeeting {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeMeeting, 0, len(f.meetings))
	for _, m := range f.meetings {
		out = append(out, m)
	}
	return out
}

func (f *Fake) wait(ctx context.Context) error {
	if f.Delay <= 0 {
		return ctx.Err()
	}
	return pool.Sleep(ctx, f.Delay)
}

func digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(10))
		b[i] = byte('0' + d.Int64())
	}
	return string(b)
}

const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

func text(n int) string {
	b := make([]byte, n)
	for i := range b {
		d, _ := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		b[i] = alphabet[d.Int64()]
	}
	return string(b)
}
