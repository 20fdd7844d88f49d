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
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"zoompool/internal/pool"
)

// Store is the DynamoDB store of one pool.
type Store struct {
	// Log receives the records that cannot be read, which reads of many
	// records skip. slog.Default when nil.
	Log *slog.Logger

	client *dynamodb.Client
	table  string
	pool   string
}

func (s *Store) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// skipUnreadable logs a record that a read of many records leaves out
// because it cannot be decoded, with its key, so that one bad record never
// takes a whole read down.
func (s *Store) skipUnreadable(item map[string]types.AttributeValue, err error) {
	s.log().Error("skipped a record that cannot be read; fix or delete it",
		"table", s.table, "pk", stringAttr(item, attrPK), "sk", stringAttr(item, attrSK), "err", err)
}

func stringAttr(item map[string]types.AttributeValue, name string) string {
	if v, ok := item[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
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

// putItem sends p on its own, outside a transaction (see write).
func (s *Store) putItem(ctx context.Context, what string, p *types.Put) error {
	return s.write(ctx, what, func(ctx context.Context) error {
		_, err := s.client.PutItem(ctx, &dynamodb.PutItemInput{
			TableName: p.TableName, Item: p.Item,
			ConditionExpression: p.ConditionExpression, ExpressionAttributeNames: p.ExpressionAttributeNames,
			ExpressionAttributeValues: p.ExpressionAttributeValues,
		})
		return err
	})
}

func (s *Store) update(k map[string]types.AttributeValue, upd expression.UpdateBuilder, cond expression.ConditionBuilder) *types.Update {
	e := expr(expression.NewBuilder().WithUpdate(upd).WithCondition(cond))
	return &types.Update{
		TableName: &s.table, Key: k,
		UpdateExpression: e.Update(), ConditionExpression: e.Condition(),
		ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}
}

// check is the transaction item that checks cond on the item at k.
func (s *Store) check(k map[string]types.AttributeValue, cond expression.ConditionBuilder) *types.ConditionCheck {
	e := expr(expression.NewBuilder().WithCondition(cond))
	return &types.ConditionCheck{
		TableName: &s.table, Key: k,
		ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	}
}

// updateItem sends u on its own, outside a transaction (see write). With
// returnOld, a failed condition comes back with the item as it was.
func (s *Store) updateItem(ctx context.Context, what string, u *types.Update, returnOld bool) error {
	in := &dynamodb.UpdateItemInput{
		TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
		ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames,
		ExpressionAttributeValues: u.ExpressionAttributeValues,
	}
	if returnOld {
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	return s.write(ctx, what, func(ctx context.Context) error {
		_, err := s.client.UpdateItem(ctx, in)
		return err
	})
}

// writeAttempts bounds how often write sends a write that DynamoDB refused
// without applying it.
const writeAttempts = 6

// transact writes items in one transaction (see write).
func (s *Store) transact(ctx context.Context, what string, items ...types.TransactWriteItem) error {
	return s.write(ctx, what, func(ctx context.Context) error {
		_, err := s.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	})
}

// write sends a write (send), and sends it again after a short, jittered
// pause when DynamoDB refused it without applying any of it: because it met a
// transaction on the same item (TransactionConflictException, or a
// transaction cancelled for TransactionConflict), or for throughput
// (throttling the SDK's own retries did not get past, or a transaction
// cancelled for ThrottlingError). After writeAttempts refusals it returns
// pool.Busy (409) or pool.Throttled (503), both with a Retry-After, naming
// what. Failed conditions and every other error come back as they are.
func (s *Store) write(ctx context.Context, what string, send func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := send(ctx)
		r := refusalOf(err)
		switch {
		case r == notRefused:
			return err
		case attempt+1 < writeAttempts:
		case r == throttled:
			return pool.Throttled(time.Second, fmt.Errorf("write %s: refused %d times: %w", what, writeAttempts, err))
		default:
			return pool.Busy(what, time.Second, fmt.Errorf("write %s: refused %d times: %w", what, writeAttempts, err))
		}
		t := time.NewTimer(pool.Backoff(attempt, 10*time.Millisecond, 300*time.Millisecond))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// refusal says why DynamoDB refused a request without applying it.
type refusal int

const (
	notRefused refusal = iota
	conflicted         // a concurrent transaction holds an item
	throttled          // throughput exceeded
)

// throttleCodes are the error codes of throughput refusals.
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true, "ThrottlingException": true,
	"RequestLimitExceeded": true, "TransactionInProgressException": true,
}

// refusalOf classifies err: a refusal that applied nothing and may be sent
// again, or notRefused (success, a failed condition, any other error).
func refusalOf(err error) refusal {
	if err == nil {
		return notRefused
	}
	if tce, ok := errors.AsType[*types.TransactionCanceledException](err); ok {
		r := notRefused
		for _, reason := range tce.CancellationReasons {
			switch aws.ToString(reason.Code) {
			case "TransactionConflict":
				r = max(r, conflicted)
			case "ThrottlingError", "ProvisionedThroughputExceeded":
				r = throttled
			case "None", "":
			default:
				return notRefused // a failed condition, or a request that is wrong
			}
		}
		return r
	}
	if _, ok := errors.AsType[*types.TransactionConflictException](err); ok {
		return conflicted
	}
	if ae, ok := errors.AsType[smithy.APIError](err); ok && throttleCodes[ae.ErrorCode()] {
		return throttled
	}
	return notRefused
}

// readError turns a read that storage kept refusing for throughput into
// pool.Throttled (503 with a Retry-After); other errors stay as they are.
func readError(err error) error {
	if refusalOf(err) == throttled {
		return pool.Throttled(time.Second, err)
	}
	return err
}

// get reads one item consistently into the record dst and reports whether it exists.
func (s *Store) get(ctx context.Context, pk, sk string, dst any) (bool, error) {
	out, err := s.client.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil || out.Item == nil {
		return false, readError(err)
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
			return nil, readError(err)
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
