package pool

import (
	"cmp"
	"fmt"
	"sync"
	"time"
	// The Lambda runtime image (provided.al2023) has no zone database; the
	// binaries carry their own.
	_ "time/tzdata"
)

// Date is a day of the calendar, without a time of day or a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses a date written as 2026-09-01.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

// DateOf is the day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date, which stands for "no date".
func (d Date) IsZero() bool { return d == Date{} }

// String writes d as 2026-09-01, and the zero Date as "".
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return string(d.AppendFormat(make([]byte, 0, len(time.DateOnly))))
}

// AppendFormat appends d as 2026-09-01 to b. It is String without the
// formatting machinery, for the calendar's hot loop.
func (d Date) AppendFormat(b []byte) []byte {
	return d.midnightUTC().AppendFormat(b, time.DateOnly)
}

func (d Date) midnightUTC() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// AddDays returns the day n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return DateOf(d.midnightUTC().AddDate(0, 0, n)) }

// DaysSince returns how many days d is after e (negative when before).
func (d Date) DaysSince(e Date) int {
	return int(d.midnightUTC().Sub(e.midnightUTC()) / (24 * time.Hour))
}

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return d.midnightUTC().Weekday() }

// ISOWeekday is d's day of the week, 1 = Monday ... 7 = Sunday.
func (d Date) ISOWeekday() int {
	if wd := d.Weekday(); wd != time.Sunday {
		return int(wd)
	}
	return 7
}

// Monday is the Monday of d's week (weeks run Monday to Sunday).
func (d Date) Monday() Date { return d.AddDays(1 - d.ISOWeekday()) }

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

// TimeOfDay is a wall-clock time in minutes after midnight, 0 to 1439.
type TimeOfDay int

// ParseTimeOfDay parses "HH:MM" (24-hour). "HH:MM:00" is accepted too, as
// Django's TimeField writes it.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	var t time.Time
	var err error
	if len(s) == len("15:04:05") && s[5:] == ":00" {
		s = s[:5]
	}
	if len(s) != len("15:04") {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	if t, err = time.Parse("15:04", s); err != nil {
		return 0, err
	}
	return TimeOfDay(t.Hour()*60 + t.Minute()), nil
}

// String writes t as "HH:MM".
func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t/60, t%60) }

var zones sync.Map // name -> *time.Location

// Zone loads the IANA time zone name ("Europe/Berlin"). It refuses "" and
// "Local", whose meaning depends on the machine.
func Zone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("%q is not an IANA time zone name", name)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
