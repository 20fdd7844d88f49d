// Command start-lesson is the start-lesson Lambda function: POST /schedule/lesson/{id}/start.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app/start"
)

func main() {
	h, err := start.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("start start-lesson", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
