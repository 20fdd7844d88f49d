package api

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"time"

	"zoompool/internal/pool"
)

// AccountStore is the storage of accounts the accounts function needs.
type AccountStore interface {
	Pool(ctx context.Context) ([]pool.Account, error)
	Account(ctx context.Context, id string) (pool.Account, error)
	CreateAccount(ctx context.Context, a pool.Account) error
	UpdateAccount(ctx context.Context, id string, p pool.AccountPatch) (pool.Account, error)
	DeleteAccount(ctx context.Context, id string) error
}

// secretFields are refused by the accounts API: credentials live in a secret
// store, and accounts only name them.
var secretFields = []string{"api_key", "api_secret", "client_secret"}

// NewAccounts returns the accounts function's handler:
//
//	GET, POST /api/schedule/zoom-accounts
//	GET, PATCH, DELETE /api/schedule/zoom-accounts/{id}
func NewAccounts(store AccountStore, log *slog.Logger) *Router {
	rt := NewRouter(log)
	rt.handle(http.MethodGet, "/api/schedule/zoom-accounts", func(w http.ResponseWriter, r *http.Request) error {
		accounts, err := store.Pool(r.Context())
		if err != nil {
			return err
		}
		slices.SortFunc(accounts, func(a, b pool.Account) int {
			return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
		caller := CallerOf(r)
		out := make([]any, len(accounts))
		for i, a := range accounts {
			out[i] = caller.accountJSON(a)
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	})
	rt.handle(http.MethodPost, "/api/schedule/zoom-accounts", func(w http.ResponseWriter, r *http.Request) error {
		if err := CallerOf(r).requireAdmin("adding Zoom accounts"); err != nil {
			return err
		}
		var in accountInput
		if err := decodeAccount(w, r, &in); err != nil {
			return err
		}
		if in.NeedsAttention.set() || in.ZoomLimitedUntil.set() {
			return pool.Invalidf("needs_attention and zoom_limited_until are set by Zoom's answers, not by a new account")
		}
		a := pool.Account{ID: in.ID.orNew(), Capacity: 1, Enabled: true}
		in.apply(&a)
		if in.ZoomUserID != nil {
			a.ZoomUserID = *in.ZoomUserID
		}
		if in.CredentialsRef != nil {
			a.CredentialsRef = *in.CredentialsRef
		}
		if err := a.Validate(); err != nil {
			return err
		}
		if err := store.CreateAccount(r.Context(), a); err != nil {
			return err
		}
		w.Header().Set("Location", "/api/schedule/zoom-accounts/"+a.ID+"/")
		writeJSON(w, http.StatusCreated, newAccountJSON(a))
		return nil
	})
	rt.handle(http.MethodGet, "/api/schedule/zoom-accounts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		a, err := store.Account(r.Context(), r.PathValue("id"))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, CallerOf(r).accountJSON(a))
		return nil
	})
	rt.handle(http.MethodPatch, "/api/schedule/zoom-accounts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if err := CallerOf(r).requireAdmin("changing Zoom accounts"); err != nil {
			return err
		}
		var in accountInput
		if err := decodeAccount(w, r, &in); err != nil {
			return err
		}
		p := pool.AccountPatch{Name: in.Name, Capacity: in.Capacity, Enabled: in.Enabled,
			ZoomUserID: in.ZoomUserID, CredentialsRef: in.CredentialsRef, At: time.Now()}
		var err error
		if p.ClearAttention, err = in.NeedsAttention.clears("needs_attention"); err != nil {
			return err
		}
		if p.ClearLimit, err = in.ZoomLimitedUntil.clears("zoom_limited_until"); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return err
		}
		a, err := store.UpdateAccount(r.Context(), r.PathValue("id"), p)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, newAccountJSON(a))
		return nil
	})
	rt.handle(http.MethodDelete, "/api/schedule/zoom-accounts/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if err := CallerOf(r).requireAdmin("deleting Zoom accounts"); err != nil {
			return err
		}
		if err := store.DeleteAccount(r.Context(), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
	return rt
}

// accountInput is the body of POST and PATCH; absent fields are nil. PATCH
// changes name, capacity, enabled, zoom_user_id and credentials_ref, and
// clears needs_attention and zoom_limited_until when they are sent as null.
type accountInput struct {
	ID               *flexID   `json:"id"`
	Name             *string   `json:"name"`
	ZoomUserID       *string   `json:"zoom_user_id"`
	Capacity         *int      `json:"capacity"`
	Enabled          *bool     `json:"enabled"`
	CredentialsRef   *string   `json:"credentials_ref"`
	NeedsAttention   clearable `json:"needs_attention"`
	ZoomLimitedUntil clearable `json:"zoom_limited_until"`
}

// clearable is a field that a client may only clear, by sending null.
type clearable json.RawMessage

func (c *clearable) UnmarshalJSON(b []byte) error {
	*c = append((*c)[:0], b...)
	return nil
}

// set reports whether the field was sent with a value other than null.
func (c clearable) set() bool { return c != nil && string(c) != "null" }

// clears reports whether the field was sent as null, and refuses any other value.
func (c clearable) clears(field string) (bool, error) {
	if c.set() {
		return false, pool.Invalidf("%s can only be cleared, by sending null, once what Zoom refused is fixed", field)
	}
	return c != nil, nil
}

func (in accountInput) apply(a *pool.Account) {
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.Capacity != nil {
		a.Capacity = *in.Capacity
	}
	if in.Enabled != nil {
		a.Enabled = *in.Enabled
	}
}

// decodeAccount decodes an account body, refusing any that carries a secret.
func decodeAccount(w http.ResponseWriter, r *http.Request, in *accountInput) error {
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(body, &fields) == nil {
		for _, f := range secretFields {
			if _, ok := fields[f]; ok {
				return pool.Invalidf("%s is not accepted: Zoom credentials are kept in AWS Secrets Manager or SSM Parameter Store; "+
					"store them there and send the secret's name as credentials_ref", f)
			}
		}
	}
	return decodeJSON(body, in)
}

type holdJSON struct {
	LessonID    string  `json:"lesson_id"`
	State       string  `json:"state"`
	MeetingID   *string `json:"meeting_id"`
	ClaimedAt   string  `json:"claimed_at"`
	ExpectedEnd string  `json:"expected_end"`
}

// accountJSON is an account as admins see it: its status and which Zoom user
// and credentials it lends.
type accountJSON struct {
	accountStatusJSON
	ZoomUserID     string  `json:"zoom_user_id"`
	CredentialsRef *string `json:"credentials_ref"`
	// NeedsAttention is set while starts skip the account because Zoom
	// refused it in a way only an admin can fix.
	NeedsAttention *attentionJSON `json:"needs_attention"`
}

// accountStatusJSON is an account as everyone else sees it.
type accountStatusJSON struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Capacity       int        `json:"capacity"`
	Enabled        bool       `json:"enabled"`
	Active         int        `json:"active"`
	IsBusy         bool       `json:"is_busy"`
	CurrentLesson  *string    `json:"current_lesson"`
	CurrentLessons []holdJSON `json:"current_lessons"`
	LastClaimedAt  *string    `json:"last_claimed_at"`
	// ZoomLimitedUntil is when Zoom takes meetings for the account's user
	// again, while it is at a daily limit.
	ZoomLimitedUntil *string `json:"zoom_limited_until"`
}

// attentionJSON is what Zoom answered about an account that needs an admin.
type attentionJSON struct {
	// Status is Zoom's HTTP status (0 when its credentials could not be read).
	Status  int    `json:"status"`
	Code    int    `json:"code"`
	Message string `json:"message"`
	Since   string `json:"since"`
}

// accountJSON is account a as the caller may see it.
func (c Caller) accountJSON(a pool.Account) any {
	if c.seesAccountDetails() {
		return newAccountJSON(a)
	}
	return newAccountJSON(a).accountStatusJSON
}

func newAccountJSON(a pool.Account) accountJSON {
	j := accountStatusJSON{
		ID: a.ID, Name: a.Name, Capacity: a.Capacity, Enabled: a.Enabled, Active: a.Active, IsBusy: a.Active >= a.Capacity,
		CurrentLessons: make([]holdJSON, 0, len(a.Holds)),
	}
	if !a.LastClaimedAt.IsZero() {
		s := a.LastClaimedAt.UTC().Format(time.RFC3339)
		j.LastClaimedAt = &s
	}
	for _, h := range a.Holds {
		j.CurrentLessons = append(j.CurrentLessons, holdJSON{
			LessonID: h.LessonID, State: string(h.State), MeetingID: nonEmpty(h.MeetingID),
			ClaimedAt: h.ClaimedAt.UTC().Format(time.RFC3339), ExpectedEnd: h.LessonEnd.UTC().Format(time.RFC3339),
		})
	}
	if len(a.Holds) > 0 {
		j.CurrentLesson = &a.Holds[0].LessonID
	}
	if a.Limited(time.Now()) {
		s := a.LimitedUntil.UTC().Format(time.RFC3339)
		j.ZoomLimitedUntil = &s
	}
	out := accountJSON{accountStatusJSON: j, ZoomUserID: a.ZoomUserID, CredentialsRef: nonEmpty(a.CredentialsRef)}
	if at := a.Attention; at != nil {
		out.NeedsAttention = &attentionJSON{Status: at.Status, Code: at.Code, Message: at.Message, Since: at.Since.UTC().Format(time.RFC3339)}
	}
	return out
}
