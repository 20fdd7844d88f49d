package core

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"
	"github.com/truora/minidyn/types"
)

func TestRollbackTransactionRestoresWhatItWrote(t *testing.T) {
	c := require.New(t)
	table := newPartitionedTable(t)
	before := table.Snapshot()
	key := func(pk, sk string) map[string]*types.Item {
		return map[string]*types.Item{"pk": {S: aws.String(pk)}, "sk": {S: aws.String(sk)}}
	}

	table.BeginTransaction()
	// A new item, in both indexes.
	put(t, table, map[string]*types.Item{"pk": {S: aws.String("new")}, "sk": {S: aws.String("1")},
		"gpk": {S: aws.String("1")}, "gsk": {S: aws.String("new")}, "hpk": {S: aws.String("1")}})
	// An item replaced by one outside the indexes.
	put(t, table, key("a", "1"))
	// An item updated in place, moving in an index.
	_, err := table.Update(&types.UpdateItemInput{
		Key: key("a", "2"), UpdateExpression: "SET gpk = :g, extra = :g",
		ExpressionAttributeValues: map[string]*types.Item{":g": {S: aws.String("9")}},
	})
	c.NoError(err)
	// An update that creates its item.
	_, err = table.Update(&types.UpdateItemInput{
		Key: key("c", "1"), UpdateExpression: "SET hpk = :h",
		ExpressionAttributeValues: map[string]*types.Item{":h": {S: aws.String("c")}},
	})
	c.NoError(err)
	// A deleted item.
	_, err = table.Delete(&types.DeleteItemInput{Key: key("b", "3")})
	c.NoError(err)
	c.NotEqual(before.data, table.Data)

	table.RollbackTransaction()

	c.Equal(before.data, table.Data)
	c.Equal(before.sortedKeys, table.SortedKeys)

	for name, index := range table.Indexes {
		c.Equal(before.indexes[name].entries, index.entries, name)
		c.Equal(before.indexes[name].refs, index.refs, name)
	}

	// Writes after the rollback are not recorded.
	put(t, table, key("d", "1"))
	c.Empty(table.undo)
}

func TestCommitTransactionKeepsWhatItWrote(t *testing.T) {
	c := require.New(t)
	table := newPartitionedTable(t)

	table.BeginTransaction()
	put(t, table, map[string]*types.Item{"pk": {S: aws.String("new")}, "sk": {S: aws.String("1")}})
	table.CommitTransaction()
	table.RollbackTransaction()

	c.Contains(table.Data, "new.1")
	c.Contains(table.SortedKeys, "new.1")
	c.Empty(table.undo)
}
