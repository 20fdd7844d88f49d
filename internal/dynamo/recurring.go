package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
)

func recurringNotFound(id string) error {
	return pool.NotFoundf("recurring_lesson_not_found", "there is no recurring lesson %q", id)
}

// RecurringLesson reads one recurring lesson consistently, or returns a
// recurring_lesson_not_found *pool.Error.
func (s *Store) RecurringLesson(ctx context.Context, id string) (pool.RecurringLesson, error) {
	var r recurringRecord
	found, err := s.get(ctx, recurringPK(id), recurringSK, &r)
	if err != nil {
		return pool.RecurringLesson{}, fmt.Errorf("get recurring lesson %s: %w", id, err)
	}
	if !found {
		return pool.RecurringLesson{}, recurringNotFound(id)
	}
	return r.recurring()
}

// PutRecurringLesson writes r whole, without its materialised dates outside
// its validity, and returns it with its new Version.
// Version 0 creates it unless the id is taken (recurring_lesson_exists);
// otherwise the write is conditional on the stored Version still being
// r.Version (pool.ErrRecurringChanged).
func (s *Store) PutRecurringLesson(ctx context.Context, r pool.RecurringLesson) (pool.RecurringLesson, error) {
	// The item does not grow with dates no calendar can reach.
	r.PruneMaterialized()
	prev := r.Version
	r.Version++
	p, err := s.put(newRecurringRecord(r), ptr(versioned(prev)))
	if err != nil {
		return pool.RecurringLesson{}, err
	}
	err = s.putItem(ctx, "recurring lesson "+r.ID, p)
	if _, ok := asConditionFailed(err); ok {
		if prev == 0 {
			return pool.RecurringLesson{}, pool.Conflictf("recurring_lesson_exists", "a recurring lesson with id %q already exists", r.ID)
		}
		return pool.RecurringLesson{}, pool.ErrRecurringChanged
	}
	if err != nil {
		return pool.RecurringLesson{}, fmt.Errorf("put recurring lesson %s: %w", r.ID, err)
	}
	return r, nil
}

// DeleteRecurringLessonVersion removes recurring lesson id if its stored
// Version is still version. It returns pool.ErrRecurringChanged when it is
// not, and recurring_lesson_not_found when there is none.
func (s *Store) DeleteRecurringLessonVersion(ctx context.Context, id string, version int) error {
	e := expr(expression.NewBuilder().WithCondition(eq("version", version)))
	err := s.write(ctx, "recurring lesson "+id, func(ctx context.Context) error {
		_, err := s.client.DeleteItem(ctx, &dynamodb.DeleteItemInput{
			TableName: &s.table, Key: key(recurringPK(id), recurringSK),
			ConditionExpression: e.Condition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		})
		return err
	})
	if _, ok := asConditionFailed(err); ok {
		// A failed condition does not say whether the item is gone or changed.
		if _, err := s.RecurringLesson(ctx, id); err != nil {
			return err
		}
		return pool.ErrRecurringChanged
	}
	if err != nil {
		return fmt.Errorf("delete recurring lesson %s: %w", id, err)
	}
	return nil
}

// RecurringLessons returns the recurring lessons q selects, read with one
// Query of the index that fits (teacher, group, or all), which starts at
// q.ValidSince: series that ended before it are not read. Index reads are
// eventually consistent.
func (s *Store) RecurringLessons(ctx context.Context, q pool.RecurringQuery) ([]pool.RecurringLesson, error) {
	p := recurringPartition(q)
	kc := expression.Key(p.pkName).Equal(expression.Value(p.pk))
	if !q.ValidSince.IsZero() {
		kc = kc.And(expression.Key(p.skName).GreaterThanEqual(expression.Value(q.ValidSince.String())))
	}
	e := expr(expression.NewBuilder().WithKeyCondition(kc))
	items, err := s.query(ctx, &dynamodb.QueryInput{
		TableName: &s.table, IndexName: aws.String(p.index),
		KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("query recurring lessons: %w", err)
	}
	out := make([]pool.RecurringLesson, 0, len(items))
	for _, item := range items {
		r, err := decodeRecurring(item)
		if err != nil {
			s.skipUnreadable(item, err)
			continue
		}
		if q.GroupID == "" || r.GroupID == q.GroupID {
			out = append(out, r)
		}
	}
	return out, nil
}

// recurringPartition is the index partition that holds the recurring lessons
// q selects: a teacher's, a group's, or all of them.
func recurringPartition(q pool.RecurringQuery) partition {
	switch {
	case q.TeacherID != "":
		return partition{indexByTeacher, "gsi2pk", recurringByTeacherPref + q.TeacherID, "gsi2sk"}
	case q.GroupID != "":
		return partition{indexByGroup, "gsi3pk", recurringByGroupPref + q.GroupID, "gsi3sk"}
	}
	return partition{indexByDate, "gsi1pk", recurringByDatePK, "gsi1sk"}
}

func decodeRecurring(item map[string]types.AttributeValue) (pool.RecurringLesson, error) {
	var r recurringRecord
	if err := attributevalue.UnmarshalMap(item, &r); err != nil {
		return pool.RecurringLesson{}, fmt.Errorf("decode recurring lesson: %w", err)
	}
	return r.recurring()
}

// MaterializeOccurrence implements schedule.OccurrenceStore: one transaction
// creates l (if absent) and adds its date to r's materialised dates (if r is
// still at r.Version), and bumps r's version so that a concurrent edit of r
// retries rather than writes the set back without the date.
func (s *Store) MaterializeOccurrence(ctx context.Context, r pool.RecurringLesson, l pool.Lesson) (pool.Lesson, error) {
	l.Version = 1
	lesson, err := s.put(newLessonRecord(l), ptr(expression.AttributeNotExists(expression.Name(attrPK))))
	if err != nil {
		return pool.Lesson{}, err
	}
	series := s.update(key(recurringPK(r.ID), recurringSK),
		expression.Add(expression.Name("materialized_dates"), expression.Value(&types.AttributeValueMemberSS{Value: []string{l.OccurrenceDate}})).
			Add(expression.Name("version"), expression.Value(1)),
		eq("version", r.Version))
	err = s.transact(ctx, "recurring lesson "+r.ID, types.TransactWriteItem{Put: lesson}, types.TransactWriteItem{Update: series})
	if failed, ok := failedConditions(err); ok {
		if failedAt(failed, 0) {
			return pool.Lesson{}, pool.Conflictf("lesson_exists", "a lesson with id %q already exists", l.ID)
		}
		// The series changed, or AWS cancelled the transaction for a
		// concurrent one on the same items: read again and retry.
		return pool.Lesson{}, pool.ErrRecurringChanged
	}
	if err != nil {
		return pool.Lesson{}, fmt.Errorf("materialise lesson %s: %w", l.ID, err)
	}
	return l, nil
}
