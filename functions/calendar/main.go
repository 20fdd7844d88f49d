// Command calendar is the calendar Lambda function: lessons and the calendar.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app/calendar"
)

func main() {
	h, err := calendar.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("start calendar", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
