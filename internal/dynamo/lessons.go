package dynamo

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
)

// Lesson reads one lesson consistently, or returns a lesson_not_found *pool.Error.
func (s *Store) Lesson(ctx context.Context, id string) (pool.Lesson, error) {
	var r lessonRecord
	found, err := s.get(ctx, lessonPK(id), lessonSK, &r)
	if err != nil {
		return pool.Lesson{}, fmt.Errorf("get lesson %s: %w", id, err)
	}
	if !found {
		return pool.Lesson{}, pool.NotFoundf("lesson_not_found", "there is no lesson %q", id)
	}
	return r.lesson()
}

// maxBatchGet is the most keys one BatchGetItem may ask for.
const maxBatchGet = 100

// LessonsByID reads the lessons with the given ids consistently, up to 100
// per BatchGetItem. Ids without a lesson are absent from lessons; those whose
// record cannot be decoded are logged and listed in unreadable.
func (s *Store) LessonsByID(ctx context.Context, ids []string) (lessons map[string]pool.Lesson, unreadable map[string]bool, err error) {
	ids = slices.Compact(slices.Sorted(slices.Values(ids))) // a batch must not repeat a key
	lessons = make(map[string]pool.Lesson, len(ids))
	unreadable = map[string]bool{}
	for chunk := range slices.Chunk(ids, maxBatchGet) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = key(lessonPK(id), lessonSK)
		}
		request := map[string]types.KeysAndAttributes{s.table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
		for attempt := 0; len(request) > 0; attempt++ {
			if attempt > 0 {
				// DynamoDB left keys unprocessed (throttling): back off, then ask for those.
				if attempt > 5 {
					return nil, nil, pool.Throttled(time.Second, fmt.Errorf("read %d lessons: keys still unprocessed after %d attempts", len(ids), attempt))
				}
				if err := pool.Sleep(ctx, pool.Backoff(attempt-1, 25*time.Millisecond, 500*time.Millisecond)); err != nil {
					return nil, nil, err
				}
			}
			out, err := s.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
			if err != nil {
				return nil, nil, fmt.Errorf("read %d lessons: %w", len(ids), readError(err))
			}
			for _, item := range out.Responses[s.table] {
				l, err := decodeLesson(item)
				if err != nil {
					// Left out, the lesson reads as unreadable, not as missing.
					s.skipUnreadable(item, err)
					unreadable[stringAttr(item, "id")] = true
					continue
				}
				lessons[l.ID] = l
			}
			request = out.UnprocessedKeys
		}
	}
	return lessons, unreadable, nil
}

func decodeLesson(item map[string]types.AttributeValue) (pool.Lesson, error) {
	var r lessonRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return pool.Lesson{}, fmt.Errorf("decode lesson: %w", err)
	}
	return r.lesson()
}

// PutLesson writes l whole and returns it with its new Version.
//
// A lesson with Version 0 is created, unless its id is taken (lesson_exists).
// Otherwise the write is conditional on the stored Version still being
// l.Version (pool.ErrLessonChanged), and a lesson that holds an account moves
// its hold's expected end along in the same transaction.
func (s *Store) PutLesson(ctx context.Context, l pool.Lesson) (pool.Lesson, error) {
	prev := l.Version
	l.Version++
	put, err := s.put(newLessonRecord(l), ptr(versioned(prev)))
	if err != nil {
		return pool.Lesson{}, err
	}
	var conflict bool
	if l.Holding() {
		hold := s.update(key(poolPK(s.pool), holdSK(l.AccountID, l.ID)),
			expression.Set(expression.Name("lesson_end"), expression.Value(formatTime(l.End))),
			eq("token", l.HoldToken))
		err = s.transact(ctx, "lesson "+l.ID, types.TransactWriteItem{Put: put}, types.TransactWriteItem{Update: hold})
		failed, cancelled := failedConditions(err)
		conflict = cancelled && slices.Contains(failed, true)
	} else {
		// On its own, a plain write: a transaction would cost twice as much.
		err = s.putItem(ctx, "lesson "+l.ID, put)
		_, conflict = asConditionFailed(err)
	}
	if conflict {
		if prev == 0 {
			return pool.Lesson{}, pool.Conflictf("lesson_exists", "a lesson with id %q already exists", l.ID)
		}
		return pool.Lesson{}, pool.ErrLessonChanged
	}
	if err != nil {
		return pool.Lesson{}, fmt.Errorf("put lesson %s: %w", l.ID, err)
	}
	return l, nil
}

// Lessons returns the lessons that overlap [q.From, q.To), sorted by start,
// read from the index that fits the query (teacher, group, or month of start).
// The reads grow with the range and the lessons in it, never with the table.
// Index reads are eventually consistent.
func (s *Store) Lessons(ctx context.Context, q pool.LessonQuery) ([]pool.Lesson, error) {
	// A lesson that overlaps the range started at most MaxLessonDuration before it.
	from := q.From.Add(-pool.MaxLessonDuration)
	between := func(pkName, pk, skName string) expression.KeyConditionBuilder {
		return expression.Key(pkName).Equal(expression.Value(pk)).
			And(expression.Key(skName).Between(expression.Value(formatTime(from)), expression.Value(formatTime(q.To))))
	}
	var queries []*dynamodb.QueryInput
	add := func(index string, kc expression.KeyConditionBuilder) {
		e := expr(expression.NewBuilder().WithKeyCondition(kc))
		queries = append(queries, &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(index),
			KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		})
	}
	switch {
	case q.TeacherID != "":
		add(indexByTeacher, between("gsi2pk", "TEACHER#"+q.TeacherID, "gsi2sk"))
	case q.GroupID != "":
		add(indexByGroup, between("gsi3pk", "GROUP#"+q.GroupID, "gsi3sk"))
	default:
		for m := monthOf(from); m.Before(q.To); m = m.AddDate(0, 1, 0) {
			add(indexByDate, between("gsi1pk", lessonMonthPK(m), "gsi1sk"))
		}
	}

	results := make([][]map[string]types.AttributeValue, len(queries))
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, in := range queries {
		wg.Go(func() { results[i], errs[i] = s.query(ctx, in) })
	}
	wg.Wait()

	var lessons []pool.Lesson
	for i := range queries {
		if errs[i] != nil {
			return nil, fmt.Errorf("query lessons: %w", errs[i])
		}
		for _, item := range results[i] {
			l, err := decodeLesson(item)
			if err != nil {
				s.skipUnreadable(item, err)
				continue
			}
			if l.End.After(q.From) && l.Start.Before(q.To) && (q.GroupID == "" || l.GroupID == q.GroupID) {
				lessons = append(lessons, l)
			}
		}
	}
	slices.SortFunc(lessons, func(a, b pool.Lesson) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return lessons, nil
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}
