// Package dynamo stores the pool, its holds and the lessons in one DynamoDB
// table. Every write that claims, commits or releases a hold is conditional, and
// writes that must agree happen in one TransactWriteItems.
//
// It speaks in pool's terms: failed conditions come back as pool.ErrAccountBusy,
// pool.ErrLessonChanged, pool.ErrHoldLost or a *pool.Error.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Store is the DynamoDB store of one pool.
type Store struct {
	client *dynamodb.Client
	table  string
	pool   string
}

// New returns the store for pool poolID in table.
func New(client *dynamodb.Client, table, poolID string) *Store {
	return &Store{client: client, table: table, pool: poolID}
}

// Table is the name of the store's table.
func (s *Store) Table() string { return s.table }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		attrPK: &types.AttributeValueMemberS{Value: pk},
		attrSK: &types.AttributeValueMemberS{Value: sk},
	}
}

// expr builds an expression; the builders used here only fail on programming errors.
func expr(b expression.Builder) expression.Expression {
	e, err := b.Build()
	if err != nil {
		panic(fmt.Sprintf("dynamo: build expression: %v", err))
	}
	return e
}

// asConditionFailed reports whether err is a failed condition of a single-item
// write, with the item as it was when asked for (ReturnValuesOnConditionCheckFailure).
func asConditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	return errors.AsType[*types.ConditionalCheckFailedException](err)
}

// failedConditions returns, for a cancelled transaction, which of its items
// failed their condition; ok is false for any other error.
func failedConditions(err error) (failed []bool, ok bool) {
	tce, isTCE := errors.AsType[*types.TransactionCanceledException](err)
	if !isTCE {
		return nil, false
	}
	failed = make([]bool, len(tce.CancellationReasons))
	for i, r := range tce.CancellationReasons {
		failed[i] = aws.ToString(r.Code) == "ConditionalCheckFailed"
	}
	return failed, true
}

// failedAt reports whether item i of a cancelled transaction failed its condition.
func failedAt(failed []bool, i int) bool { return i < len(failed) && failed[i] }

func eq(name string, v any) expression.ConditionBuilder {
	return expression.Name(name).Equal(expression.Value(v))
}

func (s *Store) put(item any, cond *expression.ConditionBuilder) (*types.Put, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return nil, err
	}
	p := &types.Put{TableName: &s.table, Item: av}
	if cond != nil {
		e := expr(expression.NewBuilder().WithCondition(*cond))
		p.ConditionExpression, p.ExpressionAttributeNames, p.ExpressionAttributeValues = e.Condition(), e.Names(), e.Values()
	}
	return p, nil
}

// versioned is the condition of writing back a record read at version prev:
// that there is none yet (prev 0, a create) or that it is still at prev.
func versioned(prev int) expression.ConditionBuilder {
	if prev == 0 {
		return expression.AttributeNotExists(expression.Name(attrPK))
	}
	return eq("version", prev)
}

// putItem sends p on its own, outside a transaction.
func (s *Store) putItem(ctx context.Context, p *types.Put) error {
	_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: p.TableName, Item: p.Item,
		ConditionExpression: p.ConditionExpression, ExpressionAttributeNames: p.ExpressionAttributeNames,
		ExpressionAttributeValues: p.ExpressionAttributeValues,
	})
	return err
}

func (s *Store) update(k map[string]types.AttributeValue, upd expression.UpdateBuilder, cond expression.ConditionBuilder) *types.Update {
	e := expr(expression.NewBuilder().WithUpdate(upd).WithCondition(cond))
	return &types.Update{
		TableName: &s.table, Key: k,
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}
}

// transactAttempts bounds how often transact sends a transaction that
// DynamoDB cancelled only because a concurrent one touched the same items.
const transactAttempts = 5

// transact writes items in one transaction. DynamoDB cancels a transaction
// that meets another one on the same item (TransactionConflict) without
// applying any of it, so such a transaction is sent again, after a short
// random pause, up to transactAttempts times. A failed condition is final.
func (s *Store) transact(ctx context.Context, items ...types.TransactWriteItem) error {
	for attempt := 1; ; attempt++ {
		_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if attempt == transactAttempts || !onlyConflicts(err) {
			return err
		}
		pause := time.Duration(rand.Int64N(int64(attempt) * int64(20*time.Millisecond)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

// onlyConflicts reports whether err cancelled a transaction for concurrent
// transactions alone: no condition failed.
func onlyConflicts(err error) bool {
	tce, ok := errors.AsType[*types.TransactionCanceledException](err)
	if !ok {
		return false
	}
	conflict := false
	for _, r := range tce.CancellationReasons {
		switch aws.ToString(r.Code) {
		case "TransactionConflict":
			conflict = true
		case "None", "":
		default:
			return false
		}
	}
	return conflict
}

// get reads one item consistently into the record dst and reports whether it exists.
func (s *Store) get(ctx context.Context, pk, sk string, dst any) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		return false, err
	}
	return true, attributevalue.UnmarshalMap(out.Item, dst)
}

// query runs in and returns every page's items.
func (s *Store) query(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		items = append(items, page.Items...)
	}
	return items, nil
}

func itemType(item map[string]types.AttributeValue) string {
	if v, ok := item["type"].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}
