// Package awsenv is the AWS SDK configuration a Lambda function gets from its
// environment: its region, its role's credentials and, when set, an endpoint
// for every service.
//
// It stands in for the SDK's config.LoadDefaultConfig in the functions. That
// loader also reads shared configuration files and can take credentials from
// SSO, web identity, AWS sign-in, processes and instance metadata, sources a
// Lambda function never has; they are linked all the same, and make up about
// 1.5 MB of each bootstrap and a share of its cold start. The local runner and
// the tests, which run where those sources are, keep the SDK's loader.
package awsenv

import (
	"cmp"
	"context"
	"errors"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// Config returns the AWS configuration of getenv's environment:
//
//   - Region: AWS_REGION (or AWS_DEFAULT_REGION), which Lambda sets;
//   - Credentials: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
//     AWS_SESSION_TOKEN, which Lambda sets to the function role's, or else
//     the container credentials endpoint AWS_CONTAINER_CREDENTIALS_FULL_URI
//     (with AWS_CONTAINER_AUTHORIZATION_TOKEN or its _FILE), as in
//     environments restored from a snapshot; without either, requests that
//     need credentials fail saying so;
//   - BaseEndpoint: AWS_ENDPOINT_URL, when set.
//
// Retries, timeouts and the HTTP client are the SDK's defaults.
func Config(getenv func(string) string) aws.Config {
	cfg := aws.Config{Region: cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"))}
	switch {
	case getenv("AWS_ACCESS_KEY_ID") != "":
		cfg.Credentials = credentials.NewStaticCredentialsProvider(getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"), getenv("AWS_SESSION_TOKEN"))
	case getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") != "":
		token, tokenFile := getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN"), getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
		cfg.Credentials = aws.NewCredentialsCache(endpointcreds.New(getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI"), func(o *endpointcreds.Options) {
			o.AuthorizationToken = token
			if tokenFile != "" {
				// The file's token may be rotated: read it for every request.
				o.AuthorizationTokenProvider = endpointcreds.TokenProviderFunc(func() (string, error) {
					b, err := os.ReadFile(tokenFile)
					return strings.TrimSpace(string(b)), err
				})
			}
		}))
	default:
		cfg.Credentials = noCredentials{}
	}
	if u := getenv("AWS_ENDPOINT_URL"); u != "" {
		cfg.BaseEndpoint = aws.String(u)
	}
	return cfg
}

// noCredentials fails every request that needs credentials, saying where a
// function's come from. (Clients of endpoints outside AWS, such as DynamoDB
// Local, bring their own.)
type noCredentials struct{}

func (noCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("no AWS credentials: Lambda gives a function its role's in AWS_ACCESS_KEY_ID, " +
		"AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, and none is set")
}
