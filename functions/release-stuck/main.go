// Command release-stuck is the release-stuck Lambda function: every ten
// minutes (EventBridge Scheduler) it releases the accounts of stuck holds,
// and once a day it logs the capacity look-ahead of the next 14 days.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"zoompool/internal/app"
)

func main() {
	a, err := app.FromEnv(context.Background(), os.Getenv)
	if err != nil {
		slog.Error("start release-stuck", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Scheduled())
}
