// Command zoom-webhook is the zoom-webhook Lambda function: Zoom's signed
// meeting events, POST /schedule/webhook/zoom.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/app"
)

func main() {
	a, err := app.FromEnv(context.Background(), os.Getenv)
	if err != nil {
		slog.Error("start zoom-webhook", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(a.ZoomWebhook()).ProxyWithContext)
}
