package api

import (
	"context"

	"zoompool/internal/pool"
)

// Who may do what. Each rule is one method of Caller, so every handler asks
// the same question the same way:
//
//	admin     everything
//	teacher   reads everything; starts, changes and cancels their own lessons
//	          and recurring lessons (teacher_id = their teacher id), and sees
//	          the host links (zoom_start_url) of those only
//	others    signed-in users without a role: read lessons, the calendar and
//	          the pool's status

// owns reports whether the caller is the teacher teacherID.
func (c Caller) owns(teacherID string) bool {
	return c.IsTeacher() && c.TeacherID != "" && c.TeacherID == teacherID
}

// requireAdmin refuses callers who are not admins; action says what they tried.
func (c Caller) requireAdmin(action string) error {
	if c.IsAdmin() {
		return nil
	}
	return pool.Forbiddenf("%s needs the %s role", action, RoleAdmin)
}

// mayEdit says whether the caller may change (create, edit, cancel, delete)
// what belongs to teacherID; what names it ("lesson 7").
func (c Caller) mayEdit(what, teacherID string) error {
	switch {
	case c.IsAdmin() || c.owns(teacherID):
		return nil
	case !c.IsTeacher():
		return pool.Forbiddenf("changing lessons needs the %s or %s role", RoleTeacher, RoleAdmin)
	}
	return pool.Forbiddenf("%s belongs to teacher %q; only that teacher or an %s may change it", what, teacherID, RoleAdmin)
}

// mayKeep says whether the caller may leave teacherID as the owner of what
// they changed: a teacher cannot give a lesson to another teacher.
func (c Caller) mayKeep(what, teacherID string) error {
	switch {
	case c.IsAdmin() || c.owns(teacherID):
		return nil
	case !c.IsTeacher():
		return c.mayEdit(what, teacherID)
	}
	return pool.Forbiddenf("a teacher cannot give %s to another teacher (teacher_id %q); keep your own teacher_id %q or ask an %s",
		what, teacherID, c.TeacherID, RoleAdmin)
}

// mayStart says whether the caller may start a lesson of teacherID.
func (c Caller) mayStart(what, teacherID string) error {
	switch {
	case c.IsAdmin() || c.owns(teacherID):
		return nil
	case !c.IsTeacher():
		return pool.Forbiddenf("starting lessons needs the %s or %s role", RoleTeacher, RoleAdmin)
	}
	return pool.Forbiddenf("%s belongs to teacher %q; only that teacher or an %s may start it", what, teacherID, RoleAdmin)
}

// seesStartURL says whether the caller may see the host link of a lesson of
// teacherID: it opens the meeting as its host.
func (c Caller) seesStartURL(teacherID string) bool { return c.IsAdmin() || c.owns(teacherID) }

// seesAccountDetails says whether the caller may see the Zoom user and the
// credentials' name of the pool's accounts, beyond their status.
func (c Caller) seesAccountDetails() bool { return c.IsAdmin() }

// Owners reads what the start route needs to know who teaches a lesson.
type Owners interface {
	Lesson(ctx context.Context, id string) (pool.Lesson, error)
	RecurringLesson(ctx context.Context, id string) (pool.RecurringLesson, error)
}

// mayStartLesson checks that the caller may start lesson or calendar event id:
// a lesson's teacher, or for an occurrence not started yet, its series'
// teacher. Admins are not asked about the lesson at all.
func (c Caller) mayStartLesson(ctx context.Context, st Owners, id string) error {
	if c.IsAdmin() {
		return nil
	}
	if !c.IsTeacher() {
		return c.mayStart("", "")
	}
	l, err := st.Lesson(ctx, id)
	if err == nil {
		return c.mayStart("lesson "+id, l.TeacherID)
	}
	rid, _, ok := pool.ParseOccurrenceID(id)
	if pool.ErrorKind(err) != pool.KindNotFound || !ok {
		return err
	}
	rl, err := st.RecurringLesson(ctx, rid)
	if pool.ErrorKind(err) == pool.KindNotFound {
		return pool.NotFoundf("lesson_not_found", "there is no lesson %s and no recurring lesson %q", id, rid)
	}
	if err != nil {
		return err
	}
	return c.mayStart("recurring lesson "+rid, rl.TeacherID)
}
