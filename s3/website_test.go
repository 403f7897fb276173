package s3

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestWebsiteEndpointNames(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{})
	east, _ := svc.CreateBucket(BucketConfig{Name: "east-site"})
	frankfurt, _ := svc.CreateBucket(BucketConfig{Name: "fra-site", Region: "eu-central-1"})
	assert.Equal(t, "east-site.s3-website-us-east-1.amazonaws.com", east.WebsiteEndpoint())
	assert.Equal(t, "fra-site.s3-website.eu-central-1.amazonaws.com", frankfurt.WebsiteEndpoint())
	assert.Equal(t, "fra-site.s3.eu-central-1.amazonaws.com", frankfurt.RegionalDomainName())
}

func TestWebsiteHosting(t *testing.T) {
	s, svc, b := newTestBucket(t, Config{Performance: Performance{NoLatency: true}}, "example-site")
	require.ErrorIs(t, b.PutBucketWebsite(WebsiteConfiguration{}), ErrInvalidConfig)
	require.ErrorIs(t, b.PutBucketWebsite(WebsiteConfiguration{IndexDocument: "index.html",
		RoutingRules: []RoutingRule{{Redirect: Redirect{HTTPRedirectCode: 200}}}}), ErrInvalidConfig)
	require.NoError(t, b.PutBucketWebsite(WebsiteConfiguration{
		IndexDocument: "index.html", ErrorDocument: "404.html",
		RoutingRules: []RoutingRule{
			{Condition: RoutingCondition{KeyPrefixEquals: "docs/"}, Redirect: Redirect{ReplaceKeyPrefixWith: "documents/"}},
			{Condition: RoutingCondition{KeyPrefixEquals: "old/", HTTPErrorCodeReturnedEquals: 404}, Redirect: Redirect{HostName: "archive.example.com", HTTPRedirectCode: 302}},
		},
	}))
	for k, size := range map[string]int64{"index.html": 100, "photos/index.html": 200, "404.html": 50} {
		_, err := b.PutObject(k, PutObjectInput{Size: size, ContentType: "text/html"})
		require.NoError(t, err)
	}
	_, err := b.PutObject("about.html", PutObjectInput{Size: 1, WebsiteRedirectLocation: "/about-us.html"})
	require.NoError(t, err)
	host := b.WebsiteEndpoint()
	get := func(method, path string) sim.Response {
		return send(s, svc, &sim.Request{Method: method, Protocol: "HTTP", Host: host, Path: path})
	}

	// Private by default: the website endpoint serves only public content.
	resp := get("GET", "/")
	assert.Equal(t, 403, resp.Status)
	assert.Equal(t, int64(defaultErrorPageBytes), resp.Bytes, "the error document is not public either")
	b.PutPublicAccessBlock(PublicAccessBlock{})
	require.NoError(t, b.PutBucketPolicy(PublicReadPolicy(b.ARN())))

	for _, tc := range []struct {
		method, path string
		status       int
		bytes        int64
		location     string
	}{
		{"GET", "/", 200, 100, ""},
		{"HEAD", "/", 200, 0, ""},
		{"GET", "/photos/", 200, 200, ""},
		{"GET", "/photos", 302, 0, "/photos/"},
		{"GET", "/missing.png", 404, 50, ""},
		{"GET", "/docs/guide.html", 301, 0, "http://" + host + "/documents/guide.html"},
		{"GET", "/old/page.html", 302, 0, "http://archive.example.com/old/page.html"},
		{"GET", "/about.html", 301, 0, "/about-us.html"},
		{"PUT", "/x", 405, errorBytes, ""},
	} {
		resp := get(tc.method, tc.path)
		assert.Equal(t, tc.status, resp.Status, "%s %s", tc.method, tc.path)
		assert.Equal(t, tc.bytes, resp.Bytes, "%s %s", tc.method, tc.path)
		loc, _ := resp.Header("Location")
		assert.Equal(t, tc.location, loc, "%s %s", tc.method, tc.path)
	}
	// The REST endpoint still answers as REST (no index documents).
	resp = send(s, svc, &sim.Request{Method: "GET", Host: b.RegionalDomainName(), Path: "/photos/"})
	assert.Equal(t, 404, resp.Status)
	assert.Equal(t, "NoSuchKey", resp.Reason)
}

func TestWebsiteCustomDomainAndRedirectAll(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	svc, _ := New(s, Config{Performance: Performance{NoLatency: true}})
	www, err := svc.CreateBucket(BucketConfig{Name: "www.example.com", PublicAccessBlock: &PublicAccessBlock{}})
	require.NoError(t, err)
	apex, err := svc.CreateBucket(BucketConfig{Name: "example.com"})
	require.NoError(t, err)
	require.NoError(t, www.PutBucketWebsite(WebsiteConfiguration{IndexDocument: "index.html"}))
	require.NoError(t, www.PutBucketPolicy(PublicReadPolicy(www.ARN())))
	_, _ = www.PutObject("index.html", PutObjectInput{Size: 10})
	require.NoError(t, apex.PutBucketWebsite(WebsiteConfiguration{RedirectAllRequestsTo: &RedirectAll{HostName: "www.example.com", Protocol: "https"}}))

	resp := send(s, svc, &sim.Request{Method: "GET", Host: "www.example.com", Path: "/"})
	assert.Equal(t, 200, resp.Status)
	resp = send(s, svc, &sim.Request{Method: "GET", Host: "example.com", Path: "/a/b"})
	assert.Equal(t, 301, resp.Status)
	loc, _ := resp.Header("Location")
	assert.Equal(t, "https://www.example.com/a/b", loc)
}
