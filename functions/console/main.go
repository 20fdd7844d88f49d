// Command console is the console Lambda function: the pool console's page,
// its assets and its sign-in settings. It links no storage and no Zoom.
package main

import (
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"zoompool/internal/console"
)

func main() {
	cfg, err := console.ConfigFromEnv(os.Getenv)
	if err != nil {
		slog.Error("start console", "err", err)
		os.Exit(1)
	}
	h, err := console.New(cfg)
	if err != nil {
		slog.Error("start console", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(h).ProxyWithContext)
}
