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
// id, or the id of a calendar event (which may name a recurring occurrence).
var lessonRef = regexp.MustCompile(`^[A-Za-z0-9_.:@-]{1,128}$`)

// NewStartLesson returns the start-lesson function's handler:
//
//	POST /schedule/lesson/{id}/start
func NewStartLesson(svc *pool.Service, log *slog.Logger) *Router {
	rt := NewRouter(log)
	rt.handle(http.MethodPost, "/schedule/lesson/{id}/start", func(w http.ResponseWriter, r *http.Request) error {
		began := time.Now()
		// The scope learns from the store whether this request claimed an account.
		ctx, scope := metrics.WithScope(r.Context())
		l, err := startLesson(w, r.WithContext(ctx), svc)
		rt.metrics.Start(startOutcome(err, scope.Claims() > 0), time.Since(began))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, startedJSON(l))
		return nil
	})
	return rt
}

// startLesson starts the lesson r names.
func startLesson(w http.ResponseWriter, r *http.Request, svc *pool.Service) (pool.Lesson, error) {
	id := r.PathValue("id")
	if !lessonRef.MatchString(id) {
		return pool.Lesson{}, pool.Invalidf("%q is not a lesson id: use the id of a lesson or calendar event", id)
	}
	// The route takes no body, but a huge one is still refused rather than read.
	if _, err := readBody(w, r); err != nil {
		return pool.Lesson{}, err
	}
	return svc.Start(r.Context(), id)
}

type meetingJSON struct {
	ID       string `json:"id"`
	StartURL string `json:"start_url"`
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

func startedJSON(l pool.Lesson) startedBody {
	m := l.Meeting
	return startedBody{
		Status: "success", LessonID: l.ID, ZoomAccount: l.AccountName,
		MeetingData: meetingJSON{ID: m.ID, StartURL: m.StartURL, JoinURL: m.JoinURL, Password: m.Password},
		Lesson:      newLessonJSON(l),
	}
}
