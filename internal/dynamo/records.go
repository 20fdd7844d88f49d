package dynamo

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"zoompool/internal/pool"
)

// Key layout (one table, string keys pk/sk):
//
//	account          pk=POOL#<pool>     sk=ACCOUNT#<id>
//	hold             pk=POOL#<pool>     sk=ACCOUNT#<id>#HOLD#<lesson>
//	lesson           pk=LESSON#<id>     sk=LESSON
//	meeting lookup   pk=MEETING#<id>    sk=MEETING
//	recurring lesson pk=RECURRING#<id>  sk=RECURRING
//	cleanup          pk=CLEANUP#<pool>  sk=<claim token>
//	user             pk=USER#<sub>      sk=USER        (users.go)
//
// Accounts and their holds share a partition, so one consistent Query reads the
// whole pool. Cleanups (meetings that releases left to end or delete in Zoom)
// have a partition of their own per pool, which only the sweep reads. Lessons carry three GSI keys: by-date (month of start, then start),
// by-teacher and by-group (then start). Recurring lessons use the same three
// indexes under partitions of their own (RECURRING, RECURRING#TEACHER#<id>,
// RECURRING#GROUP#<id>), sorted by the last day they are valid, so a range
// read skips the series that ended before it.
const (
	attrPK = "pk"
	attrSK = "sk"

	indexByDate    = "by-date"
	indexByTeacher = "by-teacher"
	indexByGroup   = "by-group"

	typeAccount   = "account"
	typeHold      = "hold"
	typeLesson    = "lesson"
	typeMeeting   = "meeting"
	typeRecurring = "recurring"
	typeCleanup   = "cleanup"

	lessonSK    = "LESSON"
	meetingSK   = "MEETING"
	recurringSK = "RECURRING"
)

func poolPK(poolID string) string              { return "POOL#" + poolID }
func accountSK(id string) string               { return "ACCOUNT#" + id }
func holdSK(accountID, lessonID string) string { return accountSK(accountID) + "#HOLD#" + lessonID }
func lessonPK(id string) string                { return "LESSON#" + id }
func meetingPK(id string) string               { return "MEETING#" + id }
func recurringPK(id string) string             { return "RECURRING#" + id }
func cleanupPK(poolID string) string           { return "CLEANUP#" + poolID }

// timeLayout is fixed-width UTC, so stored times sort as strings.
const timeLayout = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(timeLayout, s)
}

type accountRecord struct {
	PK             string `dynamodbav:"pk"`
	SK             string `dynamodbav:"sk"`
	Type           string `dynamodbav:"type"`
	ID             string `dynamodbav:"id"`
	Name           string `dynamodbav:"name"`
	ZoomUserID     string `dynamodbav:"zoom_user_id"`
	CredentialsRef string `dynamodbav:"credentials_ref,omitempty"`
	Capacity       int    `dynamodbav:"capacity"`
	Enabled        bool   `dynamodbav:"enabled"`
	Active         int    `dynamodbav:"active"`
	LastClaimedAt  string `dynamodbav:"last_claimed_at,omitempty"`

	// What Zoom said about the account (see pool.Account): a daily limit,
	// and a failure only an admin can fix (set when attention_since is).
	ZoomLimitedUntil string `dynamodbav:"zoom_limited_until,omitempty"`
	AttentionStatus  int    `dynamodbav:"attention_status,omitempty"`
	AttentionCode    int    `dynamodbav:"attention_code,omitempty"`
	AttentionMessage string `dynamodbav:"attention_message,omitempty"`
	AttentionSince   string `dynamodbav:"attention_since,omitempty"`
	// FlagsClearedAt is when an admin last cleared them: a flag from a Zoom
	// call that began before is not written.
	FlagsClearedAt string `dynamodbav:"flags_cleared_at,omitempty"`
}

func newAccountRecord(poolID string, a pool.Account) accountRecord {
	return accountRecord{
		PK: poolPK(poolID), SK: accountSK(a.ID), Type: typeAccount,
		ID: a.ID, Name: a.Name, ZoomUserID: a.ZoomUserID, CredentialsRef: a.CredentialsRef,
		Capacity: a.Capacity, Enabled: a.Enabled, Active: a.Active, LastClaimedAt: formatTime(a.LastClaimedAt),
	}
}

func (r accountRecord) account() (pool.Account, error) {
	var errs [3]error
	a := pool.Account{
		ID: r.ID, Name: r.Name, ZoomUserID: r.ZoomUserID, CredentialsRef: r.CredentialsRef,
		Capacity: r.Capacity, Enabled: r.Enabled, Active: r.Active,
	}
	a.LastClaimedAt, errs[0] = parseTime(r.LastClaimedAt)
	a.LimitedUntil, errs[1] = parseTime(r.ZoomLimitedUntil)
	if r.AttentionSince != "" {
		a.Attention = &pool.Attention{Status: r.AttentionStatus, Code: r.AttentionCode, Message: r.AttentionMessage}
		a.Attention.Since, errs[2] = parseTime(r.AttentionSince)
	}
	if err := errors.Join(errs[:]...); err != nil {
		return pool.Account{}, fmt.Errorf("account %s: %w", r.ID, err)
	}
	return a, nil
}

type holdRecord struct {
	PK         string `dynamodbav:"pk"`
	SK         string `dynamodbav:"sk"`
	Type       string `dynamodbav:"type"`
	AccountID  string `dynamodbav:"account_id"`
	LessonID   string `dynamodbav:"lesson_id"`
	Token      string `dynamodbav:"token"`
	State      string `dynamodbav:"state"`
	MeetingID  string `dynamodbav:"meeting_id,omitempty"`
	ClaimedAt  string `dynamodbav:"claimed_at"`
	LeaseUntil string `dynamodbav:"lease_until,omitempty"`
	LessonEnd  string `dynamodbav:"lesson_end"`
}

func (r holdRecord) hold() (pool.Hold, error) {
	var h pool.Hold
	var errs [3]error
	h.ClaimedAt, errs[0] = parseTime(r.ClaimedAt)
	h.LeaseUntil, errs[1] = parseTime(r.LeaseUntil)
	h.LessonEnd, errs[2] = parseTime(r.LessonEnd)
	for _, err := range errs {
		if err != nil {
			return pool.Hold{}, fmt.Errorf("hold %s/%s: %w", r.AccountID, r.LessonID, err)
		}
	}
	h.AccountID, h.LessonID, h.Token = r.AccountID, r.LessonID, r.Token
	h.State, h.MeetingID = pool.HoldState(r.State), r.MeetingID
	return h, nil
}

type lessonRecord struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	ID        string `dynamodbav:"id"`
	Title     string `dynamodbav:"title"`
	TeacherID string `dynamodbav:"teacher_id"`
	GroupID   string `dynamodbav:"group_id"`
	Start     string `dynamodbav:"start"`
	End       string `dynamodbav:"end"`
	Topics    string `dynamodbav:"topics,omitempty"`
	Status    string `dynamodbav:"status"`
	Version   int    `dynamodbav:"version"`

	AccountID   string `dynamodbav:"account_id,omitempty"`
	AccountName string `dynamodbav:"account_name,omitempty"`
	HoldToken   string `dynamodbav:"hold_token,omitempty"`
	LeaseUntil  string `dynamodbav:"lease_until,omitempty"`
	MeetingID   string `dynamodbav:"meeting_id,omitempty"`
	StartURL    string `dynamodbav:"start_url,omitempty"`
	JoinURL     string `dynamodbav:"join_url,omitempty"`
	Password    string `dynamodbav:"password,omitempty"`
	// StartURLAt is when Zoom issued start_url, whose host key expires.
	StartURLAt string `dynamodbav:"start_url_at,omitempty"`
	EndedAt    string `dynamodbav:"ended_at,omitempty"`

	RecurringID    string `dynamodbav:"recurring_id,omitempty"`
	OccurrenceDate string `dynamodbav:"occurrence_date,omitempty"`

	// GSI keys, derived from the fields above on every write.
	ByDatePK    string `dynamodbav:"gsi1pk"`
	ByDateSK    string `dynamodbav:"gsi1sk"`
	ByTeacherPK string `dynamodbav:"gsi2pk"`
	ByTeacherSK string `dynamodbav:"gsi2sk"`
	ByGroupPK   string `dynamodbav:"gsi3pk"`
	ByGroupSK   string `dynamodbav:"gsi3sk"`
}

// lessonMonthPK is the by-date partition of lessons starting in t's UTC month.
func lessonMonthPK(t time.Time) string { return "LESSONS#" + t.UTC().Format("2006-01") }

func newLessonRecord(l pool.Lesson) lessonRecord {
	r := lessonRecord{
		PK: lessonPK(l.ID), SK: lessonSK, Type: typeLesson,
		ID: l.ID, Title: l.Title, TeacherID: l.TeacherID, GroupID: l.GroupID,
		Start: formatTime(l.Start), End: formatTime(l.End), Topics: l.Topics,
		Status: string(l.Status), Version: l.Version,
		AccountID: l.AccountID, AccountName: l.AccountName, HoldToken: l.HoldToken,
		LeaseUntil: formatTime(l.LeaseUntil), EndedAt: formatTime(l.EndedAt),
		RecurringID: l.RecurringID, OccurrenceDate: l.OccurrenceDate,
	}
	if m := l.Meeting; m != nil {
		r.MeetingID, r.StartURL, r.JoinURL, r.Password = m.ID, m.StartURL, m.JoinURL, m.Password
		r.StartURLAt = formatTime(m.StartURLAt)
	}
	byStart := r.Start + "#" + l.ID
	r.ByDatePK, r.ByDateSK = lessonMonthPK(l.Start), byStart
	r.ByTeacherPK, r.ByTeacherSK = "TEACHER#"+l.TeacherID, byStart
	r.ByGroupPK, r.ByGroupSK = "GROUP#"+l.GroupID, byStart
	return r
}

func (r lessonRecord) lesson() (pool.Lesson, error) {
	l := pool.Lesson{
		ID: r.ID, Title: r.Title, TeacherID: r.TeacherID, GroupID: r.GroupID, Topics: r.Topics,
		Status: pool.LessonStatus(r.Status), Version: r.Version,
		AccountID: r.AccountID, AccountName: r.AccountName, HoldToken: r.HoldToken,
		RecurringID: r.RecurringID, OccurrenceDate: r.OccurrenceDate,
	}
	var errs [5]error
	l.Start, errs[0] = parseTime(r.Start)
	l.End, errs[1] = parseTime(r.End)
	l.LeaseUntil, errs[2] = parseTime(r.LeaseUntil)
	l.EndedAt, errs[3] = parseTime(r.EndedAt)
	var linkAt time.Time
	linkAt, errs[4] = parseTime(r.StartURLAt)
	for _, err := range errs {
		if err != nil {
			return pool.Lesson{}, fmt.Errorf("lesson %s: %w", r.ID, err)
		}
	}
	if r.MeetingID != "" {
		l.Meeting = &pool.Meeting{ID: r.MeetingID, StartURL: r.StartURL, StartURLAt: linkAt, JoinURL: r.JoinURL, Password: r.Password}
	}
	return l, nil
}

type meetingRecord struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"`
	Type      string `dynamodbav:"type"`
	MeetingID string `dynamodbav:"meeting_id"`
	LessonID  string `dynamodbav:"lesson_id"`
	AccountID string `dynamodbav:"account_id"`
	// AccountName lets a release name the account without reading it.
	AccountName string `dynamodbav:"account_name,omitempty"`
	Token       string `dynamodbav:"token"`
	CreatedAt   string `dynamodbav:"created_at"`
	// HostID is the meeting's host as Zoom reported it at creation.
	HostID string `dynamodbav:"host_id,omitempty"`
	// Released is set in the transaction that releases the meeting's hold.
	Released bool `dynamodbav:"released,omitempty"`
	// ExpiresAt is when DynamoDB may delete the lookup (the table's TTL
	// attribute, seconds since 1970): MeetingLookupRetention after its lesson.
	ExpiresAt int64 `dynamodbav:"expires_at,omitempty"`
}

// MeetingLookupRetention is how long after its lesson's end (or its creation,
// if later) a meeting lookup is kept. Zoom's notifications about a meeting
// come within hours of its end; the lookup is what lets a late one find its
// lesson. DynamoDB's TTL deletes it some time after, and nothing relies on
// when: an expired lookup only makes a notification about that meeting
// answer "ignored".
const MeetingLookupRetention = 30 * 24 * time.Hour

// lookupExpiry is the TTL of the lookup of a meeting created at for a lesson
// ending at end.
func lookupExpiry(end, at time.Time) int64 {
	if at.After(end) {
		end = at
	}
	return end.Add(MeetingLookupRetention).Unix()
}

// cleanupRecord is a pool.Cleanup.
type cleanupRecord struct {
	PK        string `dynamodbav:"pk"`
	SK        string `dynamodbav:"sk"` // the claim's token
	Type      string `dynamodbav:"type"`
	AccountID string `dynamodbav:"account_id"`
	LessonID  string `dynamodbav:"lesson_id"`
	MeetingID string `dynamodbav:"meeting_id,omitempty"`
	Action    string `dynamodbav:"action"`
	Reason    string `dynamodbav:"reason"`
	At        string `dynamodbav:"at"`
	Attempts  int    `dynamodbav:"attempts,omitempty"`
	LastError string `dynamodbav:"last_error,omitempty"`
	// ExpiresAt lets DynamoDB delete a cleanup that no sweep ever forgot
	// (the table's TTL attribute): long after the sweep gives it up.
	ExpiresAt int64 `dynamodbav:"expires_at,omitempty"`
}

// cleanupRetention is how long a cleanup is kept at most, whatever happens
// to the sweeps: four times as long as they try it.
const cleanupRetention = 4 * pool.CleanupGiveUp

func newCleanupRecord(poolID string, c pool.Cleanup) cleanupRecord {
	return cleanupRecord{PK: cleanupPK(poolID), SK: c.Token, Type: typeCleanup, AccountID: c.AccountID, LessonID: c.LessonID,
		MeetingID: c.MeetingID, Action: string(c.Action), Reason: string(c.Reason), At: formatTime(c.At),
		Attempts: c.Attempts, LastError: c.LastError, ExpiresAt: c.At.Add(cleanupRetention).Unix()}
}

func (r cleanupRecord) cleanup() (pool.Cleanup, error) {
	at, err := parseTime(r.At)
	if err != nil {
		return pool.Cleanup{}, fmt.Errorf("cleanup %s: at: %w", r.SK, err)
	}
	c := pool.Cleanup{AccountID: r.AccountID, LessonID: r.LessonID, Token: r.SK, MeetingID: r.MeetingID,
		Action: pool.MeetingAction(r.Action), Reason: pool.Reason(r.Reason), At: at, Attempts: r.Attempts, LastError: r.LastError}
	if c.Action != pool.ActionEnd && c.Action != pool.ActionDelete || c.Action == pool.ActionEnd && c.MeetingID == "" {
		return pool.Cleanup{}, fmt.Errorf("cleanup %s: %q of meeting %q is nothing the sweep can do", r.SK, r.Action, r.MeetingID)
	}
	return c, nil
}

// Index partitions of recurring lessons.
const (
	recurringByDatePK      = "RECURRING"
	recurringByTeacherPref = "RECURRING#TEACHER#"
	recurringByGroupPref   = "RECURRING#GROUP#"
	// openEnded sorts after every date: the valid_until key of open series.
	openEnded = "9999-12-31"
)

type recurringRecord struct {
	PK              string   `dynamodbav:"pk"`
	SK              string   `dynamodbav:"sk"`
	Type            string   `dynamodbav:"type"`
	ID              string   `dynamodbav:"id"`
	Title           string   `dynamodbav:"title"`
	TeacherID       string   `dynamodbav:"teacher_id"`
	GroupID         string   `dynamodbav:"group_id"`
	Weekday         int      `dynamodbav:"weekday"`
	StartTime       string   `dynamodbav:"start_time"`
	DurationMinutes int      `dynamodbav:"duration_minutes"`
	TimeZone        string   `dynamodbav:"timezone"`
	WeekType        string   `dynamodbav:"week_type"`
	ValidFrom       string   `dynamodbav:"valid_from"`
	ValidUntil      string   `dynamodbav:"valid_until,omitempty"`
	CancelledDates  []string `dynamodbav:"cancelled_dates,stringset,omitempty"`
	Materialized    []string `dynamodbav:"materialized_dates,stringset,omitempty"`
	Version         int      `dynamodbav:"version"`

	// GSI keys, derived from the fields above on every write.
	ByDatePK    string `dynamodbav:"gsi1pk"`
	ByDateSK    string `dynamodbav:"gsi1sk"`
	ByTeacherPK string `dynamodbav:"gsi2pk"`
	ByTeacherSK string `dynamodbav:"gsi2sk"`
	ByGroupPK   string `dynamodbav:"gsi3pk"`
	ByGroupSK   string `dynamodbav:"gsi3sk"`
}

func newRecurringRecord(r pool.RecurringLesson) recurringRecord {
	rec := recurringRecord{
		PK: recurringPK(r.ID), SK: recurringSK, Type: typeRecurring,
		ID: r.ID, Title: r.Title, TeacherID: r.TeacherID, GroupID: r.GroupID,
		Weekday: r.Weekday, StartTime: r.StartTime.String(), DurationMinutes: r.DurationMinutes,
		TimeZone: r.TimeZone, WeekType: string(r.WeekType),
		ValidFrom: r.ValidFrom.String(), ValidUntil: r.ValidUntil.String(),
		CancelledDates: dateStrings(r.CancelledDates), Materialized: dateStrings(r.Materialized),
		Version: r.Version,
	}
	byEnd := cmp.Or(rec.ValidUntil, openEnded) + "#" + r.ID
	rec.ByDatePK, rec.ByDateSK = recurringByDatePK, byEnd
	rec.ByTeacherPK, rec.ByTeacherSK = recurringByTeacherPref+r.TeacherID, byEnd
	rec.ByGroupPK, rec.ByGroupSK = recurringByGroupPref+r.GroupID, byEnd
	return rec
}

func (rec recurringRecord) recurring() (pool.RecurringLesson, error) {
	r := pool.RecurringLesson{
		ID: rec.ID, Title: rec.Title, TeacherID: rec.TeacherID, GroupID: rec.GroupID,
		Weekday: rec.Weekday, DurationMinutes: rec.DurationMinutes,
		TimeZone: rec.TimeZone, WeekType: pool.WeekType(rec.WeekType), Version: rec.Version,
	}
	var errs [5]error
	r.StartTime, errs[0] = pool.ParseTimeOfDay(rec.StartTime)
	r.ValidFrom, errs[1] = pool.ParseDate(rec.ValidFrom)
	if rec.ValidUntil != "" {
		r.ValidUntil, errs[2] = pool.ParseDate(rec.ValidUntil)
	}
	r.CancelledDates, errs[3] = parseDates(rec.CancelledDates)
	r.Materialized, errs[4] = parseDates(rec.Materialized)
	if err := errors.Join(errs[:]...); err != nil {
		return pool.RecurringLesson{}, fmt.Errorf("recurring lesson %s: %w", rec.ID, err)
	}
	return r, nil
}

// dateStrings writes dates for a string set attribute; none is nil, which
// omits the attribute (an empty non-nil slice would be written as NULL).
func dateStrings(dates []pool.Date) []string {
	if len(dates) == 0 {
		return nil
	}
	out := make([]string, len(dates))
	for i, d := range dates {
		out[i] = d.String()
	}
	return out
}

// parseDates parses a string set's dates, which come in no order, and sorts them.
func parseDates(ss []string) ([]pool.Date, error) {
	dates := make([]pool.Date, 0, len(ss))
	for _, s := range ss {
		d, err := pool.ParseDate(s)
		if err != nil {
			return nil, err
		}
		dates = append(dates, d)
	}
	return pool.SortDates(dates), nil
}
