package pool_test

import (
	"strings"
	"testing"

	"zoompool/internal/pool"
)

// Teacher and group ids take the user names and e-mail addresses schools
// sign in with, and nothing that could break a storage key; lesson ids stay
// without '@', which only the ids of calendar occurrences hold.
func TestPersonIDs(t *testing.T) {
	for _, id := range []string{"teacher-1", "anna.berg+maths@school.example", "9b_french", "a", strings.Repeat("x", 254),
		"0f3c5c1e-8a0b-4cde-9d2f-0123456789ab"} {
		if !pool.ValidPersonID(id) {
			t.Errorf("ValidPersonID(%q) = false, want true", id)
		}
	}
	for _, id := range []string{"", "a#b", "TEACHER#x", "a/b", "a b", "a\tb", "a\x00b", "ä", strings.Repeat("x", 255), "a,b", "a|b"} {
		if pool.ValidPersonID(id) {
			t.Errorf("ValidPersonID(%q) = true, want false", id)
		}
	}
	if pool.ValidID("anna@school.example") {
		t.Error("a lesson id may hold '@', so it could collide with an occurrence's id")
	}
}
