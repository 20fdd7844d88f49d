package core

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/stretchr/testify/require"
	"github.com/truora/minidyn/types"
)

// newPartitionedTable returns a table keyed by pk and sk with an index keyed
// by gpk and gsk ("by-g") and a hash-only index on hpk ("by-h"), holding
// items in partitions whose keys are prefixes of one another. Its key
// strings do not collide (a + b.1 and a.b + 1 would).
func newPartitionedTable(t *testing.T) *Table {
	t.Helper()
	c := require.New(t)

	table := NewTable("partitioned")
	table.BillingMode = aws.String("PAY_PER_REQUEST")
	table.SetAttributeDefinition([]*types.AttributeDefinition{
		{AttributeName: aws.String("pk"), AttributeType: aws.String("S")},
		{AttributeName: aws.String("sk"), AttributeType: aws.String("S")},
		{AttributeName: aws.String("gpk"), AttributeType: aws.String("S")},
		{AttributeName: aws.String("gsk"), AttributeType: aws.String("S")},
		{AttributeName: aws.String("hpk"), AttributeType: aws.String("S")},
	})
	c.NoError(table.CreatePrimaryIndex(&types.CreateTableInput{KeySchema: []*types.KeySchemaElement{
		{AttributeName: "pk", KeyType: "HASH"}, {AttributeName: "sk", KeyType: "RANGE"},
	}}))
	c.NoError(table.AddGlobalIndexes([]*types.GlobalSecondaryIndex{
		{
			IndexName:  aws.String("by-g"),
			KeySchema:  []*types.KeySchemaElement{{AttributeName: "gpk", KeyType: "HASH"}, {AttributeName: "gsk", KeyType: "RANGE"}},
			Projection: &types.Projection{ProjectionType: aws.String("ALL")},
		},
		{
			IndexName:  aws.String("by-h"),
			KeySchema:  []*types.KeySchemaElement{{AttributeName: "hpk", KeyType: "HASH"}},
			Projection: &types.Projection{ProjectionType: aws.String("ALL")},
		},
	}))

	for _, pk := range []string{"a", "a.b", "a-b", "ab", "a.", "b"} {
		for _, sk := range []string{"1", "2", "x", "3"} {
			put(t, table, map[string]*types.Item{
				"pk": {S: aws.String(pk)}, "sk": {S: aws.String(sk)},
				"gpk": {S: aws.String(sk)}, "gsk": {S: aws.String(pk)},
				"hpk": {S: aws.String(sk)},
			})
		}
	}

	return table
}

func put(t *testing.T, table *Table, item map[string]*types.Item) {
	t.Helper()

	_, err := table.Put(&types.PutItemInput{TableName: aws.String(table.Name), Item: item})
	require.NoError(t, err)
}

// keysOf returns the "pk/sk" of each item.
func keysOf(items []map[string]*types.Item) []string {
	keys := []string{}
	for _, item := range items {
		keys = append(keys, *item["pk"].S+"/"+*item["sk"].S)
	}

	return keys
}

func TestSearchDataReadsOnlyThePartition(t *testing.T) {
	table := newPartitionedTable(t)
	values := map[string]*types.Item{
		":a": {S: aws.String("a")}, ":b": {S: aws.String("b")}, ":p": {S: aws.String("x")},
		":one": {S: aws.String("1")}, ":two": {S: aws.String("2")}, ":x": {S: aws.String("x")},
	}
	aliases := map[string]string{"#pk": "pk", "#sk": "sk"}

	tests := []struct {
		name      string
		index     string
		condition string
		forward   bool
		want      []string
	}{
		{"hash key", "", "pk = :a", true, []string{"a/1", "a/2", "a/3", "a/x"}},
		{"backwards", "", "pk = :a", false, []string{"a/x", "a/3", "a/2", "a/1"}},
		{"alias, value first", "", ":a = #pk", true, []string{"a/1", "a/2", "a/3", "a/x"}},
		{"range condition", "", "#pk = :a AND begins_with(#sk, :p)", true, []string{"a/x"}},
		{"range condition first", "", "(#sk BETWEEN :one AND :two) AND (#pk = :a)", true, []string{"a/1", "a/2"}},
		{"partition without items", "", "pk = :x", true, []string{}},
		{"partition that prefixes others", "", "pk = :b", true, []string{"b/1", "b/2", "b/3", "b/x"}},
		{"index", "by-g", "gpk = :one", true, []string{"a/1", "a-b/1", "a./1", "a.b/1", "ab/1", "b/1"}},
		{"index backwards, range condition", "by-g", "gpk = :one AND gsk > :a", false, []string{"b/1", "ab/1", "a.b/1", "a./1", "a-b/1"}},
		{"hash-only index", "by-h", "hpk = :one", true, []string{"a-b/1", "a./1", "a/1", "a.b/1", "ab/1", "b/1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, last, err := table.SearchData(QueryInput{
				Index: tt.index, KeyConditionExpression: tt.condition, ScanIndexForward: tt.forward,
				ExpressionAttributeValues: values, Aliases: aliases,
			})
			require.NoError(t, err)
			require.Equal(t, tt.want, keysOf(items))
			require.Empty(t, last)
		})
	}
}

func TestSearchDataPagesThroughThePartition(t *testing.T) {
	for _, forward := range []bool{true, false} {
		table := newPartitionedTable(t)
		input := QueryInput{
			KeyConditionExpression: "pk = :a", ScanIndexForward: forward, Limit: 3,
			ExpressionAttributeValues: map[string]*types.Item{":a": {S: aws.String("a.b")}},
		}

		var pages [][]string

		for {
			items, last, err := table.SearchData(input)
			require.NoError(t, err)

			pages = append(pages, keysOf(items))

			if len(last) == 0 {
				break
			}

			input.ExclusiveStartKey = last
		}

		want := [][]string{{"a.b/1", "a.b/2", "a.b/3"}, {"a.b/x"}}
		if !forward {
			want = [][]string{{"a.b/x", "a.b/3", "a.b/2"}, {"a.b/1"}}
		}

		require.Equal(t, want, pages, "forward: %v", forward)
	}
}

func TestSearchDataLimitCountsOnlyThePartition(t *testing.T) {
	table := newPartitionedTable(t)

	items, last, err := table.SearchData(QueryInput{
		KeyConditionExpression: "pk = :b", FilterExpression: "sk <> :x", Limit: 3, ScanIndexForward: true,
		ExpressionAttributeValues: map[string]*types.Item{":b": {S: aws.String("b")}, ":x": {S: aws.String("x")}},
	})
	require.NoError(t, err)
	// Items of partitions sorted before b used to count towards the Limit.
	require.Equal(t, []string{"b/1", "b/2", "b/3"}, keysOf(items))
	require.Equal(t, "b", *last["pk"].S)
	require.Equal(t, "3", *last["sk"].S)
}

func TestSearchPartition(t *testing.T) {
	ks := keySchema{HashKey: "pk", RangeKey: "sk"}
	attrs := map[string]string{"pk": "S", "sk": "S", "n": "N"}
	values := map[string]*types.Item{":v": {S: aws.String("x")}, ":n": {N: aws.String("1")}}

	tests := []struct {
		condition  string
		ks         keySchema
		key        string
		prefix, ok bool
	}{
		{"pk = :v", ks, "x.", true, true},
		{"#k = :v AND sk > :v", ks, "x.", true, true},
		{"pk = :v", keySchema{HashKey: "pk"}, "x", false, true},
		{"pk = :v OR pk = :w", ks, "", false, false},
		{"NOT pk = :v", ks, "", false, false},
		{"pk = :missing", ks, "", false, false},
		{"pk = :n", ks, "", false, false},
		{"sk = :v", ks, "", false, false},
		{"n = :n", keySchema{HashKey: "n"}, "", false, false},
		{"pk = ", ks, "", false, false},
	}
	for _, tt := range tests {
		key, prefix, ok := searchPartition(tt.ks, attrs, QueryInput{
			KeyConditionExpression: tt.condition, ExpressionAttributeValues: values, Aliases: map[string]string{"#k": "pk"},
		})
		require.Equal(t, []any{tt.key, tt.prefix, tt.ok}, []any{key, prefix, ok}, tt.condition)
	}
}

func TestIndexDropsItemsThatLoseItsKey(t *testing.T) {
	c := require.New(t)
	table := newPartitionedTable(t)
	index := table.Indexes["by-g"]
	c.EqualValues(24, index.count())

	// The same item without gpk and gsk leaves the index.
	put(t, table, map[string]*types.Item{"pk": {S: aws.String("a")}, "sk": {S: aws.String("1")}})
	c.EqualValues(23, index.count())

	items, _, err := table.SearchData(QueryInput{Index: "by-g", Scan: true, ScanIndexForward: true})
	c.NoError(err)
	c.NotContains(keysOf(items), "a/1")

	// A changed index key moves the item.
	put(t, table, map[string]*types.Item{"pk": {S: aws.String("a")}, "sk": {S: aws.String("2")},
		"gpk": {S: aws.String("9")}, "gsk": {S: aws.String("a")}})

	items, _, err = table.SearchData(QueryInput{
		Index: "by-g", KeyConditionExpression: "gpk = :g", ScanIndexForward: true,
		ExpressionAttributeValues: map[string]*types.Item{":g": {S: aws.String("9")}},
	})
	c.NoError(err)
	c.Equal([]string{"a/2"}, keysOf(items))
	c.EqualValues(23, index.count())

	_, err = table.Delete(&types.DeleteItemInput{Key: map[string]*types.Item{"pk": {S: aws.String("a")}, "sk": {S: aws.String("2")}}})
	c.NoError(err)
	c.EqualValues(22, index.count())
	c.Len(index.refs, 22)
}
