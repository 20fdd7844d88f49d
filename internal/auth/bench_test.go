package auth_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"zoompool/internal/auth/authtest"
	"zoompool/internal/auth/feedlink"
)

// BenchmarkVerify measures what the local gateway (and API Gateway's
// authorizer, in its way) does for every request: an RS256 token checked
// against cached keys, next to a feed link's HMAC check in the same run, and
// reports both medians and their ratio.
func BenchmarkVerify(b *testing.B) {
	idp := authtest.New(b)
	tok := idp.Token(b, "anna", map[string]any{"cognito:groups": []string{"teacher"}})
	feeds, err := feedlink.NewSigner("a-key-of-thirty-two-characters!!")
	if err != nil {
		b.Fatal(err)
	}
	link := feeds.Sign(feedlink.Claims{Subject: "anna", TeacherID: "anna"})
	ctx := context.Background()
	if _, err := idp.Verifier.Verify(ctx, "Bearer "+tok); err != nil { // fetches the keys once
		b.Fatal(err)
	}
	var jwts, macs []time.Duration
	for b.Loop() {
		t0 := time.Now()
		if _, err := idp.Verifier.Verify(ctx, "Bearer "+tok); err != nil {
			b.Fatal(err)
		}
		jwts = append(jwts, time.Since(t0))
		t0 = time.Now()
		if _, err := feeds.Verify(link); err != nil {
			b.Fatal(err)
		}
		macs = append(macs, time.Since(t0))
	}
	jwt, mac := median(jwts), median(macs)
	b.ReportMetric(float64(jwt.Nanoseconds())/1e3, "jwt-p50-µs")
	b.ReportMetric(float64(mac.Nanoseconds())/1e3, "feed-link-p50-µs")
	b.ReportMetric(float64(jwt)/float64(mac), "jwt/feed-link")
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
