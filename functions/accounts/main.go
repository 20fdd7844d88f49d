// Command accounts is the accounts Lambda function: the Zoom accounts API.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app/accounts"
)

func main() {
	h, err := accounts.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("start accounts", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
