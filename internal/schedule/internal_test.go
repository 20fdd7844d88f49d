package schedule

import (
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
