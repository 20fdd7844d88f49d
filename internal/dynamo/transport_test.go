package dynamo_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/dynamo"
)

type doFunc func(*http.Request) (*http.Response, error)

func (f doFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

// The SDK closes a request's body once the response is in, while net/http's
// writer may still be copying what is left of it. That late copy must end
// without an error: net/http would close the connection under the response,
// and the SDK would send an applied conditional write a second time.
func TestRequestBodiesEndQuietlyOnceTheSDKClosedThem(t *testing.T) {
	var bodies []io.Reader
	client, err := dynamo.NewClient(aws.Config{}, "http://127.0.0.1:8000", func(o *dynamodb.Options) {
		o.HTTPClient = doFunc(func(r *http.Request) (*http.Response, error) {
			// net/http copies the body to the connection here, then copies
			// the rest (nothing) after the response arrived.
			if _, err := io.Copy(io.Discard, r.Body); err != nil {
				t.Errorf("copy the body: %v", err)
			}
			bodies = append(bodies, r.Body)
			return &http.Response{StatusCode: http.StatusOK, Request: r,
				Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
				Body:   io.NopCloser(strings.NewReader(`{}`))}, nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String("t"),
		Item:                map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "L1"}},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != 1 {
		t.Fatalf("the SDK sent %d requests, want 1", len(bodies))
	}
	// The SDK has closed the body by now.
	if n, err := io.Copy(io.Discard, bodies[0]); n != 0 || err != nil {
		t.Errorf("copying the rest of a body the SDK closed: %d bytes, %v; want 0 and no error", n, err)
	}
}
