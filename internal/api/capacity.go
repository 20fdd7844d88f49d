package api

import (
	"net/http"
	"time"

	"zoompool/internal/forecast"
	"zoompool/internal/pool"
)

// capacityRoutes adds the capacity forecast to rt, for admins:
//
//	GET /api/schedule/capacity   demand on the pool against its capacity
func (c Calendar) capacityRoutes(rt *Router, now func() time.Time) {
	rt.handle(http.MethodGet, "/api/schedule/capacity", func(w http.ResponseWriter, r *http.Request) error {
		if err := CallerOf(r).requireAdmin("the capacity forecast"); err != nil {
			return err
		}
		v := r.URL.Query()
		if v.Has("teacher_id") || v.Has("group_id") {
			return pool.Invalidf("the capacity forecast counts every lesson the pool serves; leave out teacher_id and group_id")
		}
		q, loc, err := calendarRange(r, now(), 0, forecast.LookAheadSpan)
		if err != nil {
			return err
		}
		f, err := c.Forecast.Forecast(r.Context(), q.From, q.To, loc)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newForecastJSON(f))
		return nil
	})
}

type forecastJSON struct {
	Start         string  `json:"start"`
	End           string  `json:"end"`
	TimeZone      string  `json:"time_zone"`
	MarginMinutes float64 `json:"margin_minutes"`
	// Capacity is the slots of the enabled accounts (those at a daily limit
	// included, which count once their limit ends).
	Capacity int               `json:"capacity"`
	Accounts accountSlotsJSON  `json:"accounts"`
	Lessons  int               `json:"lessons"`
	Peak     peakJSON          `json:"peak"`
	Over     []shortageJSON    `json:"over_capacity"`
	Days     []forecastDayJSON `json:"days"`
}

// accountSlotsJSON lists the accounts by what they give the forecast:
// enabled and limited accounts make up its capacity (a limited one from the
// end of its Zoom daily limit on); disabled ones and those that need an
// admin's attention take no lessons.
type accountSlotsJSON struct {
	Enabled        []accountSlotJSON `json:"enabled"`
	Limited        []accountSlotJSON `json:"limited"`
	Disabled       []accountSlotJSON `json:"disabled"`
	NeedsAttention []accountSlotJSON `json:"needs_attention"`
}

type accountSlotJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Capacity int    `json:"capacity"`
	// LimitedUntil is when a limited account takes lessons again.
	LimitedUntil string `json:"limited_until,omitempty"`
}

type peakJSON struct {
	Demand int     `json:"demand"`
	At     *string `json:"at"`
}

type shortageJSON struct {
	Start     string               `json:"start"`
	End       string               `json:"end"`
	Demand    int                  `json:"demand"`
	Capacity  int                  `json:"capacity"`
	Shortfall int                  `json:"shortfall"`
	Lessons   []forecastLessonJSON `json:"lessons"`
}

type forecastLessonJSON struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	TeacherID   string `json:"teacher_id"`
	GroupID     string `json:"group_id"`
	Start       string `json:"start"`
	End         string `json:"end"`
	RecurringID string `json:"recurring_id,omitempty"`
}

type forecastDayJSON struct {
	Date      string  `json:"date"`
	MaxDemand int     `json:"max_demand"`
	At        *string `json:"at"`
	Capacity  int     `json:"capacity"`
	Shortfall int     `json:"shortfall"`
}

func newForecastJSON(f forecast.Forecast) forecastJSON {
	format := func(t time.Time) string { return t.In(f.Zone).Format(time.RFC3339) }
	formatSet := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		s := format(t)
		return &s
	}
	slots := func(accounts []pool.Account) []accountSlotJSON {
		out := make([]accountSlotJSON, len(accounts))
		for i, a := range accounts {
			out[i] = accountSlotJSON{ID: a.ID, Name: a.Name, Capacity: a.Capacity}
			if !a.LimitedUntil.IsZero() {
				out[i].LimitedUntil = format(a.LimitedUntil)
			}
		}
		return out
	}
	c := f.Capacity
	j := forecastJSON{
		Start: format(f.From), End: format(f.To), TimeZone: f.Zone.String(), MarginMinutes: f.Margin.Minutes(),
		Capacity: c.Slots, Accounts: accountSlotsJSON{Enabled: slots(c.Enabled), Limited: slots(c.Limited),
			Disabled: slots(c.Disabled), NeedsAttention: slots(c.NeedsAttention)},
		Lessons: len(f.Lessons), Over: []shortageJSON{}, Days: []forecastDayJSON{},
	}
	peak, at := f.PeakIn(f.From, f.To)
	j.Peak = peakJSON{Demand: peak, At: formatSet(at)}
	for _, s := range f.Shortages() {
		sj := shortageJSON{Start: format(s.Start), End: format(s.End), Demand: s.Demand, Capacity: s.Capacity,
			Shortfall: s.Shortfall(), Lessons: make([]forecastLessonJSON, len(s.Lessons))}
		for i, l := range s.Lessons {
			sj.Lessons[i] = forecastLessonJSON{ID: l.ID, Title: l.Title, TeacherID: l.TeacherID, GroupID: l.GroupID,
				Start: format(l.Start), End: format(l.End), RecurringID: l.RecurringID}
		}
		j.Over = append(j.Over, sj)
	}
	for _, d := range f.Days() {
		j.Days = append(j.Days, forecastDayJSON{Date: d.Date.String(), MaxDemand: d.MaxDemand, At: formatSet(d.At),
			Capacity: d.Capacity, Shortfall: d.Shortfall})
	}
	return j
}
