package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/pool"
)

// Account reads one account with its holds (one consistent Query), or returns
// an account_not_found *pool.Error.
func (s *Store) Account(ctx context.Context, id string) (pool.Account, error) {
	if !pool.ValidID(id) {
		return pool.Account{}, accountNotFound(id)
	}
	// Ids never contain '#' or characters below it, so this range holds the
	// account item and its holds and nothing of any other account.
	keyCond := expression.Key(attrPK).Equal(expression.Value(poolPK(s.pool))).
		And(expression.Key(attrSK).Between(expression.Value(accountSK(id)), expression.Value(accountSK(id)+"#~")))
	e := expr(expression.NewBuilder().WithKeyCondition(keyCond))
	accounts, err := s.readAccounts(ctx, &dynamodb.QueryInput{KeyConditionExpression: e.KeyCondition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values()})
	if err != nil {
		return pool.Account{}, err
	}
	if len(accounts) == 0 {
		return pool.Account{}, accountNotFound(id)
	}
	return accounts[0], nil
}

func accountNotFound(id string) error {
	return pool.NotFoundf("account_not_found", "there is no Zoom account %q", id)
}

// CreateAccount adds a to the pool, or returns an account_exists *pool.Error.
func (s *Store) CreateAccount(ctx context.Context, a pool.Account) error {
	a.Active, a.Holds = 0, nil
	p, err := s.put(newAccountRecord(s.pool, a), ptr(expression.AttributeNotExists(expression.Name(attrPK))))
	if err != nil {
		return err
	}
	err = s.putItem(ctx, "account "+a.ID, p)
	if _, ok := asConditionFailed(err); ok {
		return pool.Conflictf("account_exists", "a Zoom account with id %q already exists", a.ID)
	}
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.ID, err)
	}
	return nil
}

// UpdateAccount applies p to account id and returns the account. Lowering the
// capacity below the account's current holds is refused (account_busy), so an
// account never has more holds than its capacity, and so is changing the Zoom
// user or credentials of an account that holds a lesson. Clearing flags (and
// changing the user, which clears them) records when, so that a flag from a
// Zoom call that began before is not written over the admin's clearing.
func (s *Store) UpdateAccount(ctx context.Context, id string, p pool.AccountPatch) (pool.Account, error) {
	// An id that is no account's could name another item of the partition
	// (a hold's key holds '#'); the update must not create or touch it.
	if !pool.ValidID(id) {
		return pool.Account{}, accountNotFound(id)
	}
	if p.Empty() {
		return s.Account(ctx, id)
	}
	cond := expression.AttributeExists(expression.Name(attrPK))
	var upd expression.UpdateBuilder
	set := func(name string, v any) { upd = upd.Set(expression.Name(name), expression.Value(v)) }
	if p.Name != nil {
		set("name", *p.Name)
	}
	if p.Enabled != nil {
		set("enabled", *p.Enabled)
	}
	if p.Capacity != nil {
		set("capacity", *p.Capacity)
		cond = cond.And(expression.Name("active").LessThanEqual(expression.Value(*p.Capacity)))
	}
	if p.ZoomUserID != nil {
		set("zoom_user_id", *p.ZoomUserID)
	}
	if p.CredentialsRef != nil {
		set("credentials_ref", *p.CredentialsRef)
	}
	if p.ChangesUser() {
		cond = cond.And(eq("active", 0))
	}
	if p.ClearAttention || p.ChangesUser() {
		upd = blank(upd, "attention_since", "attention_message")
		set("attention_status", 0)
		set("attention_code", 0)
	}
	if p.ClearLimit || p.ChangesUser() {
		upd = blank(upd, "zoom_limited_until")
	}
	if p.ClearAttention || p.ClearLimit || p.ChangesUser() {
		set("flags_cleared_at", formatTime(cmp.Or(p.At, time.Now())))
	}
	u := s.update(key(poolPK(s.pool), accountSK(id)), upd, cond)
	err := s.updateItem(ctx, "account "+id, u, true)
	if ccf, ok := asConditionFailed(err); ok {
		if ccf.Item == nil {
			return pool.Account{}, accountNotFound(id)
		}
		var r accountRecord
		_ = attributevalue.UnmarshalMap(ccf.Item, &r)
		if p.Capacity != nil && r.Active > *p.Capacity {
			return pool.Account{}, pool.Conflictf("account_busy",
				"account %q hosts %d lessons now; lower its capacity to %d after they end", id, r.Active, *p.Capacity)
		}
		return pool.Account{}, pool.Conflictf("account_busy",
			"account %q hosts %d lessons now, on its present Zoom user; change zoom_user_id or credentials_ref after they end (disable it meanwhile)", id, r.Active)
	}
	if err != nil {
		return pool.Account{}, fmt.Errorf("update account %s: %w", id, err)
	}
	return s.Account(ctx, id)
}

// DeleteAccount removes an account that holds no lesson. It returns
// account_not_found or account_busy *pool.Errors.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	if !pool.ValidID(id) {
		return accountNotFound(id)
	}
	e := expr(expression.NewBuilder().WithCondition(
		expression.AttributeExists(expression.Name(attrPK)).And(eq("active", 0))))
	for attempt := 1; ; attempt++ {
		err := s.write(ctx, "account "+id, func(ctx context.Context) error {
			_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
				TableName: &s.table, Key: key(poolPK(s.pool), accountSK(id)),
				ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			})
			return err
		})
		if _, ok := asConditionFailed(err); !ok {
			if err != nil {
				return fmt.Errorf("delete account %s: %w", id, err)
			}
			return nil
		}
		// Missing or busy: the account, read now, tells which.
		a, err := s.Account(ctx, id)
		if err != nil {
			return err
		}
		if len(a.Holds) == 0 && attempt < 3 {
			continue // its lessons ended meanwhile
		}
		lessons := make([]string, 0, len(a.Holds))
		for _, h := range a.Holds {
			lessons = append(lessons, h.LessonID)
		}
		return pool.Conflictf("account_busy", "account %q holds lesson %s; delete it after the lesson ends, or disable it now",
			id, strings.Join(lessons, ", "))
	}
}
