// Command zoom-webhook is the zoom-webhook Lambda function: Zoom's signed
// meeting events, POST /schedule/webhook/zoom.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app/webhook"
)

func main() {
	h, err := webhook.FromEnv(os.Getenv, os.Stdout)
	if err != nil {
		slog.Error("start zoom-webhook", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
