package ical

import (
	"strings"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"
)

// A content line of RFC 5545 ends at CRLF, and its value may hold no control
// character but HTAB (section 3.1 and 3.3.11): a bare CR or LF in a title would
// end the line for some clients and let the rest of the title pass for
// properties and components of its own ("Evil\rEND:VEVENT\rBEGIN:VEVENT...").
// Titles, ids and names come from people and from stored records that other
// writers may have made, so every value the feed holds is cleaned just before
// it is written, whatever checks the API made when it was stored.

// cleanCalendar cleans every property of cal and of its components, and their
// parameters: TEXT values keep their line breaks, which golang-ical then
// writes as the escape \n; other values and parameters lose every control
// character; invalid UTF-8 becomes U+FFFD.
func cleanCalendar(cal *ics.Calendar) {
	for i := range cal.CalendarProperties {
		cleanProperty(&cal.CalendarProperties[i].BaseProperty)
	}
	cleanComponents(cal.Components)
}

func cleanComponents(cs []ics.Component) {
	for _, c := range cs {
		props := c.UnknownPropertiesIANAProperties()
		for i := range props {
			cleanProperty(&props[i].BaseProperty)
		}
		cleanComponents(c.SubComponents())
	}
}

func cleanProperty(p *ics.BaseProperty) {
	if p.GetValueType() == ics.ValueDataTypeText {
		p.Value = icsText(p.Value)
	} else {
		p.Value = icsWord(p.Value)
	}
	for name, values := range p.ICalParameters {
		for i, v := range values {
			values[i] = icsWord(v)
		}
		p.ICalParameters[name] = values
	}
}

// icsText is s fit for a TEXT value: line breaks (CRLF, CR, LF, NEL, and the
// Unicode line and paragraph separators) become "\n", other control
// characters (C0 but HTAB, DEL, C1) are dropped, invalid UTF-8 becomes
// U+FFFD.
func icsText(s string) string { return clean(s, true) }

// icsWord is s without any control character but HTAB, and with invalid UTF-8
// as U+FFFD, for values and parameters that cannot hold a line break.
func icsWord(s string) string { return clean(s, false) }

func clean(s string, lineBreaks bool) string {
	if isClean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r' || r == '\n' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			if r == '\r' && i < len(s) && s[i] == '\n' {
				i++ // CRLF is one line break
			}
			if lineBreaks {
				b.WriteByte('\n')
			}
		case isControl(r):
		default:
			b.WriteRune(r) // utf8.RuneError for invalid bytes: U+FFFD
		}
	}
	return b.String()
}

// isClean reports whether s is valid UTF-8 without line breaks and control
// characters, as almost every value is.
func isClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' || isControl(r) {
			return false // RuneError: an invalid byte, or U+FFFD itself, which clean keeps
		}
	}
	return true
}

// isControl reports whether r is a control character other than HTAB: C0,
// DEL or C1.
func isControl(r rune) bool {
	return r != '\t' && (r < 0x20 || r >= 0x7f && r <= 0x9f)
}
