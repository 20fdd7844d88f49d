// Command baseline is the yardstick of `make coldstart`, never deployed: a
// Lambda function that only creates a DynamoDB client, configured as the
// functions configure theirs (awsenv), and answers "ok". The functions'
// init durations are measured against its own.
package main

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/awsenv"
)

func main() {
	client := dynamodb.NewFromConfig(awsenv.Config(os.Getenv))
	lambda.Start(func(context.Context) (string, error) {
		if client == nil {
			return "", errors.New("no client")
		}
		return "ok", nil
	})
}
