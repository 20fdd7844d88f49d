package dynamo

import (
	"context"
	"fmt"
	"net"
	"net/url"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client configured the usual AWS way (region and
// credentials from the environment or the Lambda role). A non-empty endpoint
// replaces AWS's: DynamoDB Local, the embedded engine, or any compatible
// service. Loopback endpoints get dummy credentials and a default region, as
// local engines accept any, and their responses' checksums are not checked
// (the embedded engine sends none).
func NewClient(ctx context.Context, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	var loadOpts []func(*config.LoadOptions) error
	loopback := false
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("DynamoDB endpoint %q is not a URL such as http://localhost:8000", endpoint)
		}
		if loopback = isLoopback(u.Hostname()); loopback {
			loadOpts = append(loadOpts,
				config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("local", "local", "")),
				config.WithDefaultRegion("us-east-1"))
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if loopback {
			o.DisableValidateResponseChecksum = true
		}
		for _, fn := range optFns {
			fn(o)
		}
		o.HTTPClient = plainBodies{next: o.HTTPClient}
	}), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
