package s3

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

const testPolicy = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
     "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::site/public/*"},
    {"Sid": "Partner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
     "Action": "s3:Get*", "Resource": ["arn:aws:s3:::site/*"]},
    {"Sid": "Office", "Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "s3:*",
     "Resource": "arn:aws:s3:::site/office/*", "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
    {"Sid": "NoSecrets", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": "arn:aws:s3:::site/public/secret*"},
    {"Sid": "TLSOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
     "Resource": ["arn:aws:s3:::site", "arn:aws:s3:::site/*"], "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "CDN", "Effect": "Allow", "Principal": {"Service": "cloudfront.amazonaws.com"}, "Action": "s3:GetObject",
     "Resource": "arn:aws:s3:::site/*", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:cloudfront::123456789012:distribution/E2*"}}}
  ]
}`

func TestPolicyEvaluation(t *testing.T) {
	p, err := ParsePolicy(testPolicy)
	require.NoError(t, err)
	assert.True(t, p.Public(), "PublicRead grants * without a pinning condition")
	office := netip.MustParseAddr("203.0.113.7")
	home := netip.MustParseAddr("198.51.100.1")
	obj := "arn:aws:s3:::site/"
	for _, tc := range []struct {
		name string
		r    AccessRequest
		want Decision
	}{
		{"anonymous public read", AccessRequest{Action: "s3:GetObject", ResourceBase: obj, Key: "public/a.css", SecureTransport: true}, Allowed},
		{"action is case-insensitive", AccessRequest{Action: "S3:getobject", ResourceBase: obj, Key: "public/a.css", SecureTransport: true}, Allowed},
		{"anonymous write: no match", AccessRequest{Action: "s3:PutObject", ResourceBase: obj, Key: "public/a.css", SecureTransport: true}, NoMatch},
		{"anonymous private: no match", AccessRequest{Action: "s3:GetObject", ResourceBase: obj, Key: "private/x", SecureTransport: true}, NoMatch},
		{"explicit deny beats allow", AccessRequest{Action: "s3:GetObject", ResourceBase: obj, Key: "public/secret.txt", SecureTransport: true}, ExplicitDeny},
		{"partner account by root ARN", AccessRequest{Principal: "arn:aws:iam::111122223333:user/bob", Action: "s3:GetObjectVersion", ResourceBase: obj, Key: "private/x", SecureTransport: true}, Allowed},
		{"partner cannot write", AccessRequest{Principal: "arn:aws:iam::111122223333:user/bob", Action: "s3:PutObject", ResourceBase: obj, Key: "x", SecureTransport: true}, NoMatch},
		{"other account", AccessRequest{Principal: "arn:aws:iam::444455556666:user/eve", Action: "s3:GetObject", ResourceBase: obj, Key: "private/x", SecureTransport: true}, NoMatch},
		{"office IP", AccessRequest{Action: "s3:PutObject", ResourceBase: obj, Key: "office/doc", SourceIP: office, SecureTransport: true}, Allowed},
		{"office IPv6", AccessRequest{Action: "s3:PutObject", ResourceBase: obj, Key: "office/doc", SourceIP: netip.MustParseAddr("2001:db8::5"), SecureTransport: true}, Allowed},
		{"home IP", AccessRequest{Action: "s3:PutObject", ResourceBase: obj, Key: "office/doc", SourceIP: home, SecureTransport: true}, NoMatch},
		{"plain HTTP denied", AccessRequest{Action: "s3:GetObject", ResourceBase: obj, Key: "public/a.css", SecureTransport: false}, ExplicitDeny},
		{"bucket-level deny over HTTP", AccessRequest{Action: "s3:ListBucket", ResourceBase: "arn:aws:s3:::site", SecureTransport: false}, ExplicitDeny},
		{"CloudFront with its distribution", AccessRequest{Principal: CloudFrontPrincipal, Action: "s3:GetObject", ResourceBase: obj, Key: "img/1.png", SourceArn: "arn:aws:cloudfront::123456789012:distribution/E2QWRUHEXAMPLE", SecureTransport: true}, Allowed},
		{"CloudFront, other distribution", AccessRequest{Principal: CloudFrontPrincipal, Action: "s3:GetObject", ResourceBase: obj, Key: "img/1.png", SourceArn: "arn:aws:cloudfront::123456789012:distribution/E9OTHER", SecureTransport: true}, NoMatch},
		{"CloudFront without SourceArn", AccessRequest{Principal: CloudFrontPrincipal, Action: "s3:GetObject", ResourceBase: obj, Key: "img/1.png", SecureTransport: true}, NoMatch},
	} {
		assert.Equal(t, tc.want, p.Evaluate(&tc.r), tc.name)
	}
}

func TestParsePolicyErrors(t *testing.T) {
	for _, doc := range []string{
		``,
		`{`,
		`{"Version":"2012-10-17"}`,
		`{"Version":"2099-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"bob","Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*"}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Sometimes":{"aws:SourceIp":"1.2.3.4"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"not-an-ip"}}}]}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Colour":"red"}]}`,
		`{"Statement":[]}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":[],"Resource":"*"}}`,
		`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}} trailing`,
	} {
		_, err := ParsePolicy(doc)
		require.ErrorIs(t, err, ErrMalformedPolicy, doc)
	}
	p, err := ParsePolicy(`{"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}`)
	require.NoError(t, err, "a single statement object is accepted")
	assert.False(t, p.Public())
}

func TestBucketAuthorization(t *testing.T) {
	_, _, b := newTestBucket(t, Config{}, "site")
	// New buckets block public policies.
	require.ErrorIs(t, b.PutBucketPolicy(testPolicy), ErrAccessDenied)
	require.ErrorIs(t, b.PutBucketPolicy(`{"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::other/*"}}`), ErrMalformedPolicy)
	b.PutPublicAccessBlock(PublicAccessBlock{})
	require.NoError(t, b.PutBucketPolicy(testPolicy))

	anon := AccessRequest{Action: "s3:GetObject", ResourceBase: b.objBase, Key: "public/a.css", SecureTransport: true}
	owner := AccessRequest{Principal: "arn:aws:iam::123456789012:user/admin", Action: "s3:PutObject", ResourceBase: b.objBase, Key: "x", SecureTransport: true}
	ownerHTTP := owner
	ownerHTTP.SecureTransport = false
	partner := AccessRequest{Principal: "arn:aws:iam::111122223333:user/bob", Action: "s3:GetObject", ResourceBase: b.objBase, Key: "x", SecureTransport: true}
	assert.True(t, b.Authorize(&anon))
	assert.True(t, b.Authorize(&owner), "the owning account needs no policy grant")
	assert.False(t, b.Authorize(&ownerHTTP), "an explicit deny binds the owner too")
	assert.True(t, b.Authorize(&partner))

	// RestrictPublicBuckets: with a public policy only service principals
	// and the owner's account get in.
	b.PutPublicAccessBlock(PublicAccessBlock{RestrictPublicBuckets: true})
	assert.False(t, b.Authorize(&anon))
	assert.False(t, b.Authorize(&partner))
	assert.True(t, b.Authorize(&owner))
	cdn := AccessRequest{Principal: CloudFrontPrincipal, Action: "s3:GetObject", ResourceBase: b.objBase, Key: "x",
		SourceArn: "arn:aws:cloudfront::123456789012:distribution/E2AB", SecureTransport: true}
	assert.True(t, b.Authorize(&cdn))
}

// TestOriginAccessControl serves a CloudFront origin fetch through the
// handler: the OAC policy is not public, so Block Public Access may stay on.
func TestOriginAccessControl(t *testing.T) {
	s, _, b := newTestBucket(t, Config{Performance: Performance{NoLatency: true}}, "assets")
	dist := "arn:aws:cloudfront::123456789012:distribution/EDFDVBD6EXAMPLE"
	require.NoError(t, b.PutBucketPolicy(OACPolicy(b.ARN(), dist)))
	_, err := b.PutObject("index.html", PutObjectInput{Size: 2048, CacheControl: "max-age=300"})
	require.NoError(t, err)

	req := &sim.Request{Method: "GET", Host: b.RegionalDomainName(), Path: "/index.html"}
	SignOAC(req, dist)
	resp := send(s, b, req)
	assert.Equal(t, 200, resp.Status)
	assert.Equal(t, int64(2048), resp.Bytes)
	cc, _ := resp.Header("Cache-Control")
	assert.Equal(t, "max-age=300", cc)

	other := &sim.Request{Method: "GET", Host: b.RegionalDomainName(), Path: "/index.html"}
	SignOAC(other, "arn:aws:cloudfront::123456789012:distribution/EOTHER")
	assert.Equal(t, 403, send(s, b, other).Status)
	anon := &sim.Request{Method: "GET", Host: b.RegionalDomainName(), Path: "/index.html"}
	resp = send(s, b, anon)
	assert.Equal(t, 403, resp.Status)
	assert.Equal(t, "AccessDenied", resp.Reason)
}

func TestPresignedURL(t *testing.T) {
	s, svc, b := newTestBucket(t, Config{Performance: Performance{NoLatency: true}}, "reports")
	_, err := b.PutObject("q3.pdf", PutObjectInput{Size: 500})
	require.NoError(t, err)
	key, err := svc.CreateAccessKey("arn:aws:iam::123456789012:user/alice")
	require.NoError(t, err)
	assert.Regexp(t, `^AKIA[0-9A-Z]{16}$`, key.ID)

	_, err = svc.Presign(key, "GET", "reports", "q3.pdf", MaxPresignExpiry+time.Second)
	require.ErrorIs(t, err, ErrInvalidConfig)
	u, err := svc.Presign(key, "GET", "reports", "q3.pdf", time.Hour)
	require.NoError(t, err)
	assert.Contains(t, u.Query, "X-Amz-Expires=3600")
	assert.Regexp(t, `X-Amz-Signature=[0-9a-f]{64}$`, u.Query)
	req := func(u PresignedURL) *sim.Request {
		return &sim.Request{Method: u.Method, Host: u.Host, Path: u.Path, Query: u.Query}
	}
	assert.Equal(t, 200, send(s, b, req(u)).Status, "anonymous holder acts as alice")

	tampered := u
	tampered.Path = "/other.pdf"
	assert.Equal(t, "SignatureDoesNotMatch", send(s, b, req(tampered)).Reason)
	put := u
	put.Method = "PUT"
	assert.Equal(t, "SignatureDoesNotMatch", send(s, b, req(put)).Reason, "the method is signed")

	long := u
	long.Query = strings.Replace(u.Query, "X-Amz-Expires=3600", "X-Amz-Expires=604801", 1)
	resp := send(s, b, req(long))
	assert.Equal(t, 400, resp.Status)
	assert.Equal(t, "AuthorizationQueryParametersError", resp.Reason, "longer than 7 days")

	s.RunFor(time.Hour + time.Second)
	resp = send(s, b, req(u))
	assert.Equal(t, 403, resp.Status)
	assert.Equal(t, "AccessDenied", resp.Reason, "expired")

	stranger := AccessKey{ID: "AKIAEXAMPLEEXAMPLE00", Secret: "x", Principal: "111122223333"}
	_, err = svc.Presign(stranger, "GET", "reports", "q3.pdf", time.Hour)
	require.ErrorIs(t, err, ErrInvalidConfig)
}

// FuzzParsePolicy checks the parser never panics, that accepted policies
// evaluate without panicking, and that explicit deny always wins: adding a
// Deny-everything statement turns every decision into ExplicitDeny.
func FuzzParsePolicy(f *testing.F) {
	f.Add(testPolicy)
	f.Add(OACPolicy("arn:aws:s3:::b", "arn:aws:cloudfront::123456789012:distribution/E1"))
	f.Add(`{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"NotAction":"s3:Get*","NotResource":"arn:aws:s3:::b/x?"}}`)
	f.Add(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*","Condition":{"StringLikeIfExists":{"aws:Referer":["*.example.com"]},"Null":{"aws:SourceArn":"true"}}}]}`)
	reqs := []AccessRequest{
		{Action: "s3:GetObject", ResourceBase: "arn:aws:s3:::b/", Key: "x1"},
		{Principal: "arn:aws:iam::123456789012:user/a", Action: "s3:PutObject", ResourceBase: "arn:aws:s3:::b", SourceIP: netip.MustParseAddr("10.0.0.1")},
		{Principal: CloudFrontPrincipal, Action: "s3:GetObject", ResourceBase: "arn:aws:s3:::b/", Key: "img", SourceArn: "arn:aws:cloudfront::123456789012:distribution/E1", SecureTransport: true},
	}
	f.Fuzz(func(t *testing.T, doc string) {
		p, err := ParsePolicy(doc)
		if err != nil {
			require.ErrorIs(t, err, ErrMalformedPolicy)
			return
		}
		for i := range reqs {
			p.Evaluate(&reqs[i])
		}
		p.Statements = append(p.Statements, Statement{Effect: Deny, Principal: &PrincipalSet{All: true}, Action: []string{"*"}, Resource: []string{"*"}})
		for i := range reqs {
			require.Equal(t, ExplicitDeny, p.Evaluate(&reqs[i]))
		}
	})
}

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		p, a, b string
		want    bool
	}{
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b/", "x/y", true},
		{"arn:aws:s3:::b/*", "arn:aws:s3:::b", "", false},
		{"arn:aws:s3:::b*", "arn:aws:s3:::b", "", true},
		{"*/photos/*.jpg", "arn:aws:s3:::b/", "u/photos/a.jpg", true},
		{"*/photos/*.jpg", "arn:aws:s3:::b/", "u/photos/a.png", false},
		{"a?c", "ab", "c", true},
		{"", "", "", true},
		{"*", "", "", true},
	} {
		assert.Equal(t, tc.want, glob(tc.p, tc.a, tc.b, false), "%q ~ %q+%q", tc.p, tc.a, tc.b)
	}
}
