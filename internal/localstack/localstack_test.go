package localstack_test

import (
	"context"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/localstack"
)

// Requests counts the requests the engine answered. Those whose connection
// failed before any answer (here: no engine listens any more), which the
// SDK sends again, are not counted.
func TestRequestsCountWhatTheEngineAnswered(t *testing.T) {
	ctx := context.Background()
	eng, err := localstack.Start(localstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	client, err := eng.Client(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := localstack.CreateTable(ctx, client, "requests"); err != nil {
		t.Fatal(err)
	}
	get := &dynamodb.GetItemInput{TableName: aws.String("requests"), Key: map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "ACCOUNT#1"}, "sk": &types.AttributeValueMemberS{Value: "ACCOUNT"}}}

	eng.ResetRequests()
	if _, err := client.GetItem(ctx, get); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"GetItem": 1}
	if got := eng.Requests(); !maps.Equal(got, want) {
		t.Fatalf("one GetItem counted as %v, want %v", got, want)
	}

	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := client.GetItem(ctx, get); err == nil {
		t.Fatal("GetItem of a closed engine succeeded")
	}
	if got := eng.Requests(); !maps.Equal(got, want) {
		t.Errorf("after GetItems the closed engine never answered, the counts are %v, want still %v", got, want)
	}
}
