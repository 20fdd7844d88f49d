package secrets

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// TestRegionalEndpoints checks the endpoints of both services in a region of
// each partition against those the SDK's own clients resolve.
func TestRegionalEndpoints(t *testing.T) {
	ctx := context.Background()
	for _, region := range []string{"eu-central-1", "us-east-1", "us-gov-west-1", "cn-north-1", "cn-northwest-1",
		"us-iso-east-1", "us-isob-east-1", "us-isof-south-1", "eu-isoe-west-1", "eusc-de-east-1"} {
		sdkSSM, err := ssm.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, ssm.EndpointParameters{Region: aws.String(region)})
		if err != nil {
			t.Fatal(err)
		}
		sdkSM, err := secretsmanager.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, secretsmanager.EndpointParameters{Region: aws.String(region)})
		if err != nil {
			t.Fatal(err)
		}
		cfg := aws.Config{Region: region}
		if got, want := newClient(cfg, ssmService).endpoint, sdkSSM.URI.String(); got != want {
			t.Errorf("SSM in %s: %s, want %s", region, got, want)
		}
		if got, want := newClient(cfg, secretsManagerService).endpoint, sdkSM.URI.String(); got != want {
			t.Errorf("Secrets Manager in %s: %s, want %s", region, got, want)
		}
	}
}
