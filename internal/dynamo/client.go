package dynamo

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// NewClient returns a DynamoDB client with cfg. A non-empty
// endpoint replaces AWS's: DynamoDB Local, the embedded engine, or any
// compatible service. Endpoints outside AWS (loopback, or a host such as
// host.docker.internal that is not under amazonaws.com) get dummy
// credentials and a default region, as local engines accept any (and `sam
// local`'s container may have none), and their responses' checksums are not
// checked (the embedded engine sends none).
func NewClient(cfg aws.Config, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	local := false
	if endpoint != "" {
		u, err := url.Parse(endpoint)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("DynamoDB endpoint %q is not a URL such as http://localhost:8000", endpoint)
		}
		local = outsideAWS(u.Hostname())
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if local {
			o.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
			if o.Region == "" {
				o.Region = "us-east-1"
			}
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
