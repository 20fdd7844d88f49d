package dynamo_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
	"zoompool/internal/pooltest"
)

func date(t testing.TB, s string) pool.Date {
	t.Helper()
	d, err := pool.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func recurring(t testing.TB, id, teacher, group, from, until string) pool.RecurringLesson {
	t.Helper()
	r := pool.RecurringLesson{ID: id, Title: "Series " + id, TeacherID: teacher, GroupID: group,
		Weekday: 1, StartTime: 9 * 60, DurationMinutes: 45, TimeZone: "Europe/Berlin", WeekType: pool.EveryWeek,
		ValidFrom: date(t, from)}
	if until != "" {
		r.ValidUntil = date(t, until)
	}
	return r
}

func TestRecurringLessonRoundTrip(t *testing.T) {
	env := pooltest.New(t)
	r := recurring(t, "r1", "t1", "g1", "2026-09-01", "2027-06-30")
	r.WeekType, r.StartTime = pool.UpperWeeks, 14*60+5
	r.CancelledDates = []pool.Date{date(t, "2026-10-05"), date(t, "2026-09-14")}
	saved, err := env.Store.PutRecurringLesson(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 1 {
		t.Errorf("version after create = %d, want 1", saved.Version)
	}
	got, err := env.Store.RecurringLesson(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	r.Version = 1
	r.CancelledDates = pool.SortDates(r.CancelledDates)
	if !equalRecurring(got, r) {
		t.Errorf("read back %+v, want %+v", got, r)
	}

	if _, err := env.Store.PutRecurringLesson(ctx, recurring(t, "r1", "t1", "g1", "2026-09-01", "")); pool.ErrorKind(err) != pool.KindConflict {
		t.Errorf("creating a taken id: got %v, want a conflict", err)
	}
	stale := got
	got.Title = "Renamed"
	renamed, err := env.Store.PutRecurringLesson(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.PutRecurringLesson(ctx, stale); !errors.Is(err, pool.ErrRecurringChanged) {
		t.Errorf("writing a stale version: got %v, want ErrRecurringChanged", err)
	}
	if err := env.Store.DeleteRecurringLessonVersion(ctx, "r1", stale.Version); !errors.Is(err, pool.ErrRecurringChanged) {
		t.Errorf("deleting a stale version: got %v, want ErrRecurringChanged", err)
	}
	if err := env.Store.DeleteRecurringLessonVersion(ctx, "r1", renamed.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Store.RecurringLesson(ctx, "r1"); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("read after delete: got %v, want not found", err)
	}
	if err := env.Store.DeleteRecurringLessonVersion(ctx, "r1", renamed.Version); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("second delete: got %v, want not found", err)
	}
}

func equalRecurring(a, b pool.RecurringLesson) bool {
	return slices.Equal(a.CancelledDates, b.CancelledDates) && slices.Equal(a.Materialized, b.Materialized) &&
		func() bool {
			a.CancelledDates, b.CancelledDates, a.Materialized, b.Materialized = nil, nil, nil, nil
			return a.ID == b.ID && a.Title == b.Title && a.TeacherID == b.TeacherID && a.GroupID == b.GroupID &&
				a.Weekday == b.Weekday && a.StartTime == b.StartTime && a.DurationMinutes == b.DurationMinutes &&
				a.TimeZone == b.TimeZone && a.WeekType == b.WeekType && a.ValidFrom == b.ValidFrom &&
				a.ValidUntil == b.ValidUntil && a.Version == b.Version
		}()
}

func TestRecurringLessonsQuery(t *testing.T) {
	env := pooltest.New(t)
	for _, r := range []pool.RecurringLesson{
		recurring(t, "ended", "t1", "g1", "2025-09-01", "2026-06-30"),
		recurring(t, "current", "t1", "g2", "2026-09-01", "2027-06-30"),
		recurring(t, "open", "t2", "g1", "2026-09-01", ""),
		recurring(t, "future", "t1", "g1", "2027-09-01", "2028-06-30"),
	} {
		if _, err := env.Store.PutRecurringLesson(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	since := date(t, "2026-11-30")
	for _, tc := range []struct {
		name string
		q    pool.RecurringQuery
		want []string
	}{
		{"all", pool.RecurringQuery{}, []string{"current", "ended", "future", "open"}},
		{"valid since", pool.RecurringQuery{ValidSince: since}, []string{"current", "future", "open"}},
		{"teacher", pool.RecurringQuery{TeacherID: "t1", ValidSince: since}, []string{"current", "future"}},
		{"group", pool.RecurringQuery{GroupID: "g1"}, []string{"ended", "future", "open"}},
		{"teacher and group", pool.RecurringQuery{TeacherID: "t1", GroupID: "g1", ValidSince: since}, []string{"future"}},
		{"ends on the day", pool.RecurringQuery{ValidSince: date(t, "2026-06-30")}, []string{"current", "ended", "future", "open"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := env.Store.RecurringLessons(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rs {
				got = append(got, r.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMaterializeOccurrence(t *testing.T) {
	env := pooltest.New(t)
	r, err := env.Store.PutRecurringLesson(ctx, recurring(t, "r1", "t1", "g1", "2026-09-01", ""))
	if err != nil {
		t.Fatal(err)
	}
	d := date(t, "2026-11-30")
	start := time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC)
	l := pool.Lesson{ID: pool.OccurrenceID("r1", d), Title: r.Title, TeacherID: "t1", GroupID: "g1",
		Start: start, End: start.Add(45 * time.Minute), Status: pool.StatusScheduled, RecurringID: "r1", OccurrenceDate: d.String()}

	if _, err := env.Store.MaterializeOccurrence(ctx, r, l); err != nil {
		t.Fatal(err)
	}
	got, err := env.Store.Lesson(ctx, l.ID)
	if err != nil || got.RecurringID != "r1" || got.OccurrenceDate != "2026-11-30" || got.Version != 1 {
		t.Fatalf("materialised lesson = %+v, %v", got, err)
	}
	after, _ := env.Store.RecurringLesson(ctx, "r1")
	if !slices.Equal(after.Materialized, []pool.Date{d}) || after.Version != r.Version+1 {
		t.Errorf("series after materialising: dates %v version %d, want [%s] version %d", after.Materialized, after.Version, d, r.Version+1)
	}

	if _, err := env.Store.MaterializeOccurrence(ctx, after, l); pool.ErrorKind(err) != pool.KindConflict {
		t.Errorf("materialising twice: got %v, want lesson_exists", err)
	}
	other := l
	other.ID, other.OccurrenceDate = pool.OccurrenceID("r1", d.AddDays(7)), d.AddDays(7).String()
	if _, err := env.Store.MaterializeOccurrence(ctx, r, other); !errors.Is(err, pool.ErrRecurringChanged) {
		t.Errorf("materialising from a stale series: got %v, want ErrRecurringChanged", err)
	}
	if _, err := env.Store.Lesson(ctx, other.ID); pool.ErrorKind(err) != pool.KindNotFound {
		t.Errorf("the refused materialisation left lesson %s behind: %v", other.ID, err)
	}
	if _, err := env.Store.MaterializeOccurrence(ctx, after, other); err != nil {
		t.Fatal(err)
	}
	final, _ := env.Store.RecurringLesson(ctx, "r1")
	if want := []pool.Date{d, d.AddDays(7)}; !slices.Equal(final.Materialized, want) {
		t.Errorf("materialised dates = %v, want %v", final.Materialized, want)
	}
}
