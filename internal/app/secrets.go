package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// readSecretParameter reads an SSM SecureString parameter, once per cold
// start. A parameter that does not exist yields "" (so the webhook refuses
// everything, or the calendar links stay off, until it is created); any other failure is returned, so that
// Lambda starts the function afresh and tries again.
func readSecretParameter(ctx context.Context, name string, log *slog.Logger) (string, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", fmt.Errorf("load AWS config: %w", err)
	}
	out, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if _, missing := errors.AsType[*types.ParameterNotFound](err); missing {
		log.Error("the SSM parameter does not exist", "parameter", name)
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read SSM parameter %s: %w", name, err)
	}
	return aws.ToString(out.Parameter.Value), nil
}
