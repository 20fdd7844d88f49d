package pool

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// MeetingAction is what is left to do to a meeting in Zoom.
type MeetingAction string

// Meeting actions.
const (
	// ActionEnd ends a meeting that may still be running after its hold was
	// released, so that its user can host the next lesson.
	ActionEnd MeetingAction = "end"
	// ActionDelete deletes a meeting that no lesson uses: created for a claim
	// that was given back or abandoned. A meeting whose id was never learnt
	// (the create timed out, or the start stopped before recording it) is
	// found first by the tag its claim gave it.
	ActionDelete MeetingAction = "delete"
)

// Cleanup is a meeting that a release left to end or delete in Zoom. It is
// recorded in the transaction of the release, so it survives whatever
// happens to the releaser next, and the sweep does it, again at every sweep
// until Zoom confirms it or CleanupGiveUp has passed.
type Cleanup struct {
	AccountID string
	LessonID  string
	// Token is the token of the released claim; it names the cleanup, and
	// the meeting's tag in Zoom derives from it.
	Token string
	// MeetingID is the meeting; empty when it was never learnt.
	MeetingID string
	Action    MeetingAction
	// Reason is why the hold was released.
	Reason Reason
	// At is when the release recorded it.
	At time.Time
	// Attempts counts the sweeps that tried and failed; LastError says why
	// the last one failed.
	Attempts  int
	LastError string
}

// CleanupGiveUp is how long the sweep keeps trying a cleanup. By then Zoom
// has ended a meeting that everybody left, and a scheduled meeting nobody
// started has expired; what is given up is logged as an error.
const CleanupGiveUp = 7 * 24 * time.Hour

// cleanupBudget bounds the time one sweep spends on cleanups; the rest wait
// for the next sweep.
const cleanupBudget = 30 * time.Second

// cleanup is the cleanup that releasing s at now leaves: a meeting that may
// be running is ended; one that was never recorded (a claim that expired, or
// was given back) is found by its claim's tag and deleted.
func (s Stuck) cleanup(now time.Time) *Cleanup {
	c := &Cleanup{AccountID: s.Hold.AccountID, LessonID: s.Hold.LessonID, Token: s.Hold.Token,
		MeetingID: s.Hold.MeetingID, Action: ActionEnd, Reason: s.Reason, At: now}
	if c.MeetingID == "" {
		c.Action = ActionDelete
	}
	return c
}

// CleanupSummary is what the cleanups of one sweep did.
type CleanupSummary struct {
	// Ended and Deleted count the meetings ended and deleted (Zoom's 404
	// counts: the meeting is gone); a meeting never created counts in neither.
	Ended, Deleted int
	// Failed counts the cleanups Zoom did not confirm; the next sweep tries
	// them again. GivenUp counts those dropped after CleanupGiveUp.
	Failed, GivenUp int
	// Pending counts those left for the next sweep without being tried: no
	// Zoom client, or no time left.
	Pending int
}

// cleanUp does the cleanups recorded by releases, with the pool's accounts
// as read at the start of the sweep; each is forgotten once Zoom confirms it.
func (r *Releaser) cleanUp(ctx context.Context, accounts []Account, now time.Time) (CleanupSummary, error) {
	var sum CleanupSummary
	cleanups, err := r.Store.Cleanups(ctx)
	if err != nil {
		return sum, fmt.Errorf("sweep: read the meetings to clean up: %w", err)
	}
	if r.Zoom == nil {
		sum.Pending = len(cleanups)
		return sum, nil
	}
	ctx, cancel := context.WithTimeout(ctx, cleanupBudget)
	defer cancel()
	byID := map[string]Account{}
	for _, a := range accounts {
		byID[a.ID] = a
	}
	var errs []error
	for _, c := range cleanups {
		if ctx.Err() != nil {
			sum.Pending++
			continue
		}
		meetingID, err := r.clean(ctx, byID, c)
		log := r.log().With("meeting", meetingID, "lesson", c.LessonID, "account_id", c.AccountID,
			"action", string(c.Action), "reason", string(c.Reason), "released_at", c.At.UTC())
		switch {
		case err == nil:
			if err := r.Store.DoneCleanup(ctx, c.Token); err != nil {
				errs = append(errs, fmt.Errorf("forget the cleanup of meeting %s: %w", meetingID, err))
			}
			switch {
			case meetingID == "":
				// The create never made the meeting: nothing to delete.
			case c.Action == ActionEnd:
				sum.Ended++
				log.Info("ended meeting")
			default:
				sum.Deleted++
				log.Info("deleted meeting")
			}
		case now.Sub(c.At) > CleanupGiveUp:
			sum.GivenUp++
			log.Error("gave up ending or deleting a meeting in Zoom; see to it by hand",
				"attempts", c.Attempts+1, "err", err)
			if err := r.Store.DoneCleanup(ctx, c.Token); err != nil {
				errs = append(errs, fmt.Errorf("forget the cleanup of meeting %s: %w", meetingID, err))
			}
		default:
			sum.Failed++
			log.Warn("could not end or delete a meeting in Zoom; the next sweep tries again",
				"attempts", c.Attempts+1, "err", err)
			if err := r.Store.RetryCleanup(ctx, c.Token, err.Error()); err != nil {
				errs = append(errs, fmt.Errorf("record the failed cleanup of meeting %s: %w", meetingID, err))
			}
		}
	}
	return sum, errors.Join(errs...)
}

// clean does cleanup c in Zoom and returns the meeting it concerned ("" for
// a meeting never created).
func (r *Releaser) clean(ctx context.Context, accounts map[string]Account, c Cleanup) (string, error) {
	a, ok := accounts[c.AccountID]
	if !ok {
		return c.MeetingID, fmt.Errorf("account %s is not in the pool any more: its Zoom user and credentials are unknown", c.AccountID)
	}
	if c.Action == ActionEnd {
		return c.MeetingID, r.Zoom.EndMeeting(ctx, a, c.MeetingID)
	}
	id := c.MeetingID
	if id == "" {
		m, found, err := r.Zoom.FindMeeting(ctx, a, c.LessonID, c.Token)
		if err != nil || !found {
			return "", err
		}
		id = m.ID
	}
	return id, r.Zoom.DeleteMeeting(ctx, a, id)
}
