// Package pool is the domain of Zoom Pool: accounts lent out to lessons, the
// holds that record each loan, and the rules for starting and releasing them.
//
// It imports no infrastructure. Storage (package dynamo) and Zoom (package zoom)
// implement the interfaces declared here; package api maps its errors to HTTP.
package pool

import (
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"time"
	"unicode/utf8"
)

// Account is a licensed Zoom user that the pool lends to lessons.
type Account struct {
	ID         string
	Name       string
	ZoomUserID string
	// CredentialsRef names the secret (Secrets Manager or SSM) holding the Zoom
	// credentials for this user. It is a name, never the secret itself.
	CredentialsRef string
	// Capacity is how many meetings the user may host at once: 1, or 2 on
	// Business/Education licences.
	Capacity int
	Enabled  bool
	// Active counts the account's holds. It changes in the same transaction as
	// the hold items, so Active == len(Holds) whenever both are read together.
	Active        int
	LastClaimedAt time.Time
	// LimitedUntil is when Zoom takes meeting creations for the account's
	// user again after it reached a daily limit; zero (or past) when it is
	// not limited.
	LimitedUntil time.Time
	// Attention, when set, says why the account cannot work until an admin
	// acts (its credentials or its Zoom user are wrong).
	Attention *Attention
	// Holds are the account's current loans, filled by reads of the pool.
	Holds []Hold
}

// Attention is what Zoom answered when it refused an account in a way only
// an admin can fix: wrong or missing credentials, missing scopes, a Zoom
// user that does not exist or may not host.
type Attention struct {
	// Status is Zoom's HTTP status (0 when the credentials could not be read),
	// Code and Message Zoom's error code and message.
	Status  int
	Code    int
	Message string
	// Since is when the account was flagged.
	Since time.Time
}

// Limited reports whether the account's user is at a Zoom daily limit at now.
func (a Account) Limited(now time.Time) bool { return now.Before(a.LimitedUntil) }

// Usable reports whether starts may lend the account at now: it is enabled,
// needs no admin's attention, and is not at a Zoom daily limit.
func (a Account) Usable(now time.Time) bool {
	return a.Enabled && a.Attention == nil && !a.Limited(now)
}

// Free reports whether the account can take another lesson at now.
func (a Account) Free(now time.Time) bool { return a.Usable(now) && a.Active < a.Capacity }

// HoldState is the phase of a hold.
type HoldState string

// Hold states.
const (
	// HoldClaiming: the account is reserved and the meeting is being created.
	// A claiming hold carries a lease; past it the sweep reclaims the account.
	HoldClaiming HoldState = "claiming"
	// HoldLive: the meeting exists and the lesson is using the account.
	HoldLive HoldState = "live"
)

// Hold records that one lesson uses one account.
type Hold struct {
	AccountID string
	LessonID  string
	// Token is random and unique per claim. Every write that changes or removes
	// the hold is conditional on it, so a stale writer can never touch a newer claim.
	Token      string
	State      HoldState
	MeetingID  string
	ClaimedAt  time.Time
	LeaseUntil time.Time // claiming holds only
	LessonEnd  time.Time
}

// LessonStatus is where a lesson is in its life.
type LessonStatus string

// Lesson statuses.
const (
	StatusScheduled LessonStatus = "scheduled"
	StatusStarting  LessonStatus = "starting"
	StatusLive      LessonStatus = "live"
	StatusEnded     LessonStatus = "ended"
	StatusCancelled LessonStatus = "cancelled"
)

// Meeting is a Zoom meeting created for a lesson.
type Meeting struct {
	ID string
	// StartURL opens the meeting as its host; its host key (zak) expires
	// about two hours after Zoom issued it, at StartURLAt.
	StartURL   string
	StartURLAt time.Time
	JoinURL    string
	Password   string
	// HostID is the Zoom user id of the meeting's host, as Zoom reported it
	// (empty when it did not).
	HostID string
}

// Lesson is one teaching session. Start and End are UTC instants.
type Lesson struct {
	ID        string
	Title     string
	TeacherID string
	GroupID   string
	Start     time.Time
	End       time.Time
	Topics    string
	Status    LessonStatus

	// Set while the lesson holds an account (starting or live), and kept
	// afterwards (except HoldToken and LeaseUntil) as a record of what was used.
	AccountID   string
	AccountName string
	HoldToken   string
	LeaseUntil  time.Time
	Meeting     *Meeting
	EndedAt     time.Time

	// Set when the lesson materialises an occurrence of a recurring lesson.
	RecurringID    string
	OccurrenceDate string

	// Version increases with every write; updates that read-modify-write the
	// lesson are conditional on it.
	Version int
}

// MaxLessonDuration bounds a lesson, so range reads can look back a fixed span
// for lessons that started before the range and still run into it.
const MaxLessonDuration = 12 * time.Hour

// Field limits.
const (
	maxIDLen    = 64
	maxTitleLen = 200
	maxTextLen  = 4000
	maxNameLen  = 100
	maxRefLen   = 512
)

var (
	idPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	personPattern = regexp.MustCompile(`^[A-Za-z0-9._@+-]+$`)
	secretPattern = regexp.MustCompile(`^[A-Za-z0-9/_+=.@:-]+$`)
)

// ValidID reports whether s can be used as the id of an account, lesson or
// person: 1 to 64 letters, digits, '-' or '_'.
func ValidID(s string) bool {
	return len(s) > 0 && len(s) <= maxIDLen && idPattern.MatchString(s)
}

// maxPersonIDLen is the longest teacher or group id: an e-mail address.
const maxPersonIDLen = 254

// ValidPersonID reports whether s can be the id of a teacher or a group: 1 to
// 254 letters, digits, '.', '_', '-', '@' or '+', so that the user names and
// e-mail addresses schools sign in with fit, and nothing that could break a
// key ('#', '/', spaces, control characters).
func ValidPersonID(s string) bool {
	return len(s) > 0 && len(s) <= maxPersonIDLen && personPattern.MatchString(s)
}

// personIDRule says what ValidPersonID accepts, for error messages.
const personIDRule = "1 to 254 letters, digits, '.', '_', '-', '@' or '+' (a user name or e-mail address)"

// NewID returns a random id for a new record.
func NewID() string { return randomHex(8) }

// NewToken returns a random hold token.
func NewToken() string { return randomHex(16) }

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// Validate reports the first thing wrong with the account as an EINVALID error.
func (a Account) Validate() error {
	switch {
	case !ValidID(a.ID):
		return Invalidf("id must be 1 to %d letters, digits, '-' or '_'", maxIDLen)
	case a.Name == "":
		return Invalidf("name is required")
	case utf8.RuneCountInString(a.Name) > maxNameLen:
		return Invalidf("name must be at most %d characters", maxNameLen)
	case a.ZoomUserID == "":
		return Invalidf("zoom_user_id is required: the Zoom user's id or e-mail address")
	case len(a.ZoomUserID) > maxNameLen*2:
		return Invalidf("zoom_user_id must be at most %d characters", maxNameLen*2)
	case a.Capacity < 1 || a.Capacity > 2:
		return Invalidf("capacity must be 1, or 2 for Zoom users whose licence allows two concurrent meetings; got %d", a.Capacity)
	case a.CredentialsRef != "" && (len(a.CredentialsRef) > maxRefLen || !secretPattern.MatchString(a.CredentialsRef)):
		return Invalidf("credentials_ref must be the name or ARN of a secret (Secrets Manager or SSM), not the secret itself")
	}
	return checkTexts("name", a.Name, "zoom_user_id", a.ZoomUserID)
}

// validateLessonFields checks what lessons and recurring lessons share.
func validateLessonFields(id, title, teacherID, groupID string) error {
	switch {
	case !ValidID(id):
		return Invalidf("id must be 1 to %d letters, digits, '-' or '_'", maxIDLen)
	case title == "":
		return Invalidf("title is required")
	case utf8.RuneCountInString(title) > maxTitleLen:
		return Invalidf("title must be at most %d characters", maxTitleLen)
	case !ValidPersonID(teacherID):
		return Invalidf("teacher_id is required: %s", personIDRule)
	case !ValidPersonID(groupID):
		return Invalidf("group_id is required: %s", personIDRule)
	}
	return CheckText("title", title, false)
}

// Validate reports the first thing wrong with the lesson as an EINVALID error.
// A lesson that materialises a recurring occurrence has that occurrence's id.
func (l Lesson) Validate() error {
	id := l.ID
	if l.Materializes() {
		id = l.RecurringID // its own id holds an '@', which ValidID refuses
	}
	if err := validateLessonFields(id, l.Title, l.TeacherID, l.GroupID); err != nil {
		return err
	}
	switch {
	case l.Start.IsZero() || l.End.IsZero():
		return Invalidf("start_time and end_time are required")
	case !l.End.After(l.Start):
		return Invalidf("end_time (%s) must be after start_time (%s)", l.End.Format(time.RFC3339), l.Start.Format(time.RFC3339))
	case l.End.Sub(l.Start) > MaxLessonDuration:
		return Invalidf("a lesson lasts at most %d hours; end_time is %s after start_time", int(MaxLessonDuration.Hours()), l.End.Sub(l.Start))
	case len(l.Topics) > maxTextLen:
		return Invalidf("topics must be at most %d bytes", maxTextLen)
	}
	if err := CheckTime("start_time", l.Start); err != nil {
		return err
	}
	if err := CheckTime("end_time", l.End); err != nil {
		return err
	}
	return CheckText("topics", l.Topics, true)
}

// Materializes reports whether the lesson is an occurrence of a recurring
// lesson: its id is OccurrenceID(RecurringID, OccurrenceDate).
func (l Lesson) Materializes() bool {
	rid, d, ok := ParseOccurrenceID(l.ID)
	return ok && rid == l.RecurringID && d.String() == l.OccurrenceDate
}

// Holding reports whether the lesson currently holds an account.
func (l Lesson) Holding() bool { return l.HoldToken != "" }

// MeetingRef is what the meeting lookup knows of a meeting: the lesson and the
// hold (account and token) it was created for.
type MeetingRef struct {
	MeetingID string
	LessonID  string
	AccountID string
	// AccountName is the account's name when the meeting was created, so that
	// a release can name the account without reading it.
	AccountName string
	Token       string
	// CreatedAt is when the meeting's claim was made: it cannot have ended before.
	CreatedAt time.Time
	// HostID is the meeting's host as Zoom reported it at creation (empty
	// when it did not), to check Zoom's notifications against.
	HostID string
	// Released is set once the meeting's hold was released.
	Released bool
}

// AccountPatch is an edit of an account's settings; nil fields stay as they are.
type AccountPatch struct {
	Name     *string
	Capacity *int
	Enabled  *bool
	// ZoomUserID and CredentialsRef change which Zoom user the account lends
	// and with which credentials; both clear its Attention, as changing them
	// is how an admin fixes what Zoom refused. Only an account that holds no
	// lesson may change them: its meetings belong to the old user.
	ZoomUserID     *string
	CredentialsRef *string
	// ClearAttention clears the account's Attention (the admin fixed it in
	// Zoom); ClearLimit ends its daily limit now (the admin knows it is over).
	ClearAttention bool
	ClearLimit     bool
	// At is when the admin made the change; now when zero.
	At time.Time
}

// ChangesUser reports whether p changes the Zoom user or its credentials.
func (p AccountPatch) ChangesUser() bool { return p.ZoomUserID != nil || p.CredentialsRef != nil }

// Empty reports whether p changes nothing.
func (p AccountPatch) Empty() bool {
	return p.Name == nil && p.Capacity == nil && p.Enabled == nil && !p.ChangesUser() && !p.ClearAttention && !p.ClearLimit
}

// Validate reports the first thing wrong with the patch as an EINVALID error.
func (p AccountPatch) Validate() error {
	a := Account{ID: "x", Name: "x", ZoomUserID: "x", Capacity: 1}
	if p.Name != nil {
		a.Name = *p.Name
	}
	if p.Capacity != nil {
		a.Capacity = *p.Capacity
	}
	if p.ZoomUserID != nil {
		a.ZoomUserID = *p.ZoomUserID
	}
	if p.CredentialsRef != nil {
		a.CredentialsRef = *p.CredentialsRef
	}
	return a.Validate()
}
