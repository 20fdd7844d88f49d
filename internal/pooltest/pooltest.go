// Package pooltest gives tests a real DynamoDB to work on and checks the
// pool's invariants against it.
//
// Every Env has its own table, reached by the real AWS SDK over HTTP: on the
// embedded engine by default, or on DYNAMODB_ENDPOINT (DynamoDB Local, AWS)
// when it is set, where the table is uniquely named and deleted afterwards.
package pooltest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"zoompool/internal/dynamo"
	"zoompool/internal/localstack"
	"zoompool/internal/pool"
)

// Env is one test's table.
type Env struct {
	Engine *localstack.Engine
	Client *dynamodb.Client
	Table  string
	Store  *dynamo.Store
}

var unsafeTableChars = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

// New starts an engine (or connects to DYNAMODB_ENDPOINT) and creates a fresh
// table from template.yaml for t.
func New(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	endpoint := os.Getenv("DYNAMODB_ENDPOINT")
	eng, err := localstack.Start(localstack.Options{Endpoint: endpoint})
	if err != nil {
		t.Fatalf("start DynamoDB engine: %v", err)
	}
	t.Cleanup(func() { _ = eng.Close() })
	client, err := eng.Client(ctx)
	if err != nil {
		t.Fatalf("DynamoDB client: %v", err)
	}
	name := unsafeTableChars.ReplaceAllString(t.Name(), "-")
	if len(name) > 150 {
		name = name[:150]
	}
	table := fmt.Sprintf("zoompool-test-%s-%s", name, pool.NewID())
	if err := localstack.CreateTable(ctx, client, table); err != nil {
		if endpoint != "" {
			t.Fatalf("create a table on DYNAMODB_ENDPOINT=%s: %v\nIs DynamoDB Local running there? Start it with: docker run -p 8000:8000 amazon/dynamodb-local\n"+
				"or unset DYNAMODB_ENDPOINT to use the embedded engine.", endpoint, err)
		}
		t.Fatalf("create table: %v", err)
	}
	if endpoint != "" {
		t.Cleanup(func() {
			if err := localstack.DeleteTable(context.Background(), client, table); err != nil {
				t.Errorf("delete test table %s: %v", table, err)
			}
		})
	}
	return &Env{Engine: eng, Client: client, Table: table, Store: dynamo.New(client, table, "default")}
}

// AddAccounts creates one enabled account per capacity given, with ids "1",
// "2", ... and names "Zoom Account 1", ...
func (e *Env) AddAccounts(t testing.TB, capacities ...int) []pool.Account {
	t.Helper()
	accounts := make([]pool.Account, len(capacities))
	for i, c := range capacities {
		a := pool.Account{
			ID: fmt.Sprint(i + 1), Name: fmt.Sprintf("Zoom Account %d", i+1),
			ZoomUserID: fmt.Sprintf("zoom-user-%d@example.com", i+1), Capacity: c, Enabled: true,
		}
		if err := e.Store.CreateAccount(context.Background(), a); err != nil {
			t.Fatalf("create account %s: %v", a.ID, err)
		}
		accounts[i] = a
	}
	return accounts
}

// AddLesson creates a scheduled lesson with the given id from start to end.
func (e *Env) AddLesson(t testing.TB, id string, start, end time.Time) pool.Lesson {
	t.Helper()
	l, err := e.Store.PutLesson(context.Background(), pool.Lesson{
		ID: id, Title: "Lesson " + id, TeacherID: "teacher-1", GroupID: "group-1",
		Start: start.UTC().Truncate(time.Second), End: end.UTC().Truncate(time.Second), Status: pool.StatusScheduled,
	})
	if err != nil {
		t.Fatalf("create lesson %s: %v", id, err)
	}
	return l
}

// AddLessons creates n lessons "L1".."Ln" running from now for an hour, and
// returns their ids.
func (e *Env) AddLessons(t testing.TB, n int) []string {
	t.Helper()
	now := time.Now()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("L%d", i+1)
		e.AddLesson(t, ids[i], now.Add(-time.Minute), now.Add(time.Hour))
	}
	return ids
}

// CheckInvariants checks the pool's invariants over the whole pool and the
// given lessons, and reports every violation:
//
//  1. no account has more holds than its capacity, and each account's active
//     counter equals its hold items;
//  2. a lesson holds at most one account, and the lesson and its hold agree
//     (account, token, claiming/starting or live/live, meeting lookup);
//  3. hold tokens are unique;
//  4. a given lesson that is starting or live has its hold.
func CheckInvariants(t testing.TB, st *dynamo.Store, lessonIDs ...string) {
	t.Helper()
	for _, v := range Violations(context.Background(), st, lessonIDs...) {
		t.Error("invariant: " + v)
	}
}

// Violations returns what CheckInvariants would report.
func Violations(ctx context.Context, st *dynamo.Store, lessonIDs ...string) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }

	accounts, err := st.Pool(ctx)
	if err != nil {
		return []string{fmt.Sprintf("read pool: %v", err)}
	}
	holds := map[string][]pool.Hold{} // by lesson
	tokens := map[string]string{}
	for _, a := range accounts {
		if a.Active != len(a.Holds) {
			bad("account %s counts %d active but has %d holds", a.ID, a.Active, len(a.Holds))
		}
		if len(a.Holds) > a.Capacity {
			bad("account %s has %d holds, over its capacity %d", a.ID, len(a.Holds), a.Capacity)
		}
		for _, h := range a.Holds {
			if other, dup := tokens[h.Token]; dup {
				bad("token %s is held by lessons %s and %s", h.Token, other, h.LessonID)
			}
			tokens[h.Token] = h.LessonID
			holds[h.LessonID] = append(holds[h.LessonID], h)
		}
	}
	for lessonID, hs := range holds {
		if len(hs) > 1 {
			bad("lesson %s holds %d accounts", lessonID, len(hs))
		}
		h := hs[0]
		l, err := st.Lesson(ctx, lessonID)
		if err != nil {
			bad("account %s holds lesson %s, which cannot be read: %v", h.AccountID, lessonID, err)
			continue
		}
		if l.HoldToken != h.Token || l.AccountID != h.AccountID {
			bad("lesson %s points to account %q token %q, its hold is on account %q token %q",
				lessonID, l.AccountID, l.HoldToken, h.AccountID, h.Token)
		}
		switch {
		case h.State == pool.HoldClaiming && l.Status != pool.StatusStarting,
			h.State == pool.HoldLive && l.Status != pool.StatusLive:
			bad("lesson %s is %s while its hold is %s", lessonID, l.Status, h.State)
		case h.State == pool.HoldClaiming && h.LeaseUntil.IsZero():
			bad("claiming hold of lesson %s has no lease", lessonID)
		case h.State == pool.HoldLive:
			if l.Meeting == nil || l.Meeting.ID != h.MeetingID {
				bad("live lesson %s does not record its hold's meeting %s", lessonID, h.MeetingID)
			}
			ref, err := st.MeetingLookup(ctx, h.MeetingID)
			if err != nil || ref.LessonID != lessonID || ref.Token != h.Token || ref.AccountID != h.AccountID {
				bad("meeting %s of lesson %s has lookup %+v (%v)", h.MeetingID, lessonID, ref, err)
			}
		}
	}
	for _, id := range lessonIDs {
		l, err := st.Lesson(ctx, id)
		if err != nil {
			bad("read lesson %s: %v", id, err)
			continue
		}
		if l.Status == pool.StatusStarting || l.Status == pool.StatusLive || l.Holding() {
			hs := holds[id]
			if len(hs) == 0 || hs[0].Token != l.HoldToken {
				bad("lesson %s is %s with token %q but no account holds it", id, l.Status, l.HoldToken)
			}
		}
	}
	return out
}
