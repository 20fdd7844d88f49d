// Package localstack stands in for AWS when Zoom Pool runs locally or under
// test. Its DynamoDB is the embedded minidyn engine served over HTTP on
// loopback, or the endpoint named by DYNAMODB_ENDPOINT (DynamoDB Local, or AWS
// itself); either way the real AWS SDK client talks to it over HTTP, and tables
// are created from the definition in template.yaml. Its Gateway routes
// template.yaml's HTTP routes to the functions' handlers, as API Gateway does.
package localstack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	miniserver "github.com/truora/minidyn/server"

	"zoompool"
	"zoompool/internal/dynamo"
	"zoompool/internal/pool"
	"zoompool/internal/sam"
)

// Options configures Start.
type Options struct {
	// Endpoint, when set, is used instead of starting the embedded engine.
	Endpoint string
	// Addr is where the embedded engine listens; a free loopback port when empty.
	Addr string
}

// Engine is a running DynamoDB endpoint.
type Engine struct {
	// Endpoint is the engine's URL.
	Endpoint string
	// Embedded is the in-process engine, or nil for an external endpoint.
	Embedded *miniserver.Server

	server    *http.Server
	requests  *counter
	transport *http.Transport
}

// Start starts the embedded engine, or connects to opts.Endpoint.
func Start(opts Options) (*Engine, error) {
	// Connections of its own: a connection kept alive to an engine that was
	// closed must never serve a later engine on the same port.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	e := &Engine{Endpoint: opts.Endpoint, requests: newCounter(transport), transport: transport}
	if e.Endpoint != "" {
		return e, nil
	}
	addr := opts.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("start embedded DynamoDB engine: %w", err)
	}
	e.Embedded = miniserver.NewServer()
	e.server = &http.Server{Handler: e.Embedded, ReadHeaderTimeout: 10 * time.Second}
	e.Endpoint = "http://" + ln.Addr().String()
	go func() { _ = e.server.Serve(ln) }()
	return e, nil
}

// Close stops the embedded engine (its data is lost).
func (e *Engine) Close() error {
	e.transport.CloseIdleConnections()
	if e.server == nil {
		return nil
	}
	return e.server.Close()
}

// Client returns an SDK client for the engine. Its requests are counted (see
// Requests) and pass the injected faults (see InjectFaults), and it retries
// faults with short backoffs so fault tests run fast; optFns change that.
func (e *Engine) Client(ctx context.Context, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	return NewClient(ctx, e.Endpoint, append([]func(*dynamodb.Options){func(o *dynamodb.Options) {
		o.HTTPClient = &http.Client{Transport: e.requests}
		o.APIOptions = append(o.APIOptions, e.requests.trace)
		o.Retryer = retry.AddWithMaxBackoffDelay(retry.NewStandard(), 20*time.Millisecond)
	}}, optFns...)...)
}

// NewClient returns a DynamoDB client configured the usual AWS way (region and
// credentials from the environment, the shared files or SSO, as the AWS CLI
// finds them), on endpoint as dynamo.NewClient does: for the local runner
// and the tests, which may reach DynamoDB Local or a real table.
func NewClient(ctx context.Context, endpoint string, optFns ...func(*dynamodb.Options)) (*dynamodb.Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS config: %w", err)
	}
	return dynamo.NewClient(cfg, endpoint, optFns...)
}

// NoRetries is a client option (see Client) that turns the SDK's own retries
// off, so that every injected fault reaches the code under test.
func NoRetries(o *dynamodb.Options) { o.Retryer = retry.AddWithMaxAttempts(retry.NewStandard(), 1) }

// Requests returns how many requests of each operation (GetItem, Query, ...)
// the engine's clients sent since the last ResetRequests, retries included:
// those the engine (or an injected fault) answered, or that the client gave
// up waiting for. A request whose connection failed before any answer (such
// as a reused connection that was closed) is not counted; the SDK sends it
// again, and that is counted.
func (e *Engine) Requests() map[string]int { return e.requests.snapshot() }

// ResetRequests zeroes the request counts.
func (e *Engine) ResetRequests() { e.requests.reset() }

// Call is one operation of the engine's clients, as Trace records it: its
// name, when the client was called, when it returned (the SDK's own work and
// retries included), and the HTTP status of its last answer (200 for
// success, 0 when none came).
type Call struct {
	Op         string
	Start, End time.Time
	Status     int
}

// Trace starts (on) or stops recording every operation the engine's clients
// send, and forgets what was recorded; Calls returns it. Tests count round
// trips and failed transactions with it, and time each operation.
func (e *Engine) Trace(on bool) { e.requests.setTrace(on) }

// Calls returns the operations recorded since Trace(true), in the order they
// returned.
func (e *Engine) Calls() []Call { return e.requests.traced() }

// SetLatency makes every request of the engine's clients wait d before it is
// sent, as the network to DynamoDB would; 0 sends at once. With it, requests
// sent together visibly overlap, and round trips can be counted.
func (e *Engine) SetLatency(d time.Duration) {
	e.requests.mu.Lock()
	e.requests.latency = d
	e.requests.mu.Unlock()
}

// Fail makes every request fail with an internal server error (on) or work
// again (off): the embedded engine's own failure emulation, or, on an external
// endpoint, the clients' transport.
func (e *Engine) Fail(on bool) {
	if e.Embedded != nil {
		cond := miniserver.FailureConditionNone
		if on {
			cond = miniserver.FailureConditionInternalServerError
		}
		e.Embedded.EmulateFailure(cond)
		return
	}
	e.requests.setFail(on)
}

// Fault is what the clients' transport does to one request.
type Fault int

// Faults.
const (
	// Pass sends the request as it is.
	Pass Fault = iota
	// FailRequest answers 500 InternalServerError without sending the request.
	FailRequest
	// TimeoutAfterApply sends the request, so that it takes effect, and then
	// fails it as a dropped connection does: the client cannot tell whether
	// it took effect.
	TimeoutAfterApply
	// Conflict answers as DynamoDB does when the request meets a running
	// transaction: TransactionConflictException for a single-item write, a
	// cancellation with reason TransactionConflict for a transaction. Nothing
	// is applied. Reads pass.
	Conflict
	// Throttle answers as DynamoDB does when throughput is exceeded:
	// ThrottlingException, or for a transaction a cancellation with reason
	// ThrottlingError. Nothing is applied.
	Throttle
	// Stall holds the request until the client gives up on it (its context
	// ends), as a table too busy to answer in time does. Nothing is applied.
	Stall
)

// String names the fault.
func (f Fault) String() string {
	return [...]string{"pass", "error", "timeout after apply", "conflict", "throttle", "stall"}[f]
}

// Faults decides what happens to each request: op is its operation
// (GetItem, TransactWriteItems, ...), n counts the requests since the faults
// were injected, from 1.
type Faults func(op string, n int) Fault

// InjectFaults makes the clients' transport apply f to every request from now
// on, whatever the endpoint: the embedded engine or DYNAMODB_ENDPOINT. nil
// stops injecting.
func (e *Engine) InjectFaults(f Faults) { e.requests.setFaults(f) }

// FailNth returns Faults that apply fault to the n-th request (counted from
// 1) and pass every other.
func FailNth(n int, fault Fault) Faults {
	return func(_ string, i int) Fault {
		if i == n {
			return fault
		}
		return Pass
	}
}

// FailOps returns Faults that apply fault to the first n requests of the
// operations ops, and pass every other.
func FailOps(n int, fault Fault, ops ...string) Faults {
	var mu sync.Mutex
	return func(op string, _ int) Fault {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 && slices.Contains(ops, op) {
			n--
			return fault
		}
		return Pass
	}
}

// CancelTransactions makes the clients' next n TransactWriteItems requests
// come back cancelled for a TransactionConflict, as DynamoDB answers a
// transaction that meets a concurrent one on the same item. The embedded
// engine runs one operation at a time and never answers so itself.
func (e *Engine) CancelTransactions(n int) { e.requests.addConflicts(n) }

// CreateTable creates a table named name with the key schema and indexes of
// template.yaml's table, and waits until it is active. A table that exists
// already is left as it is.
func CreateTable(ctx context.Context, client *dynamodb.Client, name string) error {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		return err
	}
	in := TableInput(tmpl.Table, name)
	out, err := client.CreateTable(ctx, in)
	if _, exists := errors.AsType[*types.ResourceInUseException](err); exists {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	// AWS creates tables asynchronously; DynamoDB Local and the embedded
	// engine are done at once (the embedded one reports no status at all).
	desc := out.TableDescription
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for !active(desc) {
		if err := pool.Sleep(ctx, time.Second); err != nil {
			return fmt.Errorf("wait for table %s to become active: %w", name, err)
		}
		d, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
		if err != nil {
			return fmt.Errorf("describe table %s: %w", name, err)
		}
		desc = d.Table
	}
	return nil
}

func active(d *types.TableDescription) bool {
	if d == nil {
		return true
	}
	if d.TableStatus != "" && d.TableStatus != types.TableStatusActive {
		return false
	}
	for _, ix := range d.GlobalSecondaryIndexes {
		if ix.IndexStatus != "" && ix.IndexStatus != types.IndexStatusActive {
			return false
		}
	}
	return true
}

// TableInput turns the template's table into a CreateTable request.
func TableInput(t sam.Table, name string) *dynamodb.CreateTableInput {
	keys := func(ks []sam.KeyElement) []types.KeySchemaElement {
		out := make([]types.KeySchemaElement, len(ks))
		for i, k := range ks {
			out[i] = types.KeySchemaElement{AttributeName: aws.String(k.AttributeName), KeyType: types.KeyType(k.KeyType)}
		}
		return out
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(t.BillingMode),
		KeySchema:   keys(t.KeySchema),
	}
	for _, a := range t.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.AttributeName), AttributeType: types.ScalarAttributeType(a.AttributeType)})
	}
	for _, ix := range t.GlobalSecondaryIndexes {
		p := &types.Projection{ProjectionType: types.ProjectionType(ix.Projection.ProjectionType)}
		if len(ix.Projection.NonKeyAttributes) > 0 {
			p.NonKeyAttributes = ix.Projection.NonKeyAttributes
		}
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName: aws.String(ix.IndexName), KeySchema: keys(ix.KeySchema), Projection: p})
	}
	return in
}

// DeleteTable deletes a table created for a test.
func DeleteTable(ctx context.Context, client *dynamodb.Client, name string) error {
	_, err := client.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: &name})
	return err
}

// counter is an http.RoundTripper that counts DynamoDB operations and can
// fail them.
type counter struct {
	next      http.RoundTripper
	mu        sync.Mutex
	ops       map[string]int
	fail      bool
	conflicts int // TransactWriteItems still to cancel with TransactionConflict
	faults    Faults
	seq       int // requests since faults were set
	tracing   bool
	calls     []Call
	latency   time.Duration
}

func newCounter(next http.RoundTripper) *counter {
	return &counter{next: next, ops: map[string]int{}}
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	op := r.Header.Get("X-Amz-Target")
	op = op[strings.LastIndexByte(op, '.')+1:]
	c.mu.Lock()
	c.ops[op]++
	fail := c.fail
	conflict := op == "TransactWriteItems" && c.conflicts > 0
	if conflict {
		c.conflicts--
	}
	fault, faults := Pass, c.faults
	if faults != nil {
		c.seq++
		fault = faults(op, c.seq)
	}
	latency := c.latency
	c.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, r.Context().Err()
		}
	}
	return c.answer(r, op, fail, conflict, fault)
}

// answer sends r, or answers it as the failure or fault set for it.
func (c *counter) answer(r *http.Request, op string, fail, conflict bool, fault Fault) (*http.Response, error) {
	switch {
	case fail:
		return response(r, http.StatusInternalServerError, nil), nil
	case conflict:
		return transactionConflict(r)
	}
	return c.inject(r, op, fault)
}

// inject does fault to request r of operation op.
func (c *counter) inject(r *http.Request, op string, fault Fault) (*http.Response, error) {
	isWrite := op == "TransactWriteItems" || op == "PutItem" || op == "UpdateItem" || op == "DeleteItem"
	switch {
	case fault == FailRequest:
		return apiError(r, http.StatusInternalServerError, "InternalServerError", "Internal server error (injected)")
	case fault == TimeoutAfterApply:
		res, err := c.send(r, op)
		if err != nil {
			return nil, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		return nil, &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer (injected, after the request took effect)")}
	case fault == Conflict && op == "TransactWriteItems":
		return cancelTransaction(r, "TransactionConflict", "Transaction is ongoing for the item")
	case fault == Conflict && isWrite:
		return apiError(r, http.StatusBadRequest, "TransactionConflictException", "Transaction is ongoing for the item (injected)")
	case fault == Throttle && op == "TransactWriteItems":
		return cancelTransaction(r, "ThrottlingError", "Throughput exceeds the current capacity of your table or index")
	case fault == Throttle:
		return apiError(r, http.StatusBadRequest, "ThrottlingException", "Rate of requests exceeds the allowed throughput (injected)")
	case fault == Stall:
		<-r.Context().Done()
		return nil, r.Context().Err()
	}
	return c.send(r, op)
}

// send passes request r of operation op on to the engine. When the
// connection fails before the engine answers, and not because the client
// gave up, r is taken off the counts: the engine never answered it.
func (c *counter) send(r *http.Request, op string) (*http.Response, error) {
	res, err := c.next.RoundTrip(r)
	if err != nil && r.Context().Err() == nil {
		c.mu.Lock()
		if c.ops[op] > 0 {
			c.ops[op]--
		}
		c.mu.Unlock()
	}
	return res, err
}

// apiError answers as DynamoDB answers an error of type code.
func apiError(r *http.Request, status int, code, message string) (*http.Response, error) {
	body, err := json.Marshal(map[string]string{"__type": "com.amazonaws.dynamodb.v20120810#" + code, "message": message})
	return response(r, status, body), err
}

func response(r *http.Request, status int, body []byte) *http.Response {
	return &http.Response{
		StatusCode: status, Request: r, ContentLength: int64(len(body)),
		Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}},
		Body:   io.NopCloser(bytes.NewReader(body)),
	}
}

// transactionConflict answers a TransactWriteItems request as DynamoDB does
// when a concurrent transaction holds one of its items: cancelled, nothing
// applied, the first item's reason TransactionConflict.
func transactionConflict(r *http.Request) (*http.Response, error) {
	return cancelTransaction(r, "TransactionConflict", "Transaction is ongoing for the item")
}

// cancelTransaction answers a TransactWriteItems request as cancelled,
// nothing applied, with reason code for its first item and None for the others.
func cancelTransaction(r *http.Request, code, message string) (*http.Response, error) {
	var in struct{ TransactItems []json.RawMessage }
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		return nil, err
	}
	type reason struct{ Code, Message string }
	reasons := make([]reason, len(in.TransactItems))
	for i := range reasons {
		reasons[i] = reason{Code: "None"}
	}
	reasons[0] = reason{Code: code, Message: message}
	body, err := json.Marshal(map[string]any{
		"__type":              "com.amazonaws.dynamodb.v20120810#TransactionCanceledException",
		"message":             "Transaction cancelled, please refer cancellation reasons for specific reasons [" + code + "]",
		"CancellationReasons": reasons,
	})
	return response(r, http.StatusBadRequest, body), err
}

func (c *counter) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.ops)
}

func (c *counter) reset() {
	c.mu.Lock()
	c.ops = map[string]int{}
	c.mu.Unlock()
}

func (c *counter) setFail(on bool) {
	c.mu.Lock()
	c.fail = on
	c.mu.Unlock()
}

func (c *counter) addConflicts(n int) {
	c.mu.Lock()
	c.conflicts += n
	c.mu.Unlock()
}

func (c *counter) setTrace(on bool) {
	c.mu.Lock()
	c.tracing, c.calls = on, nil
	c.mu.Unlock()
}

// trace is a client middleware that records each operation the client
// sends, from the call to its result (marshalling, signing, retries and
// unmarshalling included), while tracing is on.
func (c *counter) trace(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("zoompool.trace",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			began := time.Now()
			out, md, err := next.HandleInitialize(ctx, in)
			call := Call{Op: awsmiddleware.GetOperationName(ctx), Start: began, End: time.Now(), Status: http.StatusOK}
			if err != nil {
				call.Status = 0
				if re, ok := errors.AsType[*smithyhttp.ResponseError](err); ok {
					call.Status = re.HTTPStatusCode()
				}
			}
			c.mu.Lock()
			if c.tracing {
				c.calls = append(c.calls, call)
			}
			c.mu.Unlock()
			return out, md, err
		}), middleware.Before)
}

func (c *counter) traced() []Call {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.calls)
}

func (c *counter) setFaults(f Faults) {
	c.mu.Lock()
	c.faults, c.seq = f, 0
	c.mu.Unlock()
}
