package dynamo

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"zoompool/internal/pool"
)

// A page's cursor is the index sort key of its last item, base64url-encoded
// so that clients treat it as opaque. A lesson's sort key is its start and
// id (at most 128 characters); a recurring lesson's, its last valid day and
// id (at most 64).
var (
	lessonCursor    = cursorPattern{regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z#[A-Za-z0-9_.:@-]+$`), 24 + 1 + 128}
	recurringCursor = cursorPattern{regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}#[A-Za-z0-9_-]+$`), 10 + 1 + 64}
)

// cursorPattern is what a cursor may hold: a pattern, and how long it may be
// (a bound such as {1,128} in the pattern itself costs a function's start
// the better part of a millisecond to compile).
type cursorPattern struct {
	re  *regexp.Regexp
	max int
}

func encodeCursor(sortKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(sortKey))
}

// decodeCursor returns the sort key a cursor holds, or an EINVALID error.
func decodeCursor(cursor string, valid cursorPattern) (string, error) {
	if cursor == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) > valid.max || !valid.re.Match(b) {
		return "", pool.Invalidf("cursor %q is not one this list gave out: send the cursor of the Link header's next page, or none for the first page", cursor)
	}
	return string(b), nil
}

// partition is one index partition a list reads, in the order it reads them.
type partition struct {
	index, pkName, pk, skName string
}

// page collects up to limit items, in index order, from the partitions,
// between the sort keys lower and upper (both inclusive) and after the sort
// key after; keep decodes an item and reports whether it belongs on the page
// (an item it cannot decode is logged and left out, as Lessons does).
// It returns the page and the cursor of the next one ("" when none follows),
// reading no more than it needs: each request asks for one item more than the
// page still lacks.
func page[T any](ctx context.Context, s *Store, parts []partition, lower, upper, after string, limit int,
	keep func(item map[string]types.AttributeValue) (T, bool, error)) ([]T, string, error) {
	if after != "" && after > lower {
		lower = after
	}
	if upper != "" && lower > upper {
		return nil, "", nil // a cursor past the range: nothing follows
	}
	var out []T
	var last string
	for _, p := range parts {
		kc := expression.Key(p.pkName).Equal(expression.Value(p.pk))
		switch {
		case upper != "":
			kc = kc.And(expression.Key(p.skName).Between(expression.Value(lower), expression.Value(upper)))
		case lower != "":
			kc = kc.And(expression.Key(p.skName).GreaterThanEqual(expression.Value(lower)))
		}
		e := expr(expression.NewBuilder().WithKeyCondition(kc))
		in := &dynamodb.QueryInput{
			TableName: &s.table, IndexName: aws.String(p.index),
			KeyConditionExpression: e.KeyCondition(), ExpressionAttributeNames: e.Names(), ExpressionAttributeValues: e.Values(),
		}
		for {
			in.Limit = aws.Int32(int32(limit - len(out) + 1))
			res, err := s.client.Query(ctx, in)
			if err != nil {
				return nil, "", fmt.Errorf("query %s: %w", p.index, err)
			}
			for _, item := range res.Items {
				sk := stringAttr(item, p.skName)
				if sk <= after {
					continue
				}
				v, ok, err := keep(item)
				if err != nil {
					s.skipUnreadable(item, err)
					continue
				}
				if !ok {
					continue
				}
				if len(out) == limit {
					return out, encodeCursor(last), nil
				}
				out, last = append(out, v), sk
			}
			if res.LastEvaluatedKey == nil {
				break
			}
			in.ExclusiveStartKey = res.LastEvaluatedKey
		}
	}
	return out, "", nil
}

// LessonsPage returns up to limit of the lessons that Lessons returns for q,
// in the same order (start, then id), after the page whose cursor is cursor
// ("" for the first page), and the cursor of the next page, "" when there is
// none. A malformed cursor is an EINVALID error.
func (s *Store) LessonsPage(ctx context.Context, q pool.LessonQuery, cursor string, limit int) ([]pool.Lesson, string, error) {
	after, err := decodeCursor(cursor, lessonCursor)
	if err != nil {
		return nil, "", err
	}
	// A lesson that overlaps the range started at most MaxLessonDuration before it.
	from := q.From.Add(-pool.MaxLessonDuration)
	var parts []partition
	switch {
	case q.TeacherID != "":
		parts = []partition{{indexByTeacher, "gsi2pk", "TEACHER#" + q.TeacherID, "gsi2sk"}}
	case q.GroupID != "":
		parts = []partition{{indexByGroup, "gsi3pk", "GROUP#" + q.GroupID, "gsi3sk"}}
	default:
		for m := monthOf(from); m.Before(q.To); m = m.AddDate(0, 1, 0) {
			// Months before the cursor's hold nothing of this page.
			if pk := lessonMonthPK(m); after == "" || pk >= lessonMonthPK(parseMonth(after)) {
				parts = append(parts, partition{indexByDate, "gsi1pk", pk, "gsi1sk"})
			}
		}
	}
	return page(ctx, s, parts, formatTime(from), formatTime(q.To), after, limit,
		func(item map[string]types.AttributeValue) (pool.Lesson, bool, error) {
			l, err := decodeLesson(item)
			if err != nil {
				return l, false, err
			}
			return l, l.End.After(q.From) && l.Start.Before(q.To) && (q.GroupID == "" || l.GroupID == q.GroupID), nil
		})
}

// parseMonth reads the month of a lesson's sort key.
func parseMonth(sortKey string) time.Time {
	t, _ := parseTime(strings.SplitN(sortKey, "#", 2)[0])
	return t
}

// RecurringLessonsPage returns up to limit of the recurring lessons q selects
// (ValidSince aside), ordered by their last valid day (open series last) and
// id, after the page whose cursor is cursor ("" for the first page), and the
// cursor of the next page, "" when there is none. A malformed cursor is an
// EINVALID error.
func (s *Store) RecurringLessonsPage(ctx context.Context, q pool.RecurringQuery, cursor string, limit int) ([]pool.RecurringLesson, string, error) {
	after, err := decodeCursor(cursor, recurringCursor)
	if err != nil {
		return nil, "", err
	}
	return page(ctx, s, []partition{recurringPartition(q)}, "", "", after, limit,
		func(item map[string]types.AttributeValue) (pool.RecurringLesson, bool, error) {
			r, err := decodeRecurring(item)
			return r, err == nil && (q.GroupID == "" || r.GroupID == q.GroupID), err
		})
}
