package dynamo

import (
	"strconv"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// written is an expression written out rather than built: the start's claim
// and commit, on every start's path, where the expression builder would cost
// more than the rest of the start's own work. Each #name in the expressions
// stands for the attribute name (names lists them), each :value for the
// entry of values.
type written struct {
	update, condition string
	names             []string
	values            map[string]types.AttributeValue
}

// on is w as an update of the item with key k in table.
func (w written) on(table *string, k map[string]types.AttributeValue) *types.Update {
	u := &types.Update{TableName: table, Key: k, ConditionExpression: &w.condition,
		ExpressionAttributeNames: make(map[string]string, len(w.names)), ExpressionAttributeValues: w.values}
	if w.update != "" {
		u.UpdateExpression = &w.update
	}
	for _, n := range w.names {
		u.ExpressionAttributeNames["#"+n] = n
	}
	return u
}

// notThere is the condition of a put that creates an item.
const notThere = "attribute_not_exists(pk)"

func str(s string) types.AttributeValue   { return &types.AttributeValueMemberS{Value: s} }
func num(n int) types.AttributeValue      { return &types.AttributeValueMemberN{Value: strconv.Itoa(n)} }
func boolean(b bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: b} }
