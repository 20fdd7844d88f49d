package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAccountsLifecycle(t *testing.T) {
	h := newHarness(t)

	r := h.do(t, "POST", "/api/schedule/zoom-accounts/", `{"name":"Room A","zoom_user_id":"room-a@school.example","capacity":2,"credentials_ref":"zoom/room-a"}`)
	var created map[string]any
	r.json(t, &created)
	if r.status != http.StatusCreated || created["capacity"] != 2.0 || created["enabled"] != true || created["active"] != 0.0 ||
		created["is_busy"] != false || created["current_lesson"] != nil || created["credentials_ref"] != "zoom/room-a" {
		t.Fatalf("create: %d %v", r.status, created)
	}
	id := created["id"].(string)
	if loc := r.header.Get("Location"); loc != "/api/schedule/zoom-accounts/"+id+"/" {
		t.Errorf("Location = %q", loc)
	}

	r = h.do(t, "POST", "/api/schedule/zoom-accounts/", `{"id":"b","name":"Room B","zoom_user_id":"room-b@school.example"}`)
	if r.status != http.StatusCreated {
		t.Fatalf("create b: %d %s", r.status, r.body)
	}
	var b map[string]any
	r.json(t, &b)
	if b["capacity"] != 1.0 {
		t.Errorf("capacity defaults to %v, want 1", b["capacity"])
	}
	if r := h.do(t, "POST", "/api/schedule/zoom-accounts/", `{"id":"b","name":"again","zoom_user_id":"x"}`); r.status != http.StatusConflict || r.error(t).Error != "account_exists" {
		t.Errorf("create with a taken id: %d %s, want 409 account_exists", r.status, r.body)
	}

	r = h.do(t, "PATCH", "/api/schedule/zoom-accounts/b/", `{"name":"Room B (old laptop)","enabled":false,"capacity":2}`)
	var patched map[string]any
	r.json(t, &patched)
	if r.status != http.StatusOK || patched["name"] != "Room B (old laptop)" || patched["enabled"] != false || patched["capacity"] != 2.0 {
		t.Errorf("patch: %d %v", r.status, patched)
	}

	var list []map[string]any
	h.do(t, "GET", "/api/schedule/zoom-accounts/", nil).json(t, &list)
	if len(list) != 2 {
		t.Fatalf("list has %d accounts, want 2", len(list))
	}

	if r := h.do(t, "DELETE", "/api/schedule/zoom-accounts/b/", nil); r.status != http.StatusNoContent {
		t.Errorf("delete: %d %s", r.status, r.body)
	}
	if r := h.do(t, "GET", "/api/schedule/zoom-accounts/b/", nil); r.status != http.StatusNotFound || r.error(t).Error != "account_not_found" {
		t.Errorf("get after delete: %d %s", r.status, r.body)
	}
}

func TestBusyAccountCannotBeDeletedOrShrunk(t *testing.T) {
	h := newHarness(t, 2)
	ids := h.env.AddLessons(t, 2)
	h.start(t, ids[0])
	h.start(t, ids[1])

	if r := h.do(t, "DELETE", "/api/schedule/zoom-accounts/1/", nil); r.status != http.StatusConflict || r.error(t).Error != "account_busy" {
		t.Errorf("delete of a busy account: %d %s, want 409 account_busy", r.status, r.body)
	}
	if r := h.do(t, "PATCH", "/api/schedule/zoom-accounts/1/", `{"capacity":1}`); r.status != http.StatusConflict || r.error(t).Error != "account_busy" {
		t.Errorf("capacity below current holds: %d %s, want 409 account_busy", r.status, r.body)
	}
	// Disabling is allowed: the lessons keep their meetings, no new ones come.
	if r := h.do(t, "PATCH", "/api/schedule/zoom-accounts/1/", `{"enabled":false}`); r.status != http.StatusOK {
		t.Errorf("disable a busy account: %d %s", r.status, r.body)
	}
	var a map[string]any
	h.do(t, "GET", "/api/schedule/zoom-accounts/1/", nil).json(t, &a)
	if cur, _ := a["current_lessons"].([]any); len(cur) != 2 || a["is_busy"] != true {
		t.Errorf("account = %v, want 2 current lessons and busy", a)
	}
}

func TestAccountsRejectBadInput(t *testing.T) {
	h := newHarness(t, 1)
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		mention                  string // the message must name what to fix
	}{
		{"malformed JSON", "POST", "/api/schedule/zoom-accounts/", `{"name": "A",`, 400, "JSON"},
		{"not an object", "POST", "/api/schedule/zoom-accounts/", `["A"]`, 400, "JSON object"},
		{"empty body", "POST", "/api/schedule/zoom-accounts/", ``, 400, "empty"},
		{"missing name", "POST", "/api/schedule/zoom-accounts/", `{"zoom_user_id":"u"}`, 400, "name"},
		{"missing zoom user", "POST", "/api/schedule/zoom-accounts/", `{"name":"A"}`, 400, "zoom_user_id"},
		{"capacity as string", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","capacity":"2"}`, 400, "capacity"},
		{"capacity 3", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","capacity":3}`, 400, "capacity"},
		{"capacity 0", "PATCH", "/api/schedule/zoom-accounts/1/", `{"capacity":0}`, 400, "capacity"},
		{"fractional capacity", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","capacity":1.5}`, 400, "capacity"},
		{"enabled as string", "PATCH", "/api/schedule/zoom-accounts/1/", `{"enabled":"yes"}`, 400, "enabled"},
		{"empty name", "PATCH", "/api/schedule/zoom-accounts/1/", `{"name":""}`, 400, "name"},
		{"bad id", "POST", "/api/schedule/zoom-accounts/", `{"id":"a/b","name":"A","zoom_user_id":"u"}`, 400, "id"},
		{"api secret", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","api_secret":"s3cr3t"}`, 400, "credentials_ref"},
		{"client secret on patch", "PATCH", "/api/schedule/zoom-accounts/1/", `{"client_secret":"s3cr3t"}`, 400, "credentials_ref"},
		{"api key", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","api_key":"k"}`, 400, "credentials_ref"},
		{"secret as credentials_ref", "POST", "/api/schedule/zoom-accounts/", `{"name":"A","zoom_user_id":"u","credentials_ref":"abc def!"}`, 400, "credentials_ref"},
		{"body over 1 MiB", "POST", "/api/schedule/zoom-accounts/", `{"name":"` + strings.Repeat("A", 1<<20) + `"}`, 413, "bytes"},
		{"unknown account", "GET", "/api/schedule/zoom-accounts/nope/", ``, 404, "nope"},
		{"patch unknown account", "PATCH", "/api/schedule/zoom-accounts/nope/", `{"enabled":true}`, 404, "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(t, tc.method, tc.path, tc.body)
			e := r.error(t)
			if r.status != tc.status || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %d %q, want %d with a message mentioning %q", r.status, e.Message, tc.status, tc.mention)
			}
		})
	}
	var list []map[string]any
	h.do(t, "GET", "/api/schedule/zoom-accounts/", nil).json(t, &list)
	if len(list) != 1 || list[0]["capacity"] != 1.0 || list[0]["name"] != "Zoom Account 1" {
		t.Errorf("after refused requests the pool is %v, want account 1 unchanged", list)
	}
}
