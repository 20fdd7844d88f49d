package schedule

import (
	"time"

	"zoompool/internal/pool"
)

// DefaultAnchor is the upper-week anchor of d's academic year, which places d
// when no anchor is configured: the Monday of the week that holds 1
// September. An academic year starts on that Monday (in August when 1
// September is not a Monday), so all days of a week belong to one academic
// year, and each academic year starts with an upper week. Two consecutive
// anchors are 52 or 53 weeks apart; after a 53-week year two upper weeks
// follow each other.
//
// It depends on d alone, never on the day it is asked: a date keeps its
// parity whenever the calendar is read.
func DefaultAnchor(d pool.Date) pool.Date {
	return dateOfDay(defaultAnchorDay(d, dayNumber(d)))
}

// WeekOf says whether d lies in an upper or a lower week. The week that holds
// anchor is upper, the next lower, and so on in both directions, across year
// ends: weeks are counted, not numbered as in the calendar year. A zero
// anchor stands for DefaultAnchor(d): each academic year counts from its own
// first week.
func WeekOf(d, anchor pool.Date) pool.WeekType {
	return weekOfDay(d, dayNumber(d), anchor)
}

// Meets reports whether a lesson of week type wt meets in d's week, counted
// from anchor (zero: DefaultAnchor(d)).
func Meets(wt pool.WeekType, d, anchor pool.Date) bool {
	return wt == pool.EveryWeek || WeekOf(d, anchor) == wt
}

// weekOfDay is WeekOf for d, whose day number is n.
func weekOfDay(d pool.Date, n int, anchor pool.Date) pool.WeekType {
	a := 0
	if anchor.IsZero() {
		a = defaultAnchorDay(d, n)
	} else {
		a = mondayOfDay(dayNumber(anchor))
	}
	if floorDiv(mondayOfDay(n)-a, 7)%2 == 0 {
		return pool.UpperWeeks
	}
	return pool.LowerWeeks
}

// defaultAnchorDay is the day number of DefaultAnchor(d); n is d's.
func defaultAnchorDay(d pool.Date, n int) int {
	a := septemberMonday(d.Year)
	if n < a {
		a = septemberMonday(d.Year - 1)
	}
	return a
}

// septemberMonday is the day number of the Monday of the week that holds 1
// September of year.
func septemberMonday(year int) int {
	return mondayOfDay(dayNumber(pool.Date{Year: year, Month: time.September, Day: 1}))
}

// The calendar's loops count days as integers: day numbers are days since
// 1970-01-01 (a Thursday) in the proleptic Gregorian calendar, computed with
// Howard Hinnant's days_from_civil and civil_from_days algorithms. They are
// exact for every pool.Date and far cheaper than going through time.Time.

// dayNumber is d's day number.
func dayNumber(d pool.Date) int {
	y, m := d.Year, int(d.Month)
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400                      // [0, 399]
	doy := (153*((m+9)%12)+2)/5 + d.Day - 1 // [0, 365], from 1 March
	doe := yoe*365 + yoe/4 - yoe/100 + doy  // [0, 146096]
	return era*146097 + doe - 719468
}

// dateOfDay is the date of day number n.
func dateOfDay(n int) pool.Date {
	n += 719468
	era := floorDiv(n, 146097)
	doe := n - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day := doy - (153*mp+2)/5 + 1
	month := mp + 3
	year := yoe + era*400
	if month > 12 {
		month -= 12
		year++
	}
	return pool.Date{Year: year, Month: time.Month(month), Day: day}
}

// isoWeekdayOfDay is the ISO day of the week of day number n, 1 = Monday.
func isoWeekdayOfDay(n int) int { return floorMod(n+3, 7) + 1 }

// mondayOfDay is the day number of the Monday of n's week.
func mondayOfDay(n int) int { return n - floorMod(n+3, 7) }

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func floorMod(a, b int) int { return a - floorDiv(a, b)*b }
