package dynamo

import (
	"context"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// A user item (pk=USER#<sub>, sk=USER) keeps what Zoom Pool knows of a
// signed-in user: the version of their private calendar feed links. Users
// are created by their first revocation; until then the version is 0.
const (
	typeUser = "user"
	userSK   = "USER"
)

func userPK(sub string) string { return "USER#" + sub }

type userRecord struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Type        string `dynamodbav:"type"`
	Subject     string `dynamodbav:"sub"`
	FeedVersion int    `dynamodbav:"feed_version"`
}

// maxSubjectLen bounds a subject used in a key (a partition key holds 2048 bytes).
const maxSubjectLen = 512

func checkSubject(sub string) error {
	if sub == "" || len(sub) > maxSubjectLen {
		return fmt.Errorf("user subject of %d bytes: want 1 to %d", len(sub), maxSubjectLen)
	}
	return nil
}

// FeedVersion returns the version of user sub's calendar feed links, read
// consistently: links of an older version are revoked.
func (s *Store) FeedVersion(ctx context.Context, sub string) (int, error) {
	if err := checkSubject(sub); err != nil {
		return 0, err
	}
	var r userRecord
	if _, err := s.get(ctx, userPK(sub), userSK, &r); err != nil {
		return 0, fmt.Errorf("get user %s: %w", sub, err)
	}
	return r.FeedVersion, nil
}

// RevokeFeeds increments the version of user sub's calendar feed links, which
// revokes every link made so far, and returns the new version.
func (s *Store) RevokeFeeds(ctx context.Context, sub string) (int, error) {
	if err := checkSubject(sub); err != nil {
		return 0, err
	}
	e := expr(expression.NewBuilder().WithUpdate(expression.
		Add(expression.Name("feed_version"), expression.Value(1)).
		Set(expression.Name("type"), expression.Value(typeUser)).
		Set(expression.Name("sub"), expression.Value(sub))))
	var out *dynamodb.UpdateItemOutput
	err := s.write(ctx, "the feed links of user "+sub, func(ctx context.Context) error {
		var err error
		out, err = s.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: key(userPK(sub), userSK),
			UpdateExpression: e.Update(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
			ReturnValues: types.ReturnValueUpdatedNew,
		})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke feeds of user %s: %w", sub, err)
	}
	n, ok := out.Attributes["feed_version"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("revoke feeds of user %s: no feed_version in the answer", sub)
	}
	v, err := strconv.Atoi(n.Value)
	if err != nil {
		return 0, fmt.Errorf("revoke feeds of user %s: feed_version %q: %w", sub, n.Value, err)
	}
	return v, nil
}
