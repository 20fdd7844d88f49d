package secrets

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// The Reader calls each service's one read operation itself, a signed POST
// of the services' JSON 1.1 protocol, rather than through the SDK's SSM and
// Secrets Manager clients: those packages initialise descriptions of every
// operation of their services when a function starts, which costs the
// functions that read a secret more of their cold start than everything
// else they link but the DynamoDB client. Signing, credentials and the HTTP
// client are the SDK's, from the aws.Config.

// jsonService is an AWS service with a JSON 1.1 API.
type jsonService struct {
	// name signs requests and starts the service's host name.
	name string
	// targetPrefix starts the X-Amz-Target of its operations.
	targetPrefix string
	// endpointVar is the SDK's service-specific endpoint variable.
	endpointVar string
}

var (
	ssmService            = jsonService{name: "ssm", targetPrefix: "AmazonSSM", endpointVar: "AWS_ENDPOINT_URL_SSM"}
	secretsManagerService = jsonService{name: "secretsmanager", targetPrefix: "secretsmanager", endpointVar: "AWS_ENDPOINT_URL_SECRETS_MANAGER"}
)

// client calls one service.
type client struct {
	service  jsonService
	endpoint string
	cfg      aws.Config
	http     aws.HTTPClient
	signer   *v4.Signer
	attempts int
}

// newClient returns a client of svc with cfg's region, credentials, HTTP
// client and maximum attempts (3 when unset). Its endpoint is, as the SDK's
// clients choose theirs, the service-specific variable (such as
// AWS_ENDPOINT_URL_SSM), else cfg.BaseEndpoint (AWS_ENDPOINT_URL), else the
// service's regional endpoint.
func newClient(cfg aws.Config, svc jsonService) *client {
	c := &client{service: svc, cfg: cfg, http: cfg.HTTPClient, signer: v4.NewSigner(), attempts: cfg.RetryMaxAttempts}
	switch {
	case os.Getenv(svc.endpointVar) != "":
		c.endpoint = os.Getenv(svc.endpointVar)
	case cfg.BaseEndpoint != nil:
		c.endpoint = *cfg.BaseEndpoint
	default:
		c.endpoint = "https://" + svc.name + "." + cfg.Region + "." + dnsSuffix(cfg.Region)
	}
	if c.http == nil {
		c.http = awshttp.NewBuildableClient()
	}
	if c.attempts <= 0 {
		c.attempts = 3
	}
	return c
}

// dnsSuffix is the domain of the AWS partition that holds region.
func dnsSuffix(region string) string {
	for _, p := range []struct{ prefix, suffix string }{
		{"cn-", "amazonaws.com.cn"},
		{"us-isob-", "sc2s.sgov.gov"},
		{"us-isof-", "csp.hci.ic.gov"},
		{"us-iso-", "c2s.ic.gov"},
		{"eu-isoe-", "cloud.adc-e.uk"},
		{"eusc-", "amazonaws.eu"},
	} {
		if strings.HasPrefix(region, p.prefix) {
			return p.suffix
		}
	}
	return "amazonaws.com"
}

// apiError is an error answer of an AWS service.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s (HTTP %d)", e.Code, e.Status)
	}
	return fmt.Sprintf("%s: %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// retryable reports whether trying again may succeed: the service failed or
// throttled, not the request.
func (e *apiError) retryable() bool {
	switch e.Code {
	case "ThrottlingException", "Throttling", "TooManyRequestsException", "RequestLimitExceeded", "RequestThrottled",
		"RequestThrottledException", "InternalServerError", "InternalServiceError", "InternalFailure", "ServiceUnavailable":
		return true
	}
	return e.Status >= 500 || e.Status == http.StatusTooManyRequests
}

// call calls the operation op with the JSON of in and decodes the answer
// into out, trying again with a jittered backoff while that may help.
func (c *client) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		err = c.do(ctx, op, body, out)
		if err == nil || !transient(ctx, err) || attempt >= c.attempts {
			return err
		}
		backoff := time.Duration(rand.Int64N(int64(min(time.Second, 50*time.Millisecond<<attempt))))
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(backoff):
		}
	}
}

// transient reports whether err, of a call made with ctx, may not recur:
// the service failed or throttled, or the network failed.
func transient(ctx context.Context, err error) bool {
	if ae, ok := errors.AsType[*apiError](err); ok {
		return ae.retryable()
	}
	return ctx.Err() == nil && !errors.Is(err, errNoCredentials)
}

var errNoCredentials = errors.New("no AWS credentials")

// do sends one signed request.
func (c *client) do(ctx context.Context, op string, body []byte, out any) error {
	if c.cfg.Credentials == nil {
		return errNoCredentials
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoCredentials, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", c.service.targetPrefix+"."+op)
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), c.service.name, c.cfg.Region, time.Now().UTC()); err != nil {
		return err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return err
	}
	if res.StatusCode != http.StatusOK {
		return errorOf(res, answer)
	}
	if err := json.Unmarshal(answer, out); err != nil {
		return fmt.Errorf("%s answered %s with what is not its JSON: %w", c.service.name, op, err)
	}
	return nil
}

// errorOf reads an error answer: its type from the body's __type or the
// X-Amzn-ErrorType header, either of which may carry a namespace before '#'
// or details after ':'.
func errorOf(res *http.Response, body []byte) error {
	var e struct {
		Type         string `json:"__type"`
		Code         string `json:"code"`
		Message      string `json:"message"`
		MessageUpper string `json:"Message"`
	}
	_ = json.Unmarshal(body, &e)
	code := cmp.Or(res.Header.Get("X-Amzn-ErrorType"), e.Type, e.Code)
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return &apiError{Status: res.StatusCode, Code: cmp.Or(code, http.StatusText(res.StatusCode)), Message: cmp.Or(e.Message, e.MessageUpper)}
}
