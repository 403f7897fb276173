package cloudfront

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func testKey(t testing.TB) *rsa.PrivateKey {
	t.Helper()
	b, err := os.ReadFile("testdata/private_key.pem")
	require.NoError(t, err)
	blk, _ := pem.Decode(b)
	require.NotNil(t, blk)
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	require.NoError(t, err)
	return k
}

// requestFor turns a signed URL back into the request a viewer would send.
func requestFor(t testing.TB, rawURL string, ip string) *sim.Request {
	t.Helper()
	scheme, rest, ok := strings.Cut(rawURL, "://")
	require.True(t, ok)
	hostPath, query, _ := strings.Cut(rest, "?")
	slash := strings.IndexByte(hostPath, '/')
	return &sim.Request{Protocol: strings.ToUpper(scheme), Method: "GET", Host: hostPath[:slash], Path: hostPath[slash:],
		Query: query, Client: sim.Client{IP: netip.MustParseAddr(ip)}}
}

func TestCannedPolicyJSON(t *testing.T) {
	// The exact form from private-content-creating-signed-url-canned-policy.html.
	p := CannedPolicy("http://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes", time.Unix(1357034400, 0))
	assert.Equal(t, `{"Statement":[{"Resource":"http://d111111abcdef8.cloudfront.net/horizon.jpg?size=large&license=yes","Condition":{"DateLessThan":{"AWS:EpochTime":1357034400}}}]}`, string(p.JSON()))
}

func TestBase64IsURLSafe(t *testing.T) {
	b := []byte{0xfb, 0xff, 0xfe, 0x01}
	s := EncodeBase64(b)
	assert.Equal(t, "-~~-AQ__", s) // "+//+AQ==" with CloudFront's substitutions
	back, err := DecodeBase64(s)
	require.NoError(t, err)
	assert.Equal(t, b, back)
}

func TestVerifySignedRequest(t *testing.T) {
	key := testKey(t)
	groups := []KeyGroup{{Name: "kg", Keys: []PublicKey{{ID: "K2JCJMDEHXQW5F", Key: &key.PublicKey}}}}
	other, err := rsa.GenerateKey(nil, 2048) // a key CloudFront does not trust
	require.NoError(t, err)
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	base := "https://d111111abcdef8.cloudfront.net/videos/a.mp4?quality=hd"
	mustURL := func(u string, err error) string { require.NoError(t, err); return u }
	custom := func(p Policy) string { return mustURL(SignURLWithPolicy(base, "K2JCJMDEHXQW5F", key, p)) }

	tests := []struct {
		name string
		url  string
		ip   string
		at   time.Time
		want error
	}{
		{"canned valid", mustURL(SignCannedURL(base, "K2JCJMDEHXQW5F", key, now.Add(time.Hour))), "203.0.113.5", now, nil},
		{"canned expired", mustURL(SignCannedURL(base, "K2JCJMDEHXQW5F", key, now.Add(time.Hour))), "203.0.113.5", now.Add(2 * time.Hour), ErrExpired},
		{"canned untrusted signer", mustURL(SignCannedURL(base, "K2JCJMDEHXQW5F", other, now.Add(time.Hour))), "203.0.113.5", now, ErrBadSignature},
		{"unknown key id", mustURL(SignCannedURL(base, "KUNKNOWN", key, now.Add(time.Hour))), "203.0.113.5", now, ErrUnknownKey},
		{"canned tampered query", strings.Replace(mustURL(SignCannedURL(base, "K2JCJMDEHXQW5F", key, now.Add(time.Hour))), "quality=hd", "quality=4k", 1), "203.0.113.5", now, ErrBadSignature},
		{"canned tampered expiry", strings.Replace(mustURL(SignCannedURL(base, "K2JCJMDEHXQW5F", key, now.Add(time.Hour))), "Expires=", "Expires=9", 1), "203.0.113.5", now, ErrBadSignature},
		{"unsigned", base, "203.0.113.5", now, ErrMissingSignature},
		{"custom wildcard resource", custom(Policy{Resource: "https://d111111abcdef8.cloudfront.net/videos/*", DateLessThan: now.Add(time.Hour)}), "203.0.113.5", now, nil},
		{"custom resource mismatch", custom(Policy{Resource: "https://d111111abcdef8.cloudfront.net/images/*", DateLessThan: now.Add(time.Hour)}), "203.0.113.5", now, ErrResourceMismatch},
		{"custom IP inside range", custom(Policy{DateLessThan: now.Add(time.Hour), SourceIP: netip.MustParsePrefix("203.0.113.0/24")}), "203.0.113.5", now, nil},
		{"custom IP outside range", custom(Policy{DateLessThan: now.Add(time.Hour), SourceIP: netip.MustParsePrefix("203.0.113.0/24")}), "198.51.100.7", now, ErrIPNotAllowed},
		{"custom not yet valid", custom(Policy{DateLessThan: now.Add(2 * time.Hour), DateGreaterThan: now.Add(time.Hour)}), "203.0.113.5", now, ErrNotYetValid},
		{"custom after start", custom(Policy{DateLessThan: now.Add(2 * time.Hour), DateGreaterThan: now.Add(time.Hour)}), "203.0.113.5", now.Add(90 * time.Minute), nil},
		{"custom expired", custom(Policy{DateLessThan: now}), "203.0.113.5", now, ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := VerifySignedRequest(requestFor(t, tt.url, tt.ip), groups, tt.at)
			if tt.want == nil {
				assert.NoError(t, err)
			} else {
				assert.ErrorIs(t, err, tt.want)
			}
		})
	}
}

func TestSignedCookies(t *testing.T) {
	key := testKey(t)
	groups := []KeyGroup{{Name: "kg", Keys: []PublicKey{{ID: "KID", Key: &key.PublicKey}}}}
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	req := requestFor(t, "https://example.com/members/page.html", "192.0.2.1")

	cookies, err := SignedCookies("KID", key, Policy{Resource: "https://example.com/members/*", DateLessThan: now.Add(time.Hour)}, false)
	require.NoError(t, err)
	req.Cookies = cookies
	assert.NoError(t, VerifySignedRequest(req, groups, now))

	canned, err := SignedCookies("KID", key, CannedPolicy("https://example.com/members/page.html", now.Add(time.Hour)), true)
	require.NoError(t, err)
	req.Cookies = canned
	assert.NoError(t, VerifySignedRequest(req, groups, now))

	// A URL that carries signing parameters is a signed URL: its (bad)
	// signature decides, and valid cookies are ignored.
	req.Query = "Expires=1&Signature=AAAA&Key-Pair-Id=KID"
	assert.ErrorIs(t, VerifySignedRequest(req, groups, now), ErrBadSignature)
}

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy([]byte(`{"Statement":[{"Resource":"https://x/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000},"DateGreaterThan":{"AWS:EpochTime":1000000000},"IpAddress":{"AWS:SourceIp":"192.0.2.7"}}}]}`))
	require.NoError(t, err)
	assert.Equal(t, "https://x/*", p.Resource)
	assert.Equal(t, int64(2000000000), p.DateLessThan.Unix())
	assert.Equal(t, netip.MustParsePrefix("192.0.2.7/32"), p.SourceIP)
	for _, bad := range []string{``, `{}`, `{"Statement":[]}`, `{"Statement":[{"Resource":"x"}]}`,
		`{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1}, "IpAddress":{"AWS:SourceIp":"nope"}}}]}`} {
		_, err := ParsePolicy([]byte(bad))
		assert.ErrorIs(t, err, ErrMalformedPolicy, bad)
	}
	// Round trip through JSON.
	back, err := ParsePolicy(p.JSON())
	require.NoError(t, err)
	assert.Equal(t, p, back)
}

// FuzzParsePolicy: the parser never panics, and whatever it accepts
// renders to JSON that parses back to the same policy.
func FuzzParsePolicy(f *testing.F) {
	f.Add([]byte(`{"Statement":[{"Resource":"https://x/*","Condition":{"DateLessThan":{"AWS:EpochTime":2000000000}}}]}`))
	f.Add([]byte(`{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":5},"IpAddress":{"AWS:SourceIp":"10.0.0.0/8"}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParsePolicy(b)
		if err != nil {
			return
		}
		back, err := ParsePolicy(p.JSON())
		if err != nil {
			t.Fatalf("re-parse of %s: %v", p.JSON(), err)
		}
		if back.Resource != p.Resource || !back.DateLessThan.Equal(p.DateLessThan) || back.SourceIP != p.SourceIP ||
			!back.DateGreaterThan.Equal(p.DateGreaterThan) {
			t.Fatalf("round trip changed %+v to %+v", p, back)
		}
	})
}

// FuzzVerifySignedRequest throws arbitrary query strings and cookies at the
// verifier: it must never panic and never accept a request whose signature
// was not made by the trusted key.
func FuzzVerifySignedRequest(f *testing.F) {
	key := testKey(f)
	groups := []KeyGroup{{Name: "kg", Keys: []PublicKey{{ID: "KID", Key: &key.PublicKey}}}}
	f.Add("Expires=2000000000&Signature=abc&Key-Pair-Id=KID", "")
	f.Add("Policy=eyJTdGF0ZW1lbnQiOltdfQ__&Signature=abc&Key-Pair-Id=KID", "x")
	f.Fuzz(func(t *testing.T, query, cookie string) {
		req := &sim.Request{Host: "d.cloudfront.net", Path: "/a", Query: query,
			Cookies: []sim.Header{{Name: "CloudFront-Policy", Value: cookie}, {Name: "CloudFront-Signature", Value: cookie}, {Name: "CloudFront-Key-Pair-Id", Value: "KID"}}}
		if err := VerifySignedRequest(req, groups, time.Unix(1, 0)); err == nil {
			t.Fatalf("accepted forged request query=%q cookie=%q", query, cookie)
		}
	})
}
