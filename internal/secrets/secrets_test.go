package secrets_test

import (
	"context"
	"errors"
	"io/fs"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/ssm"

	"zoompool/internal/secrets"
	"zoompool/internal/secrets/secretstest"
)

// newReader returns a double and a Reader that reaches it through the AWS
// SDK, with a settable clock.
func newReader(t *testing.T) (*secretstest.Server, *secrets.Reader, *time.Time) {
	t.Helper()
	aws := secretstest.NewServer(t)
	cfg := aws.AWSConfig()
	cfg.RetryMaxAttempts = 1 // the failure tests count single requests
	r := secrets.New(cfg)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	r.Now = func() time.Time { return now }
	return aws, r, &now
}

func TestReadsEitherService(t *testing.T) {
	aws, r, _ := newReader(t)
	aws.PutSecret("zoom-pool/zoom/room4", "from secrets manager")
	aws.PutParameter("/zoom-pool/zoom/room5", "from ssm")
	for _, tc := range []struct{ ref, want string }{
		{"zoom-pool/zoom/room4", "from secrets manager"},
		{"secretsmanager:zoom-pool/zoom/room4", "from secrets manager"},
		{secretstest.SecretARN("zoom-pool/zoom/room4"), "from secrets manager"},
		{"ssm:/zoom-pool/zoom/room5", "from ssm"},
		{secretstest.ParameterARN("/zoom-pool/zoom/room5"), "from ssm"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			got, err := r.Get(context.Background(), tc.ref)
			if err != nil || got != tc.want {
				t.Errorf("Get(%s) = %q, %v; want %q", tc.ref, got, err, tc.want)
			}
		})
	}
}

func TestCachedForTheTTLThenRotated(t *testing.T) {
	aws, r, now := newReader(t)
	r.TTL = 5 * time.Minute
	aws.PutSecret("zoom-pool/zoom/default", "v1")
	ctx := context.Background()
	get := func() string {
		t.Helper()
		v, err := r.Get(ctx, "zoom-pool/zoom/default")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get()
	aws.PutSecret("zoom-pool/zoom/default", "v2") // rotated
	*now = now.Add(4 * time.Minute)
	if v := get(); v != "v1" || aws.Calls("zoom-pool/zoom/default") != 1 {
		t.Errorf("within the TTL: %q after %d reads of AWS, want the cached v1 after 1", v, aws.Calls("zoom-pool/zoom/default"))
	}
	*now = now.Add(2 * time.Minute)
	if v := get(); v != "v2" || aws.Calls("zoom-pool/zoom/default") != 2 {
		t.Errorf("past the TTL: %q after %d reads, want the rotated v2 after 2", v, aws.Calls("zoom-pool/zoom/default"))
	}
}

func TestConcurrentReadsShareOneRequest(t *testing.T) {
	aws, r, _ := newReader(t)
	aws.PutParameter("/zoom-pool/zoom/default", "value")
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if v, err := r.Get(context.Background(), "ssm:/zoom-pool/zoom/default"); err != nil || v != "value" {
				t.Errorf("Get = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
	if n := aws.Calls("/zoom-pool/zoom/default"); n != 1 {
		t.Errorf("20 concurrent reads made %d requests, want 1", n)
	}
}

func TestFailures(t *testing.T) {
	aws, r, now := newReader(t)
	r.Prefix = "zoom-pool/zoom/"
	aws.PutSecret("zoom-pool/zoom/forbidden", "x")
	aws.Deny("zoom-pool/zoom/forbidden")
	aws.PutSecret("elsewhere/secret", "x")
	ctx := context.Background()
	for _, tc := range []struct {
		ref  string
		want error
	}{
		{"zoom-pool/zoom/missing", fs.ErrNotExist},
		{"ssm:/zoom-pool/zoom/missing", fs.ErrNotExist},
		{"zoom-pool/zoom/forbidden", fs.ErrPermission},
		{"elsewhere/secret", fs.ErrPermission},
		{"ssm:/elsewhere/secret", fs.ErrPermission},
		{"arn:aws:s3:::bucket/zoom-pool/zoom/x", fs.ErrInvalid},
		{"ssm:", fs.ErrInvalid},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			if _, err := r.Get(ctx, tc.ref); !errors.Is(err, tc.want) {
				t.Errorf("Get(%s) = %v, want %v", tc.ref, err, tc.want)
			}
		})
	}
	if n := aws.Calls("elsewhere/secret"); n != 0 {
		t.Errorf("a secret outside the prefix was requested %d times, want never", n)
	}

	t.Run("store down", func(t *testing.T) {
		aws.PutSecret("zoom-pool/zoom/default", "last good")
		if _, err := r.Get(ctx, "zoom-pool/zoom/default"); err != nil {
			t.Fatal(err)
		}
		*now = now.Add(time.Hour)
		aws.Fail(1)
		if v, err := r.Get(ctx, "zoom-pool/zoom/default"); err != nil || v != "last good" {
			t.Errorf("a failed refresh gave %q, %v; want the last value read", v, err)
		}
		aws.Fail(1)
		if _, err := r.Get(ctx, "zoom-pool/zoom/never-read"); err == nil || errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			t.Errorf("a failed first read gave %v, want a plain (transient) error", err)
		}
	})
}

// TestRequestsAsTheSDKSendsThem reads through the Reader and through the AWS
// SDK's own SSM and Secrets Manager clients: the double, which checks
// signatures as AWS does, accepts both, and both ask for the same.
func TestRequestsAsTheSDKSendsThem(t *testing.T) {
	double := secretstest.NewServer(t)
	double.PutSecret("zoom-pool/zoom/room4", "from secrets manager")
	double.PutParameter("/zoom-pool/zoom/room5", "from ssm")
	cfg := double.AWSConfig()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(secretstest.AccessKeyID, secretstest.SecretAccessKey, "session-token")
	ctx := context.Background()

	if v, err := secrets.New(cfg).Get(ctx, "zoom-pool/zoom/room4"); err != nil || v != "from secrets manager" {
		t.Fatalf("Reader: %q, %v", v, err)
	}
	if _, err := secrets.New(cfg).Get(ctx, "ssm:/zoom-pool/zoom/room5"); err != nil {
		t.Fatalf("Reader: %v", err)
	}
	sm, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String("zoom-pool/zoom/room4")})
	if err != nil || aws.ToString(sm.SecretString) != "from secrets manager" {
		t.Fatalf("the SDK's Secrets Manager client: %v", err)
	}
	p, err := ssm.NewFromConfig(cfg).GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/zoom-pool/zoom/room5"), WithDecryption: aws.Bool(true)})
	if err != nil || aws.ToString(p.Parameter.Value) != "from ssm" {
		t.Fatalf("the SDK's SSM client: %v", err)
	}
	reqs := double.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, name := range []string{"GetSecretValue", "GetParameter"} {
		ours, sdks := reqs[i], reqs[i+2]
		if ours.Target != sdks.Target || ours.ContentType != sdks.ContentType || !reflect.DeepEqual(ours.Input, sdks.Input) {
			t.Errorf("%s: the Reader sent %+v, the SDK %+v", name, ours, sdks)
		}
	}

	t.Run("wrong key", func(t *testing.T) {
		bad := cfg
		bad.Credentials = credentials.NewStaticCredentialsProvider(secretstest.AccessKeyID, "not-the-key", "")
		if _, err := secrets.New(bad).Get(ctx, "zoom-pool/zoom/room4"); err == nil || !strings.Contains(err.Error(), "InvalidSignatureException") {
			t.Errorf("a request signed with another key: %v, want InvalidSignatureException", err)
		}
	})
}

func TestEndpoints(t *testing.T) {
	double := secretstest.NewServer(t)
	double.PutParameter("/p", "from the SSM endpoint")
	cfg := double.AWSConfig()
	cfg.BaseEndpoint = aws.String("http://127.0.0.1:1") // nothing listens
	t.Setenv("AWS_ENDPOINT_URL_SSM", double.HTTP.URL)
	if v, err := secrets.New(cfg).Get(context.Background(), "ssm:/p"); err != nil || v != "from the SSM endpoint" {
		t.Errorf("with AWS_ENDPOINT_URL_SSM: %q, %v; want the SSM endpoint's", v, err)
	}
}
