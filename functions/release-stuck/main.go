// Command release-stuck is the release-stuck Lambda function: every ten
// minutes (EventBridge Scheduler) it releases the accounts of stuck holds,
// and once a day it logs the capacity look-ahead of the next 14 days.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"zoompool/internal/app/sweep"
)

func main() {
	h, err := sweep.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("start release-stuck", "err", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
