package dynamo

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client configured the usual AWS way (region and
// credentials from the environment or the Lambda role). A non-empty endpoint
// replaces AWS's: DynamoDB Local, the embedded engine, or any compatible
// service. Endpoints outside AWS (loopback, or a host such as
// host.docker.internal that is not under amazonaws.com) get dummy credentials
// and a default region, as local engines accept any (and `sam local`'s
// container may have none), and their responses' checksums are not checked
// (the embedded engine sends none).
func NewClient(ctx context.Context, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	var loadOpts []func(*config.LoadOptions) error
	local := false
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("DynamoDB endpoint %q is not a URL such as http://localhost:8000", endpoint)
		}
		if local = outsideAWS(u.Hostname()); local {
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
		if local {
			o.DisableValidateResponseChecksum = true
		}
		for _, fn := range optFns {
			fn(o)
		}
		o.HTTPClient = plainBodies{next: o.HTTPClient}
	}), nil
}

// outsideAWS reports whether host is a local engine's rather than an AWS
// endpoint's (*.amazonaws.com, *.amazonaws.com.cn, *.api.aws).
func outsideAWS(host string) bool {
	if host == "localhost" {
		return true
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.IsLoopback() || ip.IsPrivate()
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, aws := range []string{".amazonaws.com", ".amazonaws.com.cn", ".api.aws"} {
		if strings.HasSuffix(host, aws) {
			return false
		}
	}
	return true
}
