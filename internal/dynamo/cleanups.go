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

// Cleanups implements pool.ReleaseStore: one consistent Query of the pool's
// cleanup partition. Records that cannot be read are logged and left out.
func (s *Store) Cleanups(ctx context.Context) ([]pool.Cleanup, error) {
	e := expr(expression.NewBuilder().WithKeyCondition(expression.Key(attrPK).Equal(expression.Value(cleanupPK(s.pool)))))
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, ConsistentRead: aws.Bool(true),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("query the cleanups of pool %s: %w", s.pool, err)
	}
	out := make([]pool.Cleanup, 0, len(items))
	for _, item := range items {
		c, err := decodeCleanup(item)
		if err != nil {
			s.skipUnreadable(item, err)
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

func decodeCleanup(item map[string]types.AttributeValue) (pool.Cleanup, error) {
	var r cleanupRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return pool.Cleanup{}, fmt.Errorf("decode cleanup: %w", err)
	}
	return r.cleanup()
}

// DoneCleanup implements pool.Store and pool.ReleaseStore: one DeleteItem.
func (s *Store) DoneCleanup(ctx context.Context, token string) error {
	err := s.write(ctx, "cleanup "+token, func(ctx context.Context) error {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(cleanupPK(s.pool), token)})
		return err
	})
	if err != nil {
		return fmt.Errorf("delete cleanup %s: %w", token, err)
	}
	return nil
}

// RetryCleanup implements pool.ReleaseStore: one UpdateItem, conditional on
// the cleanup still being there.
func (s *Store) RetryCleanup(ctx context.Context, token, lastErr string) error {
	u := s.update(key(cleanupPK(s.pool), token),
		expression.Add(expression.Name("attempts"), expression.Value(1)).
			Set(expression.Name("last_error"), expression.Value(truncate(lastErr, maxAttentionMessage))),
		expression.AttributeExists(expression.Name(attrPK)))
	err := s.updateItem(ctx, "cleanup "+token, u, false)
	if _, gone := asConditionFailed(err); gone {
		return nil
	}
	if err != nil {
		return fmt.Errorf("record the failure of cleanup %s: %w", token, err)
	}
	return nil
}
