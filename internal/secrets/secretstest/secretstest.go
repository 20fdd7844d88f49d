// Package secretstest is a double of AWS Secrets Manager's GetSecretValue and
// SSM Parameter Store's GetParameter, speaking their JSON 1.1 wire protocol
// over HTTP and checking each request's Signature Version 4 as AWS does, so
// that tests read secrets through the same requests as in AWS.
package secretstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and Account are those of the double's ARNs.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
)

// InRegion makes the DynamoDB clients a test makes from now on work in
// Region, as the functions given Environment do: an engine that keeps each
// region's tables apart (DynamoDB, moto's) then shows the functions the
// tables the test created. Call it before pooltest.New.
func InRegion(t testing.TB) { t.Setenv("AWS_REGION", Region) }

// The credentials the double accepts.
const (
	AccessKeyID     = "AKIDEXAMPLE"
	SecretAccessKey = "double-secret-key"
)

// Server is the double. Secrets and parameters are kept apart, as in AWS.
type Server struct {
	HTTP *httptest.Server

	mu         sync.Mutex
	secrets    map[string]string // Secrets Manager, by name
	parameters map[string]string // SSM, by name
	denied     map[string]bool   // names whose reads answer AccessDeniedException
	failures   int               // the next reads answer InternalServiceError
	calls      map[string]int    // by name
	requests   []Request
}

// NewServer starts a double and stops it when tb ends.
func NewServer(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{secrets: map[string]string{}, parameters: map[string]string{}, denied: map[string]bool{}, calls: map[string]int{}}
	s.HTTP = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.HTTP.Close)
	return s
}

// AWSConfig is an AWS SDK configuration whose clients call the double, with
// dummy credentials (requests are signed as usual).
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider(AccessKeyID, SecretAccessKey, ""),
		BaseEndpoint: aws.String(s.HTTP.URL),
		HTTPClient:   s.HTTP.Client(),
	}
}

// Environment is the environment under which the AWS SDK's default
// configuration (config.LoadDefaultConfig) reaches the double, with
// credentials it accepts, and reads no configuration file and no instance
// metadata.
func (s *Server) Environment() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL": s.HTTP.URL, "AWS_REGION": Region,
		"AWS_ACCESS_KEY_ID": AccessKeyID, "AWS_SECRET_ACCESS_KEY": SecretAccessKey,
		"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent", "AWS_EC2_METADATA_DISABLED": "true",
	}
}

// PutSecret creates or rotates a Secrets Manager secret.
func (s *Server) PutSecret(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.secrets[name] = value
}

// PutParameter creates or rotates an SSM SecureString parameter.
func (s *Server) PutParameter(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parameters[name] = value
}

// Deny makes reads of name answer AccessDeniedException.
func (s *Server) Deny(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[name] = true
}

// Fail makes the next n reads answer 500 InternalServiceError.
func (s *Server) Fail(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = n
}

// Calls is how many reads of name the double answered.
func (s *Server) Calls(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[name]
}

// SecretARN is the ARN of a secret, with the random suffix AWS adds.
func SecretARN(name string) string {
	return fmt.Sprintf("arn:aws:secretsmanager:%s:%s:secret:%s-AbCdEf", Region, Account, name)
}

// ParameterARN is the ARN of a parameter (whose name's leading slash the ARN drops).
func ParameterARN(name string) string {
	return fmt.Sprintf("arn:aws:ssm:%s:%s:parameter/%s", Region, Account, strings.TrimPrefix(name, "/"))
}

// Request is what a request asked for, as the double read it.
type Request struct {
	// Target is its X-Amz-Target, such as AmazonSSM.GetParameter.
	Target string
	// ContentType is its Content-Type.
	ContentType string
	// Input is its JSON body, decoded.
	Input map[string]any
}

// Requests returns the requests the double answered, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	target := r.Header.Get("X-Amz-Target")
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	if msg := verify(r, body, signingName(target)); msg != "" {
		writeError(w, http.StatusForbidden, "InvalidSignatureException", msg)
		return
	}
	var in struct {
		SecretID       string `json:"SecretId"`
		Name           string `json:"Name"`
		WithDecryption bool   `json:"WithDecryption"`
	}
	req := Request{Target: target, ContentType: r.Header.Get("Content-Type")}
	if err := errors.Join(json.Unmarshal(body, &in), json.Unmarshal(body, &req.Input)); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "the body is not JSON")
		return
	}
	s.mu.Lock()
	s.requests = append(s.requests, req)
	s.mu.Unlock()
	switch target {
	case "secretsmanager.GetSecretValue":
		name := in.SecretID
		s.mu.Lock()
		for n := range s.secrets {
			if SecretARN(n) == in.SecretID {
				name = n
			}
		}
		v, ok, err := s.read(s.secrets, name)
		s.mu.Unlock()
		switch {
		case err != "":
			writeError(w, statusOf(err), err, "")
		case !ok:
			writeError(w, http.StatusBadRequest, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.")
		default:
			writeJSON(w, map[string]any{"ARN": SecretARN(name), "Name": name, "SecretString": v,
				"VersionId": "EXAMPLE1-90ab-cdef-fedc-ba987SECRET1", "VersionStages": []string{"AWSCURRENT"}, "CreatedDate": 1.7e9})
		}
	case "AmazonSSM.GetParameter":
		name := in.Name
		s.mu.Lock()
		for n := range s.parameters {
			if ParameterARN(n) == in.Name {
				name = n
			}
		}
		v, ok, err := s.read(s.parameters, name)
		s.mu.Unlock()
		switch {
		case err != "":
			writeError(w, statusOf(err), err, "")
		case !ok:
			writeError(w, http.StatusBadRequest, "ParameterNotFound", "")
		default:
			if !in.WithDecryption {
				v = "AQICAHh" + strings.Repeat("x", len(v)) // ciphertext, as SSM answers without decryption
			}
			writeJSON(w, map[string]any{"Parameter": map[string]any{"ARN": ParameterARN(name), "Name": name,
				"Type": "SecureString", "Value": v, "Version": 1, "DataType": "text", "LastModifiedDate": 1.7e9}})
		}
	default:
		writeError(w, http.StatusBadRequest, "UnknownOperationException", "unknown operation "+target)
	}
}

// read looks name up in m; s.mu is held. err is an AWS error type, if any.
func (s *Server) read(m map[string]string, name string) (v string, ok bool, err string) {
	s.calls[name]++
	switch {
	case s.failures > 0:
		s.failures--
		return "", false, "InternalServiceError"
	case s.denied[name]:
		return "", false, "AccessDeniedException"
	}
	v, ok = m[name]
	return v, ok, ""
}

func statusOf(awsError string) int {
	if awsError == "InternalServiceError" {
		return http.StatusInternalServerError
	}
	return http.StatusBadRequest
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-ErrorType", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// signingName is the service whose signature a request for target must carry.
func signingName(target string) string {
	if strings.HasPrefix(target, "AmazonSSM.") {
		return "ssm"
	}
	return "secretsmanager"
}

// verify checks r's Signature Version 4 as AWS checks it: signed by the
// double's credentials, for service in Region, over the headers it names and
// body. It returns what is wrong, or "".
func verify(r *http.Request, body []byte, service string) string {
	auth := strings.TrimPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ")
	fields := map[string]string{}
	for _, f := range strings.Split(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(f), "=")
		fields[k] = v
	}
	scope := strings.Split(fields["Credential"], "/")
	if len(scope) != 5 || scope[0] != AccessKeyID || scope[2] != Region || scope[3] != service || scope[4] != "aws4_request" {
		return fmt.Sprintf("the credential scope %q is not %s/<date>/%s/%s/aws4_request", fields["Credential"], AccessKeyID, Region, service)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return "X-Amz-Date is missing or not a time such as 20261201T080000Z"
	}
	again, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err.Error()
	}
	again.Host = r.Host
	again.ContentLength = 0
	for _, h := range strings.Split(fields["SignedHeaders"], ";") {
		switch h {
		case "host":
		case "content-length":
			again.ContentLength = r.ContentLength
		default:
			again.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: AccessKeyID, SecretAccessKey: SecretAccessKey, SessionToken: r.Header.Get("X-Amz-Security-Token")}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, again, hex.EncodeToString(sum[:]), service, Region, at); err != nil {
		return err.Error()
	}
	if again.Header.Get("Authorization") != r.Header.Get("Authorization") {
		return "The request signature we calculated does not match the signature you provided."
	}
	return ""
}
