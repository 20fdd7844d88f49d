package dynamo_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool"
	"zoompool/internal/dynamo"
	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
	"zoompool/internal/sam"
)

// A meeting's lookup carries the table's TTL attribute, 30 days after its
// lesson's end, so that DynamoDB removes it in time. The embedded engine has
// no TTL, so the test reads the attribute rather than waiting for expiry.
func TestMeetingLookupsExpire(t *testing.T) {
	tmpl, err := sam.Parse(zoompool.Template)
	if err != nil {
		t.Fatal(err)
	}
	attr := tmpl.Table.TimeToLiveAttribute
	if attr == "" {
		t.Fatal("template.yaml's table has no TTL")
	}
	env := pooltest.New(t)
	env.AddAccounts(t, 1)
	ids := env.AddLessons(t, 1)
	c := claim(t, env, "1", ids[0])
	if err := env.Store.Commit(ctx, c, pool.Meeting{ID: "81476667127", JoinURL: "https://zoom.us/j/81476667127"}); err != nil {
		t.Fatal(err)
	}
	out, err := env.Client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(env.Table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "MEETING#81476667127"}, "sk": &types.AttributeValueMemberS{Value: "MEETING"},
		}})
	if err != nil || out.Item == nil {
		t.Fatalf("read the meeting lookup: %v", err)
	}
	n, ok := out.Item[attr].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("the meeting lookup has no number %s: %v", attr, out.Item)
	}
	got, _ := strconv.ParseInt(n.Value, 10, 64)
	want := c.Lesson.End.Add(dynamo.MeetingLookupRetention).Unix()
	if got != want {
		t.Errorf("%s = %s, want %s (30 days after the lesson's end)", attr, time.Unix(got, 0).UTC(), time.Unix(want, 0).UTC())
	}
	// Until DynamoDB deletes it, the lookup still serves.
	if ref, err := env.Store.MeetingLookup(ctx, "81476667127"); err != nil || ref.LessonID != ids[0] {
		t.Errorf("lookup: %+v %v", ref, err)
	}
}

// A series' materialised dates outside its validity are dropped when it is
// written: the calendar never expands an occurrence there, so nothing needs
// them. Those within stay, however old.
func TestMaterializedDatesOutsideTheSeriesArePruned(t *testing.T) {
	env := pooltest.New(t)
	r, err := env.Store.PutRecurringLesson(ctx, recurring(t, "r1", "t1", "g1", "2020-09-07", ""))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2020-09-07", "2026-09-07", "2026-09-14"} {
		l := pool.Lesson{ID: pool.OccurrenceID("r1", date(t, d)), RecurringID: "r1", OccurrenceDate: d, Title: "x",
			TeacherID: "t1", GroupID: "g1", Start: time.Now(), End: time.Now().Add(time.Hour), Status: pool.StatusScheduled}
		if _, err := env.Store.MaterializeOccurrence(ctx, r, l); err != nil {
			t.Fatal(err)
		}
		if r, err = env.Store.RecurringLesson(ctx, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	// The series now ends before its last started occurrence.
	r.ValidUntil = date(t, "2026-09-10")
	if _, err := env.Store.PutRecurringLesson(ctx, r); err != nil {
		t.Fatal(err)
	}
	got, err := env.Store.RecurringLesson(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []pool.Date{date(t, "2020-09-07"), date(t, "2026-09-07")}; !slices.Equal(got.Materialized, want) {
		t.Errorf("materialized dates %v, want %v", got.Materialized, want)
	}
}
