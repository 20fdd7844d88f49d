package schedule

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"zoompool/internal/pool"
)

// Day numbers agree with package time on every day of eight centuries,
// leap years and negative day numbers included.
func TestDayNumbers(t *testing.T) {
	for day := time.Date(1600, 1, 1, 0, 0, 0, 0, time.UTC); day.Year() < 2400; day = day.AddDate(0, 0, 1) {
		d := pool.DateOf(day)
		want := int(day.Unix() / (24 * 60 * 60)) // exact: midnight UTC
		if got := dayNumber(d); got != want {
			t.Fatalf("dayNumber(%s) = %d, want %d", d, got, want)
		}
		if got := dateOfDay(want); got != d {
			t.Fatalf("dateOfDay(%d) = %s, want %s", want, got, d)
		}
		if got := isoWeekdayOfDay(want); got != d.ISOWeekday() {
			t.Fatalf("%s: weekday %d, want %d", d, got, d.ISOWeekday())
		}
		if got := dateOfDay(mondayOfDay(want)); got != d.Monday() {
			t.Fatalf("%s: Monday %s, want %s", d, got, d.Monday())
		}
	}
}

// localClock answers as LocalTime does, across years of changes of offset,
// at the times they skip or repeat, weekly as the calendar asks, daily, and
// in any order.
func TestLocalClockAgreesWithLocalTime(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kolkata", "UTC"} {
		loc, err := pool.Zone(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tod := range []pool.TimeOfDay{0, 90, 120, 150, 180, 9*60 + 15, 23*60 + 59} {
			first := dayNumber(pool.Date{Year: 2024, Month: time.January, Day: 1})
			days := make([]int, 3*366)
			for i := range days {
				days[i] = first + i
			}
			weekly := make([]int, 0, len(days)/7+1)
			for i := 0; i < len(days); i += 7 {
				weekly = append(weekly, days[i])
			}
			shuffled := slices.Clone(days)
			rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			for order, ns := range map[string][]int{"daily": days, "weekly": weekly, "shuffled": shuffled} {
				clock := localClock{loc: loc}
				for _, n := range ns {
					d := dateOfDay(n)
					if got, want := clock.at(n, d, tod), LocalTime(d, tod, loc); !got.Equal(want) || got.Location() != loc {
						t.Fatalf("%s %s %s (%s): %s, want %s", name, d, tod, order, got, want)
					}
				}
			}
		}
	}
}
