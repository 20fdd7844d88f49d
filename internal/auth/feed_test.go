package auth_test

import (
	"errors"
	"strings"
	"testing"

	"zoompool/internal/auth"
)

func TestFeedTokens(t *testing.T) {
	s, err := auth.NewFeedSigner("a-key-of-thirty-two-characters!!")
	if err != nil {
		t.Fatal(err)
	}
	want := auth.FeedClaims{Subject: "anna@school.example", Version: 3, TeacherID: "anna@school.example"}
	tok := s.Sign(want)
	if got, err := s.Verify(tok); err != nil || got != want {
		t.Fatalf("Verify(Sign(%+v)) = %+v, %v", want, got, err)
	}
	rotated, _ := auth.NewFeedSigner("another-key-of-thirty-two-chars!")
	payload, mac, _ := strings.Cut(tok, ".")
	forged := s.Sign(auth.FeedClaims{Subject: "anna@school.example", Version: 3})
	forgedPayload, _, _ := strings.Cut(forged, ".")
	for name, tc := range map[string]struct {
		signer *auth.FeedSigner
		token  string
	}{
		"rotated key":               {rotated, tok},
		"filter removed":            {s, forgedPayload + "." + mac},
		"truncated mac":             {s, payload + "." + mac[:10]},
		"no mac":                    {s, payload},
		"empty":                     {s, ""},
		"not base64":                {s, "!!!." + mac},
		"mac of another signer":     {s, rotated.Sign(want)},
		"payload of nobody":         {s, s.Sign(auth.FeedClaims{})},
		"very long":                 {s, strings.Repeat("a", 5000) + "." + mac},
		"mac appended with garbage": {s, tok + "x"},
	} {
		if c, err := tc.signer.Verify(tc.token); !errors.Is(err, auth.ErrFeedToken) {
			t.Errorf("%s: Verify = %+v, %v; want ErrFeedToken", name, c, err)
		}
	}
	if _, err := auth.NewFeedSigner("short"); err == nil {
		t.Error("a 5-character feed key was accepted")
	}
}
