package feedlink_test

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"

	"zoompool/internal/auth/feedlink"
)

func TestFeedTokens(t *testing.T) {
	s, err := feedlink.NewSigner("a-key-of-thirty-two-characters!!")
	if err != nil {
		t.Fatal(err)
	}
	want := feedlink.Claims{Subject: "anna@school.example", Version: 3, TeacherID: "anna@school.example"}
	tok := s.Sign(want)
	if got, err := s.Verify(tok); err != nil || got != want {
		t.Fatalf("Verify(Sign(%+v)) = %+v, %v", want, got, err)
	}
	rotated, _ := feedlink.NewSigner("another-key-of-thirty-two-chars!")
	payload, mac, _ := strings.Cut(tok, ".")
	forged := s.Sign(feedlink.Claims{Subject: "anna@school.example", Version: 3})
	forgedPayload, _, _ := strings.Cut(forged, ".")
	for name, tc := range map[string]struct {
		signer *feedlink.Signer
		token  string
	}{
		"rotated key":               {rotated, tok},
		"filter removed":            {s, forgedPayload + "." + mac},
		"truncated mac":             {s, payload + "." + mac[:10]},
		"no mac":                    {s, payload},
		"empty":                     {s, ""},
		"not base64":                {s, "!!!." + mac},
		"mac of another signer":     {s, rotated.Sign(want)},
		"payload of nobody":         {s, s.Sign(feedlink.Claims{})},
		"very long":                 {s, strings.Repeat("a", 5000) + "." + mac},
		"mac appended with garbage": {s, tok + "x"},
	} {
		if c, err := tc.signer.Verify(tc.token); !errors.Is(err, feedlink.ErrToken) {
			t.Errorf("%s: Verify = %+v, %v; want ErrToken", name, c, err)
		}
	}
	if _, err := feedlink.NewSigner("short"); err == nil {
		t.Error("a 5-character feed key was accepted")
	}
}

// keySource is a key that changes when the test says so.
type keySource struct {
	key string
	err error
}

func (s *keySource) Secret(context.Context) (string, error) { return s.key, s.err }

func TestKeyringFollowsItsSource(t *testing.T) {
	src := &keySource{key: "the-first-key-of-32-characters!!"}
	k := feedlink.NewKeyring(src)
	ctx := context.Background()
	first, err := k.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	link := first.Sign(feedlink.Claims{Subject: "anna"})
	src.key = "the-second-key-of-32-characters!"
	second, err := k.Signer(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := second.Verify(link); !errors.Is(err, feedlink.ErrToken) {
		t.Errorf("a link of the old key after the source changed: %v, want ErrToken", err)
	}
	src.key = "short"
	if _, err := k.Signer(ctx); !errors.Is(err, feedlink.ErrShortKey) {
		t.Errorf("a short key: %v, want ErrShortKey", err)
	}
	src.err = fs.ErrNotExist
	if _, err := k.Signer(ctx); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a source that fails: %v, want its error", err)
	}
	if _, err := feedlink.FixedKeyring("short"); !errors.Is(err, feedlink.ErrShortKey) {
		t.Errorf("FixedKeyring of a short key: %v, want ErrShortKey", err)
	}
}
