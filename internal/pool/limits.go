package pool

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// The window of instants and dates the pool accepts. Every time that comes in
// through the API must lie inside it, so that everything stored can be read
// back, sorted and formatted (a UTC year outside 0000-9999 cannot be written as
// RFC 3339), and so that nobody books a lesson for the year 9999.
var (
	// EarliestTime is the first instant accepted: 2000-01-01T00:00:00Z.
	EarliestTime = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)
	// LatestTime is the first instant no longer accepted: 2100-01-01T00:00:00Z.
	LatestTime = time.Date(2100, time.January, 1, 0, 0, 0, 0, time.UTC)
)

// Earliest and latest dates accepted: the days of the window.
var (
	EarliestDate = DateOf(EarliestTime)
	LatestDate   = DateOf(LatestTime.Add(-time.Nanosecond))
)

// InWindow reports whether t lies in [EarliestTime, LatestTime).
func InWindow(t time.Time) bool { return !t.Before(EarliestTime) && t.Before(LatestTime) }

// DateInWindow reports whether d lies in [EarliestDate, LatestDate].
func DateInWindow(d Date) bool { return !d.Before(EarliestDate) && !d.After(LatestDate) }

// CheckTime returns an EINVALID error naming field when t is outside the window.
func CheckTime(field string, t time.Time) error {
	if InWindow(t) {
		return nil
	}
	return Invalidf("%s (%s) must lie between %s and %s UTC", field, t.UTC().Format(time.RFC3339),
		EarliestDate, LatestDate.AddDays(1))
}

// CheckDate returns an EINVALID error naming field when d is outside the window.
func CheckDate(field string, d Date) error {
	if DateInWindow(d) {
		return nil
	}
	return Invalidf("%s (%s) must lie between %s and %s", field, d, EarliestDate, LatestDate)
}

// CheckText returns an EINVALID error naming field when s is not text a person
// typed on one line (or, with multiline, several lines): invalid UTF-8,
// control characters (C0 and C1, NUL, a carriage return that does not end a
// line), and the invisible bidirectional overrides that make text read
// differently from what it holds are refused. Tabs are text; line feeds
// (optionally after a carriage return) are allowed in multiline fields only.
func CheckText(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return Invalidf("%s is not valid UTF-8 text", field)
	}
	for i, r := range s {
		switch {
		case r == '\t':
		case r == '\n' && multiline:
		case r == '\r' && multiline && strings.HasPrefix(s[i+1:], "\n"):
		case unicode.IsControl(r):
			return Invalidf("%s holds the control character %U at byte %d; send plain text%s", field, r, i, lineHint(multiline))
		case isBidiControl(r):
			return Invalidf("%s holds the invisible bidirectional control %U at byte %d; send plain text", field, r, i)
		}
	}
	return nil
}

func lineHint(multiline bool) string {
	if multiline {
		return " (lines end with \\n)"
	}
	return " on one line"
}

// isBidiControl reports whether r is an explicit bidirectional embedding,
// override or isolate (U+202A-U+202E, U+2066-U+2069).
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// checkTexts checks several one-line fields, by name, in order.
func checkTexts(fields ...string) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if err := CheckText(fields[i], fields[i+1], false); err != nil {
			return err
		}
	}
	return nil
}

// ceilSeconds rounds d up to whole seconds, at least one: what a Retry-After
// header can say without telling a client to come back too early.
func ceilSeconds(d time.Duration) time.Duration {
	s := d.Truncate(time.Second)
	if d > s {
		s += time.Second
	}
	return max(s, time.Second)
}

// formatSeconds is d in whole seconds, for messages.
func formatSeconds(d time.Duration) string { return fmt.Sprintf("%d seconds", int(d/time.Second)) }
