package dynamo

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
)

// Pool reads every account of the pool with its holds: one consistent Query.
func (s *Store) Pool(ctx context.Context) ([]pool.Account, error) {
	// Written out: every start reads the pool (see written).
	return s.readAccounts(ctx, &dynamodb.QueryInput{KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(poolPK(s.pool))}})
}

// readAccounts queries the pool partition with in's key condition, and groups
// holds under their accounts.
func (s *Store) readAccounts(ctx context.Context, in *dynamodb.QueryInput) ([]pool.Account, error) {
	in.TableName, in.ConsistentRead = &s.table, aws.Bool(true)
	items, err := s.query(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("query pool %s: %w", s.pool, err)
	}
	var accounts []pool.Account
	index := map[string]int{}
	var holds []pool.Hold
	for _, item := range items {
		switch itemType(item) {
		case typeAccount:
			a, err := decodeAccount(item)
			if err != nil {
				s.skipUnreadable(item, err)
				continue
			}
			index[a.ID] = len(accounts)
			accounts = append(accounts, a)
		case typeHold:
			h, err := decodeHold(item)
			if err != nil {
				// Its account still counts it in Active, so it is never lent
				// beyond capacity; the sweep cannot release it until it is fixed.
				s.skipUnreadable(item, err)
				continue
			}
			holds = append(holds, h)
		}
	}
	for _, h := range holds {
		// A hold sorts after its account, but the account may be missing if the
		// pool was edited by hand; such a hold has nothing to attach to.
		if i, ok := index[h.AccountID]; ok {
			accounts[i].Holds = append(accounts[i].Holds, h)
		}
	}
	return accounts, nil
}

func decodeAccount(item map[string]types.AttributeValue) (pool.Account, error) {
	var r accountRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return pool.Account{}, fmt.Errorf("decode account: %w", err)
	}
	return r.account()
}

func decodeHold(item map[string]types.AttributeValue) (pool.Hold, error) {
	var r holdRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return pool.Hold{}, fmt.Errorf("decode hold: %w", err)
	}
	return r.hold()
}

// Hold implements pool.Store: one consistent GetItem.
func (s *Store) Hold(ctx context.Context, accountID, lessonID string) (pool.Hold, bool, error) {
	if accountID == "" {
		return pool.Hold{}, false, nil
	}
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(poolPK(s.pool), holdSK(accountID, lessonID)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return pool.Hold{}, false, fmt.Errorf("get hold of lesson %s on account %s: %w", lessonID, accountID, readError(err))
	}
	if out.Item == nil {
		return pool.Hold{}, false, nil
	}
	h, err := decodeHold(out.Item)
	return h, err == nil, err
}

// Unhold implements pool.Store: one transaction that checks that no hold
// with the token exists and updates the lesson, conditional on its token.
func (s *Store) Unhold(ctx context.Context, u pool.Unhold) error {
	upd := blank(expression.Set(expression.Name("status"), expression.Value(u.Status)).
		Add(expression.Name("version"), expression.Value(1)),
		"hold_token", "lease_until")
	switch u.Status {
	case pool.StatusEnded:
		upd = upd.Set(expression.Name("ended_at"), expression.Value(formatTime(u.EndedAt)))
	case pool.StatusScheduled:
		upd = blank(upd, "account_id", "account_name")
	}
	err := s.transact(ctx, "lesson "+u.LessonID,
		types.TransactWriteItem{ConditionCheck: s.check(key(poolPK(s.pool), holdSK(u.AccountID, u.LessonID)), notHolding("token", u.Token))},
		types.TransactWriteItem{Update: s.update(key(lessonPK(u.LessonID), lessonSK), upd, eq("hold_token", u.Token))})
	if failed, ok := failedConditions(err); ok {
		switch {
		case failedAt(failed, 1):
			return pool.ErrLessonChanged
		case failedAt(failed, 0):
			return pool.ErrHoldExists
		}
	}
	if err != nil {
		return fmt.Errorf("repair lesson %s: %w", u.LessonID, err)
	}
	return nil
}

// Claim implements pool.Store: one transaction of the account (counted up,
// if enabled, below capacity, needing no attention, not at a daily limit,
// and still lending the Zoom user c.Account names), the new hold and the
// lesson (at the version read).
func (s *Store) Claim(ctx context.Context, c pool.Claim) error {
	at := formatTime(c.At)
	// The meeting is created on the Zoom user and with the credentials the
	// claim saw: an account given another one meanwhile is read again.
	credentials := "#credentials_ref = :credentials_ref"
	if c.Account.CredentialsRef == "" {
		credentials = "(attribute_not_exists(#credentials_ref) OR #credentials_ref = :credentials_ref)"
	}
	account := written{
		update: "SET #active = #active + :one, #last_claimed_at = :at",
		condition: "#enabled = :true AND #active < #capacity" +
			" AND (attribute_not_exists(#attention_since) OR #attention_since = :blank)" +
			" AND (attribute_not_exists(#zoom_limited_until) OR #zoom_limited_until <= :at)" +
			" AND #zoom_user_id = :zoom_user_id AND " + credentials,
		names: []string{"active", "last_claimed_at", "enabled", "capacity", "attention_since", "zoom_limited_until",
			"zoom_user_id", "credentials_ref"},
		values: map[string]types.AttributeValue{":one": num(1), ":at": str(at), ":true": boolean(true), ":blank": str(""),
			":zoom_user_id": str(c.Account.ZoomUserID), ":credentials_ref": str(c.Account.CredentialsRef)},
	}.on(&s.table, key(poolPK(s.pool), accountSK(c.Account.ID)))
	hold, err := s.put(holdRecord{
		PK: poolPK(s.pool), SK: holdSK(c.Account.ID, c.Lesson.ID), Type: typeHold,
		AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token, State: string(pool.HoldClaiming),
		ClaimedAt: at, LeaseUntil: formatTime(c.LeaseUntil), LessonEnd: formatTime(c.Lesson.End),
	}, nil)
	if err != nil {
		return err
	}
	hold.ConditionExpression = aws.String(notThere)
	lesson := written{
		update: "SET #status = :starting, #account_id = :account_id, #account_name = :account_name, #hold_token = :token," +
			" #lease_until = :lease_until, #meeting_id = :blank, #start_url = :blank, #start_url_at = :blank," +
			" #join_url = :blank, #password = :blank, #ended_at = :blank ADD #version :one",
		condition: "#version = :version",
		names: []string{"status", "account_id", "account_name", "hold_token", "lease_until", "meeting_id", "start_url",
			"start_url_at", "join_url", "password", "ended_at", "version"},
		values: map[string]types.AttributeValue{":starting": str(string(pool.StatusStarting)), ":account_id": str(c.Account.ID),
			":account_name": str(c.Account.Name), ":token": str(c.Token), ":lease_until": str(formatTime(c.LeaseUntil)),
			":blank": str(""), ":one": num(1), ":version": num(c.Lesson.Version)},
	}.on(&s.table, key(lessonPK(c.Lesson.ID), lessonSK))

	err = s.transact(ctx, "the pool",
		types.TransactWriteItem{Update: account},
		types.TransactWriteItem{Put: hold},
		types.TransactWriteItem{Update: lesson})
	if failed, ok := failedConditions(err); ok {
		switch {
		case failedAt(failed, 1) || failedAt(failed, 2):
			return pool.ErrLessonChanged
		case failedAt(failed, 0):
			return pool.ErrAccountBusy
		}
	}
	return err
}

// Commit implements pool.Store: one transaction of the hold (live, with its
// meeting, if it still has the claim's token and is claiming), the lesson
// (live, with the meeting, if it still holds the token) and the new meeting
// lookup.
func (s *Store) Commit(ctx context.Context, c pool.Claim, m pool.Meeting) error {
	hold := written{
		update:    "SET #state = :live, #meeting_id = :meeting_id, #lease_until = :blank",
		condition: "#token = :token AND #state = :claiming",
		names:     []string{"state", "meeting_id", "lease_until", "token"},
		values: map[string]types.AttributeValue{":live": str(string(pool.HoldLive)), ":meeting_id": str(m.ID), ":blank": str(""),
			":token": str(c.Token), ":claiming": str(string(pool.HoldClaiming))},
	}.on(&s.table, key(poolPK(s.pool), holdSK(c.Account.ID, c.Lesson.ID)))
	lesson := written{
		update: "SET #status = :live, #meeting_id = :meeting_id, #start_url = :start_url, #start_url_at = :start_url_at," +
			" #join_url = :join_url, #password = :password, #lease_until = :blank ADD #version :one",
		condition: "#hold_token = :token",
		names:     []string{"status", "meeting_id", "start_url", "start_url_at", "join_url", "password", "lease_until", "version", "hold_token"},
		values: map[string]types.AttributeValue{":live": str(string(pool.StatusLive)), ":meeting_id": str(m.ID),
			":start_url": str(m.StartURL), ":start_url_at": str(formatTime(m.StartURLAt)), ":join_url": str(m.JoinURL),
			":password": str(m.Password), ":blank": str(""), ":one": num(1), ":token": str(c.Token)},
	}.on(&s.table, key(lessonPK(c.Lesson.ID), lessonSK))
	lookup, err := s.put(meetingRecord{
		PK: meetingPK(m.ID), SK: meetingSK, Type: typeMeeting,
		MeetingID: m.ID, LessonID: c.Lesson.ID, AccountID: c.Account.ID, AccountName: c.Account.Name,
		Token: c.Token, CreatedAt: formatTime(c.At), HostID: m.HostID, ExpiresAt: lookupExpiry(c.Lesson.End, c.At),
	}, nil)
	if err != nil {
		return err
	}
	lookup.ConditionExpression = aws.String(notThere)
	err = s.transact(ctx, "lesson "+c.Lesson.ID,
		types.TransactWriteItem{Update: hold},
		types.TransactWriteItem{Update: lesson},
		types.TransactWriteItem{Put: lookup})
	if failed, ok := failedConditions(err); ok {
		switch {
		case failedAt(failed, 0) || failedAt(failed, 1):
			return pool.ErrHoldLost
		case failedAt(failed, 2):
			return fmt.Errorf("meeting %s is already recorded for another lesson: %w", m.ID, err)
		}
	}
	return err
}

// Release implements pool.Store. Its transaction deletes the hold, counts
// the account down (and flags it, with r.Flag), updates or checks the lesson,
// marks the meeting lookup released and records the cleanup, as r asks. A
// flag that the account's state makes moot (a later limit, an admin's
// clearing since), a lookup that is missing, or a cleanup recorded already
// does not stop the release: it is sent again without them.
func (s *Store) Release(ctx context.Context, r pool.Release) error {
	holdCond := eq("token", r.Token)
	if r.OnlyClaiming {
		holdCond = holdCond.And(eq("state", pool.HoldClaiming))
	}
	if !r.EndedBy.IsZero() {
		// Stored times are fixed-width UTC, so they compare as strings.
		holdCond = holdCond.And(expression.Name("lesson_end").LessThanEqual(expression.Value(formatTime(r.EndedBy))))
	}
	he := expr(expression.NewBuilder().WithCondition(holdCond))
	accountUpd := expression.Set(expression.Name("active"), expression.Name("active").Minus(expression.Value(1)))
	accountCond := expression.Name("active").GreaterThan(expression.Value(0))
	if r.Flag != nil {
		accountUpd, accountCond = flagAccount(accountUpd, accountCond, *r.Flag)
	}
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: &s.table, Key: key(poolPK(s.pool), holdSK(r.AccountID, r.LessonID)),
			ConditionExpression: he.Condition(), ExpressionAttributeNames: he.Names(), ExpressionAttributeValues: he.Values(),
		}},
		{Update: s.update(key(poolPK(s.pool), accountSK(r.AccountID)), accountUpd, accountCond)},
	}
	lesson, lookup, cleanup := -1, -1, -1
	if r.LessonStatus != "" {
		upd := blank(expression.Set(expression.Name("status"), expression.Value(r.LessonStatus)).
			Add(expression.Name("version"), expression.Value(1)),
			"hold_token", "lease_until")
		switch r.LessonStatus {
		case pool.StatusEnded:
			upd = upd.Set(expression.Name("ended_at"), expression.Value(formatTime(r.EndedAt)))
		case pool.StatusScheduled:
			// Nothing was used: forget the account it would have had.
			upd = blank(upd, "account_id", "account_name")
		}
		lesson = len(items)
		items = append(items, types.TransactWriteItem{Update: s.update(key(lessonPK(r.LessonID), lessonSK),
			upd, eq("hold_token", r.Token))})
	}
	if r.Orphan {
		// The lesson must not point to the hold: it is missing, or holds another token.
		lesson = len(items)
		items = append(items, types.TransactWriteItem{ConditionCheck: s.check(key(lessonPK(r.LessonID), lessonSK), notHolding("hold_token", r.Token))})
	}
	if r.MeetingID != "" {
		// Later notifications about the meeting are ignored with one read.
		lookup = len(items)
		items = append(items, types.TransactWriteItem{Update: s.update(key(meetingPK(r.MeetingID), meetingSK),
			expression.Set(expression.Name("released"), expression.Value(true)),
			eq("token", r.Token))})
	}
	if r.Cleanup != nil {
		p, err := s.put(newCleanupRecord(s.pool, *r.Cleanup), ptr(expression.AttributeNotExists(expression.Name(attrPK))))
		if err != nil {
			return err
		}
		cleanup = len(items)
		items = append(items, types.TransactWriteItem{Put: p})
	}
	err := s.transact(ctx, "the account of lesson "+r.LessonID, items...)
	if failed, ok := failedConditions(err); ok {
		switch {
		case failedAt(failed, 0):
			return pool.ErrHoldLost
		case lesson >= 0 && failedAt(failed, lesson):
			return pool.ErrLessonChanged
		case failedAt(failed, 1) && r.Flag != nil:
			// The account says as much already, or an admin cleared it since.
			r.Flag = nil
			return s.Release(ctx, r)
		case failedAt(failed, 1):
			return fmt.Errorf("release hold of lesson %s: account %s counts no holds: %w", r.LessonID, r.AccountID, err)
		case lookup >= 0 && failedAt(failed, lookup):
			// The lookup is missing or names another claim (edited by hand):
			// release the hold all the same.
			r.MeetingID = ""
			return s.Release(ctx, r)
		case cleanup >= 0 && failedAt(failed, cleanup):
			r.Cleanup = nil
			return s.Release(ctx, r)
		}
	}
	if err != nil {
		return fmt.Errorf("release hold of lesson %s on account %s: %w", r.LessonID, r.AccountID, err)
	}
	return nil
}

// notHolding is the condition that an item is missing, or that its
// attribute attr holds another token than token.
func notHolding(attr, token string) expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name(attrPK)).Or(expression.Name(attr).NotEqual(expression.Value(token)))
}

// flagAccount adds flag f to the update of an account and its condition:
// a limit only when it ends later than the one recorded, and either only if
// no admin cleared the account's flags after f.Since.
func flagAccount(upd expression.UpdateBuilder, cond expression.ConditionBuilder, f pool.AccountFlag) (expression.UpdateBuilder, expression.ConditionBuilder) {
	// Stored times are fixed-width UTC (and "" when cleared), so they compare as strings.
	before := func(name string, t time.Time) expression.ConditionBuilder {
		return expression.AttributeNotExists(expression.Name(name)).Or(expression.Name(name).LessThan(expression.Value(formatTime(t))))
	}
	cond = cond.And(before("flags_cleared_at", f.Since))
	if !f.LimitedUntil.IsZero() {
		upd = upd.Set(expression.Name("zoom_limited_until"), expression.Value(formatTime(f.LimitedUntil)))
		cond = cond.And(before("zoom_limited_until", f.LimitedUntil))
	}
	if a := f.Attention; a != nil {
		upd = upd.Set(expression.Name("attention_status"), expression.Value(a.Status)).
			Set(expression.Name("attention_code"), expression.Value(a.Code)).
			Set(expression.Name("attention_message"), expression.Value(truncate(a.Message, maxAttentionMessage))).
			Set(expression.Name("attention_since"), expression.Value(formatTime(a.Since)))
	}
	return upd, cond
}

// maxAttentionMessage bounds the Zoom message kept on an account.
const maxAttentionMessage = 500

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// RefreshStartURL implements pool.Store: one conditional UpdateItem.
func (s *Store) RefreshStartURL(ctx context.Context, lessonID, token string, m pool.Meeting) error {
	u := s.update(key(lessonPK(lessonID), lessonSK),
		expression.Set(expression.Name("start_url"), expression.Value(m.StartURL)).
			Set(expression.Name("start_url_at"), expression.Value(formatTime(m.StartURLAt))).
			Add(expression.Name("version"), expression.Value(1)),
		eq("hold_token", token).And(eq("status", pool.StatusLive)))
	err := s.updateItem(ctx, "lesson "+lessonID, u, false)
	if _, ok := asConditionFailed(err); ok {
		return pool.ErrLessonChanged
	}
	if err != nil {
		return fmt.Errorf("record the host link of lesson %s: %w", lessonID, err)
	}
	return nil
}

// MeetingLookup returns what the meeting lookup item records for meetingID, or
// a meeting_not_found *pool.Error.
func (s *Store) MeetingLookup(ctx context.Context, meetingID string) (pool.MeetingRef, error) {
	var r meetingRecord
	found, err := s.get(ctx, meetingPK(meetingID), meetingSK, &r)
	if err != nil {
		return pool.MeetingRef{}, fmt.Errorf("get meeting %s: %w", meetingID, err)
	}
	if !found {
		return pool.MeetingRef{}, pool.NotFoundf("meeting_not_found", "no lesson has meeting %s", meetingID)
	}
	created, err := parseTime(r.CreatedAt)
	if err != nil {
		return pool.MeetingRef{}, fmt.Errorf("meeting %s: created_at: %w", meetingID, err)
	}
	return pool.MeetingRef{MeetingID: r.MeetingID, LessonID: r.LessonID, AccountID: r.AccountID,
		AccountName: r.AccountName, Token: r.Token, CreatedAt: created, HostID: r.HostID, Released: r.Released}, nil
}

func ptr[T any](v T) *T { return &v }

// blank adds to upd the clearing of the named string attributes. It sets them
// to "" rather than removing them: the embedded engine ignores top-level
// REMOVE actions, and the records read "" as absent.
func blank(upd expression.UpdateBuilder, names ...string) expression.UpdateBuilder {
	for _, n := range names {
		upd = upd.Set(expression.Name(n), expression.Value(""))
	}
	return upd
}
