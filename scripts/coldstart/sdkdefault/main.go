// Command sdkdefault is a reference of `make coldstart`, never deployed: a
// Lambda function that only creates a DynamoDB client with the SDK's default
// configuration loader (config.LoadDefaultConfig), as most functions do, and
// answers "ok". It shows what the loader the functions leave out would cost.
package main

import (
	"context"
	"errors"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func main() {
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		slog.Error("start sdkdefault", "err", err)
		os.Exit(1)
	}
	client := dynamodb.NewFromConfig(cfg)
	lambda.Start(func(context.Context) (string, error) {
		if client == nil {
			return "", errors.New("no client")
		}
		return "ok", nil
	})
}
