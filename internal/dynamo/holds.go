package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
)

// Pool reads every account of the pool with its holds: one consistent Query.
func (s *Store) Pool(ctx context.Context) ([]pool.Account, error) {
	keyCond := expression.Key(attrPK).Equal(expression.Value(poolPK(s.pool)))
	return s.readAccounts(ctx, keyCond)
}

// readAccounts queries the pool partition and groups holds under their accounts.
func (s *Store) readAccounts(ctx context.Context, keyCond expression.KeyConditionBuilder) ([]pool.Account, error) {
	e := expr(expression.NewBuilder().WithKeyCondition(keyCond))
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
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
	gone := expr(expression.NewBuilder().WithCondition(
		expression.AttributeNotExists(expression.Name(attrPK)).Or(expression.Name("token").NotEqual(expression.Value(u.Token)))))
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
		types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(poolPK(s.pool), holdSK(u.AccountID, u.LessonID)),
			ConditionExpression: gone.Condition(), ExpressionAttributeNames: gone.Names(), ExpressionAttributeValues: gone.Values(),
		}},
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

// Claim implements pool.Store.
func (s *Store) Claim(ctx context.Context, c pool.Claim) error {
	account := s.update(key(poolPK(s.pool), accountSK(c.Account.ID)),
		expression.Set(expression.Name("active"), expression.Name("active").Plus(expression.Value(1))).
			Set(expression.Name("last_claimed_at"), expression.Value(formatTime(c.At))),
		eq("enabled", true).And(expression.Name("active").LessThan(expression.Name("capacity"))))
	hold, err := s.put(holdRecord{
		PK: poolPK(s.pool), SK: holdSK(c.Account.ID, c.Lesson.ID), Type: typeHold,
		AccountID: c.Account.ID, LessonID: c.Lesson.ID, Token: c.Token, State: string(pool.HoldClaiming),
		ClaimedAt: formatTime(c.At), LeaseUntil: formatTime(c.LeaseUntil), LessonEnd: formatTime(c.Lesson.End),
	}, ptr(expression.AttributeNotExists(expression.Name(attrPK))))
	if err != nil {
		return err
	}
	lesson := s.update(key(lessonPK(c.Lesson.ID), lessonSK), blank(
		expression.Set(expression.Name("status"), expression.Value(pool.StatusStarting)).
			Set(expression.Name("account_id"), expression.Value(c.Account.ID)).
			Set(expression.Name("account_name"), expression.Value(c.Account.Name)).
			Set(expression.Name("hold_token"), expression.Value(c.Token)).
			Set(expression.Name("lease_until"), expression.Value(formatTime(c.LeaseUntil))).
			Add(expression.Name("version"), expression.Value(1)),
		"meeting_id", "start_url", "join_url", "password", "ended_at"),
		eq("version", c.Lesson.Version))

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

// Commit implements pool.Store.
func (s *Store) Commit(ctx context.Context, c pool.Claim, m pool.Meeting) error {
	hold := s.update(key(poolPK(s.pool), holdSK(c.Account.ID, c.Lesson.ID)), blank(
		expression.Set(expression.Name("state"), expression.Value(pool.HoldLive)).
			Set(expression.Name("meeting_id"), expression.Value(m.ID)),
		"lease_until"),
		eq("token", c.Token).And(eq("state", pool.HoldClaiming)))
	lesson := s.update(key(lessonPK(c.Lesson.ID), lessonSK), blank(
		expression.Set(expression.Name("status"), expression.Value(pool.StatusLive)).
			Set(expression.Name("meeting_id"), expression.Value(m.ID)).
			Set(expression.Name("start_url"), expression.Value(m.StartURL)).
			Set(expression.Name("join_url"), expression.Value(m.JoinURL)).
			Set(expression.Name("password"), expression.Value(m.Password)).
			Add(expression.Name("version"), expression.Value(1)),
		"lease_until"),
		eq("hold_token", c.Token))
	lookup, err := s.put(meetingRecord{
		PK: meetingPK(m.ID), SK: meetingSK, Type: typeMeeting,
		MeetingID: m.ID, LessonID: c.Lesson.ID, AccountID: c.Account.ID, AccountName: c.Account.Name,
		Token: c.Token, CreatedAt: formatTime(c.At), ExpiresAt: lookupExpiry(c.Lesson.End, c.At),
	}, ptr(expression.AttributeNotExists(expression.Name(attrPK))))
	if err != nil {
		return err
	}
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

// Release implements pool.Store.
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
	items := []types.TransactWriteItem{
		{Delete: &types.Delete{
			TableName: &s.table, Key: key(poolPK(s.pool), holdSK(r.AccountID, r.LessonID)),
			ConditionExpression: he.Condition(), ExpressionAttributeNames: he.Names(), ExpressionAttributeValues: he.Values(),
		}},
		{Update: s.update(key(poolPK(s.pool), accountSK(r.AccountID)),
			expression.Set(expression.Name("active"), expression.Name("active").Minus(expression.Value(1))),
			expression.Name("active").GreaterThan(expression.Value(0)))},
	}
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
		items = append(items, types.TransactWriteItem{Update: s.update(key(lessonPK(r.LessonID), lessonSK),
			upd, eq("hold_token", r.Token))})
	}
	if r.Orphan {
		// The lesson must not point to the hold: it is missing, or holds another token.
		oe := expr(expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name(attrPK)).
			Or(expression.Name("hold_token").NotEqual(expression.Value(r.Token)))))
		items = append(items, types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(lessonPK(r.LessonID), lessonSK),
			ConditionExpression: oe.Condition(), ExpressionAttributeNames: oe.Names(), ExpressionAttributeValues: oe.Values(),
		}})
	}
	lookup := -1
	if r.MeetingID != "" {
		// Later notifications about the meeting are ignored with one read.
		lookup = len(items)
		items = append(items, types.TransactWriteItem{Update: s.update(key(meetingPK(r.MeetingID), meetingSK),
			expression.Set(expression.Name("released"), expression.Value(true)),
			eq("token", r.Token))})
	}
	err := s.transact(ctx, "the account of lesson "+r.LessonID, items...)
	if failed, ok := failedConditions(err); ok {
		switch {
		case failedAt(failed, 0):
			return pool.ErrHoldLost
		case failedAt(failed, 2) && lookup != 2:
			return pool.ErrLessonChanged
		case failedAt(failed, 1):
			return fmt.Errorf("release hold of lesson %s: account %s counts no holds: %w", r.LessonID, r.AccountID, err)
		case lookup >= 0 && failedAt(failed, lookup):
			// The lookup is missing or names another claim (edited by hand):
			// release the hold all the same.
			r.MeetingID = ""
			return s.Release(ctx, r)
		}
	}
	if err != nil {
		return fmt.Errorf("release hold of lesson %s on account %s: %w", r.LessonID, r.AccountID, err)
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
		AccountName: r.AccountName, Token: r.Token, CreatedAt: created, Released: r.Released}, nil
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
