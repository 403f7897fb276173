package cloudfront

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nimbus-sim/nimbus/sim"
)

func TestGeoRestriction(t *testing.T) {
	tests := []struct {
		name    string
		geo     GeoRestriction
		country string
		want    int
	}{
		{"block list blocks", GeoRestriction{RestrictionType: GeoBlockList, Locations: []string{"DE"}}, "DE", 403},
		{"block list serves others", GeoRestriction{RestrictionType: GeoBlockList, Locations: []string{"DE"}}, "FR", 200},
		{"allow list serves listed", GeoRestriction{RestrictionType: GeoAllowList, Locations: []string{"US", "CA"}}, "CA", 200},
		{"allow list blocks others", GeoRestriction{RestrictionType: GeoAllowList, Locations: []string{"US", "CA"}}, "BR", 403},
		{"unknown country is served", GeoRestriction{RestrictionType: GeoAllowList, Locations: []string{"US"}}, "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sim.New(sim.Config{Seed: 1})
			dc := simpleDist(fixedOrigin(s, sim.Response{Status: 200}))
			dc.GeoRestriction = tt.geo
			r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
			c := viewer(1, ashburn)
			c.Country = tt.country
			a := r.get(0, c, "/")
			s.Run()
			assert.Equal(t, tt.want, a.resp.Status)
		})
	}
}

// TestViewerPolicies covers protocol policies, allowed methods and the
// Host check.
func TestViewerPolicies(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	dc := simpleDist(fixedOrigin(s, sim.Response{Status: 200}))
	dc.Aliases = []string{"www.example.com"}
	dc.CacheBehaviors = []CacheBehavior{
		{PathPattern: "/secure/*", TargetOriginID: "web", ViewerProtocolPolicy: HTTPSOnly},
		{PathPattern: "/api/*", TargetOriginID: "web", AllowedMethods: AllMethods, CachePolicy: &CachingDisabled},
	}
	dc.DefaultCacheBehavior.ViewerProtocolPolicy = RedirectToHTTPS
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	c := viewer(1, ashburn)
	do := func(proto, method, host, path string) *answer {
		a := &answer{}
		s.Schedule(s.Now(), func() {
			req := &sim.Request{Client: c, Protocol: proto, Method: method, Host: host, Path: path, Query: "q=1"}
			s.Send(r.d, req, func(_ *sim.Request, resp sim.Response) { a.resp = resp })
		})
		return a
	}
	redirect := do("HTTP", "GET", "www.example.com", "/page")
	secure := do("HTTP", "GET", "www.example.com", "/secure/x")
	post := do("HTTPS", "POST", "www.example.com", "/page")
	apiPost := do("HTTPS", "POST", "www.example.com", "/api/orders")
	wrongHost := do("HTTPS", "GET", "evil.example.net", "/page")
	alias := do("HTTPS", "GET", "WWW.example.com", "/page")
	s.Run()
	assert.Equal(t, 301, redirect.resp.Status)
	loc, _ := redirect.resp.Header("Location")
	assert.Equal(t, "https://www.example.com/page?q=1", loc)
	assert.Equal(t, 403, secure.resp.Status)
	assert.Equal(t, 403, post.resp.Status)
	assert.Equal(t, "MethodNotAllowed", post.resp.Reason)
	assert.Equal(t, 200, apiPost.resp.Status)
	assert.Equal(t, 403, wrongHost.resp.Status)
	assert.Equal(t, 200, alias.resp.Status)
}

// TestSignedContent: a behaviour with a trusted key group refuses
// unsigned, expired and tampered URLs and serves signed ones and signed
// cookies.
func TestSignedContent(t *testing.T) {
	key := testKey(t)
	s := sim.New(sim.Config{Seed: 1})
	dc := simpleDist(fixedOrigin(s, sim.Response{Status: 200, Bytes: 10}))
	dc.KeyGroups = []KeyGroup{{Name: "members", Keys: []PublicKey{{ID: "K1", Key: &key.PublicKey}}}}
	dc.CacheBehaviors = []CacheBehavior{{PathPattern: "/members/*", TargetOriginID: "web", TrustedKeyGroups: []string{"members"}}}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	now := s.Wall(0)
	base := "https://" + r.d.DomainName() + "/members/video.mp4"
	signed, err := SignCannedURL(base, "K1", key, now.Add(time.Hour))
	require.NoError(t, err)
	_, query, _ := strings.Cut(signed, "?")
	cookies, err := SignedCookies("K1", key, Policy{Resource: "https://" + r.d.DomainName() + "/members/*", DateLessThan: now.Add(time.Hour)}, false)
	require.NoError(t, err)

	c := viewer(1, ashburn)
	ok := r.send(0, c, "GET", "/members/video.mp4", query)
	unsigned := r.send(0, c, "GET", "/members/video.mp4", "")
	expired := r.send(2*time.Hour, c, "GET", "/members/video.mp4", query)
	other := r.send(0, c, "GET", "/members/other.mp4", query) // canned policy names one URL
	public := r.get(0, c, "/index.html")
	withCookies := &answer{}
	s.Schedule(0, func() {
		req := &sim.Request{Client: c, Method: "GET", Host: r.d.DomainName(), Path: "/members/any.mp4", Cookies: cookies}
		s.Send(r.d, req, func(_ *sim.Request, resp sim.Response) { withCookies.resp = resp })
	})
	s.Run()
	assert.Equal(t, 200, ok.resp.Status)
	assert.Equal(t, 403, unsigned.resp.Status)
	assert.Equal(t, "AccessDenied", unsigned.resp.Reason)
	assert.Equal(t, 403, expired.resp.Status)
	assert.Equal(t, 403, other.resp.Status)
	assert.Equal(t, 200, public.resp.Status)
	assert.Equal(t, 200, withCookies.resp.Status)
}

// TestFunctions: a CloudFront Function rewrites the path at viewer
// request, one over budget fails with 503, a Lambda@Edge origin-request
// function adds a header the origin sees, and a viewer-request function can
// answer on its own.
func TestFunctions(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := &origin{s: s, respond: func(req *sim.Request) sim.Response {
		return sim.Response{Status: 200, Bytes: int64(len(req.Path))}
	}}
	rewrite := &Function{Name: "index", Type: CloudFrontFunction, Handler: func(ev *FunctionEvent) time.Duration {
		if strings.HasSuffix(ev.Request.Path, "/") {
			ev.Request.Path += "index.html"
		}
		return 200 * time.Microsecond
	}}
	slow := &Function{Name: "slow", Type: CloudFrontFunction, Handler: func(*FunctionEvent) time.Duration { return 2 * time.Millisecond }}
	tag := &Function{Name: "tag", Type: LambdaEdge, Handler: func(ev *FunctionEvent) time.Duration {
		ev.Request.SetHeader("X-From-Edge", "yes")
		return 30 * time.Millisecond
	}}
	deny := &Function{Name: "deny", Type: LambdaEdge, Handler: func(ev *FunctionEvent) time.Duration {
		ev.Response = &sim.Response{Status: 401, Bytes: 12}
		return 5 * time.Millisecond
	}}
	dc := simpleDist(o)
	dc.CacheBehaviors = []CacheBehavior{
		{PathPattern: "/slow/*", TargetOriginID: "web", FunctionAssociations: []FunctionAssociation{{EventType: ViewerRequest, Function: slow}}},
		{PathPattern: "/deny/*", TargetOriginID: "web", FunctionAssociations: []FunctionAssociation{{EventType: ViewerRequest, Function: deny}}},
	}
	dc.DefaultCacheBehavior.FunctionAssociations = []FunctionAssociation{{EventType: ViewerRequest, Function: rewrite}, {EventType: OriginRequest, Function: tag}}
	ledger := &recordingBiller{}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}, Billing: ledger}, dc)
	c := viewer(1, ashburn)
	dir := r.get(0, c, "/docs/")
	tooSlow := r.get(0, c, "/slow/x")
	denied := r.get(0, c, "/deny/x")
	s.Run()
	assert.Equal(t, 200, dir.resp.Status)
	assert.Equal(t, int64(len("/docs/index.html")), dir.resp.Bytes)
	require.Len(t, o.seen, 1)
	v, _ := o.seen[0].Header("X-From-Edge")
	assert.Equal(t, "yes", v)
	assert.Equal(t, 503, tooSlow.resp.Status)
	assert.Equal(t, "FunctionExecutionError", tooSlow.resp.Reason)
	assert.Equal(t, 401, denied.resp.Status)
	r.cf.Flush()
	assert.Equal(t, 2.0, ledger.quantity("Executions-CloudFrontFunctions"))
	assert.Equal(t, 2.0, ledger.quantity("Lambda-Edge-Request"))
	// 30 ms + 5 ms at 128 MB = 0.035 s × 0.125 GB.
	assert.InDelta(t, 0.035*0.125, ledger.quantity("Lambda-Edge-GB-Second"), 1e-12)

	bad := simpleDist(o)
	bad.DefaultCacheBehavior.FunctionAssociations = []FunctionAssociation{{EventType: OriginRequest, Function: rewrite}}
	_, err := r.cf.CreateDistribution(bad)
	assert.ErrorIs(t, err, ErrInvalidConfig, "CloudFront Functions run only at viewer events")
}

// TestResponseFunctionsEditCopies: response functions that edit a header
// in place change only their own response, never the origin's (possibly
// shared) headers or the cached copy other viewers get.
func TestResponseFunctionsEditCopies(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	shared := []sim.Header{{Name: "Cache-Control", Value: "max-age=60"}, {Name: "X-Version", Value: "v1"}}
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 10, Headers: shared})
	edit := func(name string) *Function {
		return &Function{Name: name, Type: LambdaEdge, Handler: func(ev *FunctionEvent) time.Duration {
			for i := range ev.Response.Headers {
				if ev.Response.Headers[i].Name == "X-Version" {
					ev.Response.Headers[i].Value += "+" + name
				}
			}
			return time.Millisecond
		}}
	}
	dc := simpleDist(o)
	dc.DefaultCacheBehavior.FunctionAssociations = []FunctionAssociation{{EventType: OriginResponse, Function: edit("origin")}, {EventType: ViewerResponse, Function: edit("viewer")}}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	first := r.get(0, viewer(1, ashburn), "/a")
	second := r.get(time.Second, viewer(2, ashburn), "/a")
	s.Run()
	assert.Equal(t, "v1", shared[1].Value, "the origin's headers are untouched")
	for _, b := range []*answer{first, second} {
		v, _ := b.resp.Header("X-Version")
		assert.Equal(t, "v1+origin+viewer", v, "each viewer's edit applies once, to its own copy")
	}
}

// TestOriginRequestHeaders: the origin sees the viewer headers the origin
// request policy names (CloudFront-generated ones included), forwarding
// headers, and the OAC identity an S3 bucket policy checks; the response
// headers policy and compression shape the answer.
func TestOriginRequestHeaders(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 10000, Headers: []sim.Header{{Name: "Content-Type", Value: "text/html; charset=utf-8"}, {Name: "Server", Value: "AmazonS3"}}})
	orp := &OriginRequestPolicy{Name: "viewer-info", Headers: ParamsConfig{Behavior: ParamsWhitelist,
		Items: []string{"CloudFront-Viewer-Country", "CloudFront-Is-Mobile-Viewer", "Accept-Language"}},
		QueryStrings: ParamsConfig{Behavior: ParamsWhitelist, Items: []string{"lang"}}}
	rhp := &ResponseHeadersPolicy{Name: "sec", CustomHeaders: []sim.Header{{Name: "X-Frame-Options", Value: "DENY"}}, RemoveHeaders: []string{"Server"}}
	dc := DistributionConfig{
		Origins: []Origin{{ID: "bucket", DomainName: "assets.s3.us-east-1.amazonaws.com", Handler: o, Region: "us-east-1", S3: true,
			OriginAccessControl: &OriginAccessControl{Name: "oac"}}},
		DefaultCacheBehavior: CacheBehavior{TargetOriginID: "bucket", OriginRequestPolicy: orp, ResponseHeadersPolicy: rhp, Compress: true},
	}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	c := viewer(1, ashburn)
	c.Country = "US"
	a := r.send(0, c, "GET", "/index.html", "lang=de&utm=x",
		sim.Header{Name: "User-Agent", Value: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0) Mobile/15E148"},
		sim.Header{Name: "Accept-Language", Value: "de"}, sim.Header{Name: "Cookie-Ignored", Value: "1"},
		sim.Header{Name: "Accept-Encoding", Value: "gzip, br"})
	s.Run()
	require.Len(t, o.seen, 1)
	or := o.seen[0]
	h := func(name string) string { v, _ := or.Header(name); return v }
	assert.Equal(t, "US", h("CloudFront-Viewer-Country"))
	assert.Equal(t, "true", h("CloudFront-Is-Mobile-Viewer"))
	assert.Equal(t, "de", h("Accept-Language"))
	assert.Equal(t, "", h("Cookie-Ignored"))
	assert.Equal(t, "lang=de", or.Query)
	assert.Equal(t, "198.51.100.1", h("X-Forwarded-For"))
	assert.Equal(t, r.d.ARN(), h(HeaderSourceArn))
	assert.Equal(t, "cloudfront.amazonaws.com", h(HeaderPrincipal))
	assert.Equal(t, "assets.s3.us-east-1.amazonaws.com", or.Host)
	assert.True(t, strings.HasPrefix(r.d.ARN(), "arn:aws:cloudfront::123456789012:distribution/E"))

	v, _ := a.resp.Header("X-Frame-Options")
	assert.Equal(t, "DENY", v)
	_, hasServer := a.resp.Header("Server")
	assert.False(t, hasServer)
	enc, _ := a.resp.Header("Content-Encoding")
	assert.Equal(t, "br", enc, "Brotli is preferred when the viewer accepts both")
	assert.Equal(t, int64(2500), a.resp.Bytes, "10,000 bytes at the default Brotli ratio 0.25")
}

// TestCacheKey: query strings, headers and cookies in the policy split
// the cache; ones left out do not.
func TestCacheKey(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	o := fixedOrigin(s, sim.Response{Status: 200, Bytes: 10})
	cp := NewCachePolicy("by-lang", 0)
	cp.QueryStrings = ParamsConfig{Behavior: ParamsWhitelist, Items: []string{"v"}}
	cp.Headers = ParamsConfig{Behavior: ParamsWhitelist, Items: []string{"CloudFront-Viewer-Country"}}
	cp.Cookies = ParamsConfig{Behavior: ParamsWhitelist, Items: []string{"session"}}
	dc := simpleDist(o)
	dc.DefaultCacheBehavior.CachePolicy = &cp
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
	us, de := viewer(1, ashburn), viewer(2, ashburn)
	de.Country = "DE"
	as := []*answer{
		r.send(0, us, "GET", "/p", "v=1&utm=a"),
		r.send(time.Second, us, "GET", "/p", "v=1&utm=b"), // utm not in the key: hit
		r.send(2*time.Second, us, "GET", "/p", "v=2"),     // new v: miss
		r.send(3*time.Second, de, "GET", "/p", "v=1"),     // other country: miss
	}
	s.Run()
	want := []string{"Miss", "Hit", "Miss", "Miss"}
	for i, a := range as {
		assert.Equal(t, want[i]+" from cloudfront", xcache(a), "request %d", i)
	}
	assert.Equal(t, "v=1", o.seen[0].Query, "only key query strings are forwarded")
}

// TestFieldLevelEncryption: POSTs over 1 MB are refused, smaller ones are
// served and billed at $0.02 per 10,000.
func TestFieldLevelEncryption(t *testing.T) {
	s := sim.New(sim.Config{Seed: 1})
	dc := simpleDist(fixedOrigin(s, sim.Response{Status: 201}))
	dc.DefaultCacheBehavior.AllowedMethods = AllMethods
	dc.DefaultCacheBehavior.FieldLevelEncryption = &FieldLevelEncryption{ProfileName: "cards", Fields: []string{"card_number"}}
	b := &recordingBiller{}
	r := newRigOn(t, s, Config{Edges: []string{"IAD"}, Billing: b}, dc)
	small, big := &answer{}, &answer{}
	for _, x := range []struct {
		a     *answer
		bytes int64
	}{{small, 4096}, {big, MaxFLERequestBytes + 1}} {
		s.Schedule(0, func() {
			req := &sim.Request{Client: viewer(1, ashburn), Method: "POST", Host: r.d.DomainName(), Path: "/pay", Bytes: x.bytes}
			s.Send(r.d, req, func(_ *sim.Request, resp sim.Response) { x.a.resp = resp })
		})
	}
	s.Run()
	r.cf.Flush()
	assert.Equal(t, 201, small.resp.Status)
	assert.Equal(t, 413, big.resp.Status)
	assert.Equal(t, 1.0, b.quantity("FieldLevelEncryption-Requests"))
	assert.Equal(t, int64(4096), r.d.Stats().BytesUploaded)
	dc.DefaultCacheBehavior.FieldLevelEncryption = &FieldLevelEncryption{ProfileName: "none"}
	_, err := r.cf.CreateDistribution(dc)
	assert.ErrorIs(t, err, ErrInvalidConfig)
}

// TestAllViewerForwardsEverything: with CachingDisabled alone the origin
// gets no query strings or cookies (nothing is in the cache key); with the
// AllViewer origin request policy it gets them all, but not the
// CloudFront-generated headers.
func TestAllViewerForwardsEverything(t *testing.T) {
	for _, orp := range []*OriginRequestPolicy{nil, &AllViewer} {
		s := sim.New(sim.Config{Seed: 1})
		o := fixedOrigin(s, sim.Response{Status: 200})
		dc := simpleDist(o)
		dc.DefaultCacheBehavior.CachePolicy = &CachingDisabled
		dc.DefaultCacheBehavior.OriginRequestPolicy = orp
		r := newRigOn(t, s, Config{Edges: []string{"IAD"}}, dc)
		s.Schedule(0, func() {
			req := &sim.Request{Client: viewer(1, ashburn), Method: "GET", Host: r.d.DomainName(), Path: "/api", Query: "a=1&b=2",
				Headers: []sim.Header{{Name: "X-Trace", Value: "t"}}, Cookies: []sim.Header{{Name: "session", Value: "s"}}}
			s.Send(r.d, req, nil)
		})
		s.Run()
		require.Len(t, o.seen, 1)
		got := o.seen[0]
		xt, _ := got.Header("X-Trace")
		_, country := got.Header("CloudFront-Viewer-Country")
		assert.False(t, country)
		if orp == nil {
			assert.Equal(t, "", got.Query)
			assert.Empty(t, got.Cookies)
			assert.Equal(t, "", xt)
		} else {
			assert.Equal(t, "a=1&b=2", got.Query)
			assert.Equal(t, []sim.Header{{Name: "session", Value: "s"}}, got.Cookies)
			assert.Equal(t, "t", xt)
			assert.Equal(t, r.d.DomainName(), got.Host, "AllViewer forwards the viewer's Host")
		}
	}
}
