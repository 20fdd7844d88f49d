package api

import (
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"zoompool/internal/metrics"
	"zoompool/internal/pool"
)

// lessonRef matches what the start route accepts as a lesson id: a lesson's own
// id, or the id of a calendar event (which may name a recurring occurrence),
// of at most maxLessonRef characters (a bound that is cheaper to check than
// to compile into the pattern).
var lessonRef = regexp.MustCompile(`^[A-Za-z0-9_.:@-]+$`)

const maxLessonRef = 128

// NewStartLesson returns the start-lesson function's handler:
//
//	POST /schedule/lesson/{id}/start
//
// Admins start any lesson; teachers their own lessons and their own series'
// occurrences (owners tells whose they are).
func NewStartLesson(svc *pool.Service, owners Owners, log *slog.Logger) *Router {
	rt := NewRouter(log)
	rt.handle(http.MethodPost, "/schedule/lesson/{id}/start", func(w http.ResponseWriter, r *http.Request) error {
		began := time.Now()
		// The scope learns from the store whether this request claimed an account.
		ctx, scope := metrics.WithScope(r.Context())
		caller := CallerOf(r)
		l, err := startLesson(w, r.WithContext(ctx), svc, owners, caller)
		rt.metrics.Start(startOutcome(err, scope.Claims() > 0), time.Since(began))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, caller.startedJSON(l))
		return nil
	})
	return rt
}

// startLesson starts the lesson r names, if caller may.
func startLesson(w http.ResponseWriter, r *http.Request, svc *pool.Service, owners Owners, caller Caller) (pool.Lesson, error) {
	id := r.PathValue("id")
	if len(id) > maxLessonRef || !lessonRef.MatchString(id) {
		return pool.Lesson{}, pool.Invalidf("%q is not a lesson id: use the id of a lesson or calendar event", id)
	}
	// The route takes no body, but a huge one is still refused rather than read.
	if _, err := readBody(w, r); err != nil {
		return pool.Lesson{}, err
	}
	if err := caller.mayStartLesson(r.Context(), owners, id); err != nil {
		return pool.Lesson{}, err
	}
	return svc.Start(r.Context(), id)
}

type meetingJSON struct {
	ID       string `json:"id"`
	StartURL string `json:"start_url,omitempty"`
	JoinURL  string `json:"join_url"`
	Password string `json:"password"`
}

// startedBody is the seed's success answer; lesson is extra.
type startedBody struct {
	Status      string      `json:"status"`
	LessonID    string      `json:"lesson_id"`
	MeetingData meetingJSON `json:"meeting_data"`
	ZoomAccount string      `json:"zoom_account"`
	Lesson      lessonJSON  `json:"lesson"`
}

// startedJSON is the answer to a start, with the host link only for those
// who may see it.
func (c Caller) startedJSON(l pool.Lesson) startedBody {
	m := l.Meeting
	b := startedBody{
		Status: "success", LessonID: l.ID, ZoomAccount: l.AccountName,
		MeetingData: meetingJSON{ID: m.ID, StartURL: m.StartURL, JoinURL: m.JoinURL, Password: m.Password},
		Lesson:      c.lessonJSON(l),
	}
	if !c.seesStartURL(l.TeacherID) {
		b.MeetingData.StartURL = ""
	}
	return b
}
