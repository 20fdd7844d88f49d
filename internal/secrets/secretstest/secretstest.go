// Package secretstest is a double of AWS Secrets Manager's GetSecretValue and
// SSM Parameter Store's GetParameter, speaking their JSON 1.1 wire protocol
// over HTTP, so that tests read secrets through the real AWS SDK.
package secretstest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// Region and Account are those of the double's ARNs.
const (
	Region  = "eu-west-1"
	Account = "123456789012"
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
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "double-secret-key", ""),
		BaseEndpoint: aws.String(s.HTTP.URL),
		HTTPClient:   s.HTTP.Client(),
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

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256 ") {
		writeError(w, http.StatusForbidden, "MissingAuthenticationTokenException", "Missing Authentication Token")
		return
	}
	var in struct {
		SecretID       string `json:"SecretId"`
		Name           string `json:"Name"`
		WithDecryption bool   `json:"WithDecryption"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &in); err != nil {
		writeError(w, http.StatusBadRequest, "SerializationException", "the body is not JSON")
		return
	}
	switch target := r.Header.Get("X-Amz-Target"); target {
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
