package cloudfront

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/geo"
	"github.com/nimbus-sim/nimbus/sim"
)

// Distribution is a CloudFront distribution: a sim.Handler that viewers
// send requests to.
type Distribution struct {
	cf        *CloudFront
	id        string
	from      string // Response.From of answers CloudFront makes itself
	domain    string
	arn       string
	cfg       DistributionConfig
	behaviors []*behavior // ordered; the default behaviour last
	origins   map[string]*originState
	groups    map[string]*OriginGroup

	stats         Stats
	invalidations []*Invalidation
	log           []byte
	logErr        error
	minute        minuteAgg
	bill          billAgg
	free          []*viewerReq // recycled viewer requests
	last          edgeChoice   // the edge chosen for lastPoint
	lastPoint     geo.Point
	keys          map[string]string // path → cache key, for path-only keys
	keyPrefix     string            // "" for a network's first distribution, else its ID
}

// maxKeyMemo bounds the path → cache key memo.
const maxKeyMemo = 1 << 16

// behavior is a CacheBehavior resolved for the hot path.
type behavior struct {
	CacheBehavior
	policy    CachePolicy
	keyExtras bool
	keyGroups []KeyGroup
	vreq      *Function
	vresp     *Function
	oreq      *Function
	oresp     *Function
}

// originState is an origin with its settings resolved.
type originState struct {
	Origin
	https bool
}

// CreateDistribution validates cfg and creates a distribution with a
// deterministic ID ("E" + 13 characters) and domain name
// ("d" + 13 characters + ".cloudfront.net").
func (cf *CloudFront) CreateDistribution(cfg DistributionConfig) (*Distribution, error) {
	cfg.Origins = append([]Origin(nil), cfg.Origins...)
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.ErrorCachingMinTTL == 0 {
		cfg.ErrorCachingMinTTL = DefaultErrorCachingMinTTL
	}
	if cfg.PriceClass == "" {
		cfg.PriceClass = PriceClassAll
	}
	raw := strings.TrimPrefix(cf.s.NewID("cloudfront-distribution"), "cloudfront-distribution-0")
	d := &Distribution{cf: cf, cfg: cfg, origins: map[string]*originState{}, groups: map[string]*OriginGroup{}}
	d.id = "E" + strings.ToUpper(raw[:13])
	d.from = "cloudfront:" + d.id
	d.keys = map[string]string{}
	if len(cf.dists) > 0 {
		d.keyPrefix = d.id
	}
	d.domain = "d" + raw[3:16] + ".cloudfront.net"
	d.arn = "arn:aws:cloudfront::" + cf.cfg.AccountID + ":distribution/" + d.id
	for i := range cfg.Origins {
		o := cfg.Origins[i]
		if o.OriginShield.Enabled {
			if _, err := cf.regionalNode(o.OriginShield.Region); err != nil {
				return nil, err
			}
		}
		d.origins[o.ID] = &originState{Origin: o, https: o.ProtocolPolicy != HTTPOnlyOrigin}
	}
	for i := range cfg.OriginGroups {
		d.groups[cfg.OriginGroups[i].ID] = &cfg.OriginGroups[i]
	}
	for i := range cfg.CacheBehaviors {
		d.behaviors = append(d.behaviors, d.compile(cfg.CacheBehaviors[i]))
	}
	def := cfg.DefaultCacheBehavior
	def.PathPattern = "*"
	d.behaviors = append(d.behaviors, d.compile(def))
	cf.dists = append(cf.dists, d)
	if cfg.AccessLog != nil {
		d.log = append(d.log, "#Version: 1.0\n#Fields: "+LogFields+"\n"...)
		d.writeLog()
	}
	if cf.s.Tracing() {
		cf.s.Trace("cloudfront", "CreateDistribution", d.id, sim.F("domainName", d.domain),
			sim.F("aliases", cfg.Aliases), sim.F("behaviors", len(d.behaviors)), sim.F("priceClass", cfg.PriceClass))
	}
	return d, nil
}

func (d *Distribution) compile(b CacheBehavior) *behavior {
	cb := &behavior{CacheBehavior: b}
	if b.CachePolicy != nil {
		cb.policy = *b.CachePolicy
	} else {
		cb.policy = NewCachePolicy("legacy-defaults", DefaultMinTTL)
	}
	p := &cb.policy
	cb.keyExtras = (p.QueryStrings.Behavior != "" && p.QueryStrings.Behavior != ParamsNone) ||
		(p.Headers.Behavior != "" && p.Headers.Behavior != ParamsNone) ||
		(p.Cookies.Behavior != "" && p.Cookies.Behavior != ParamsNone) ||
		p.EnableAcceptEncodingGzip || p.EnableAcceptEncodingBrotli
	for _, name := range b.TrustedKeyGroups {
		for _, kg := range d.cfg.KeyGroups {
			if kg.Name == name {
				cb.keyGroups = append(cb.keyGroups, kg)
			}
		}
	}
	cb.vreq = functionFor(b.FunctionAssociations, ViewerRequest)
	cb.vresp = functionFor(b.FunctionAssociations, ViewerResponse)
	cb.oreq = functionFor(b.FunctionAssociations, OriginRequest)
	cb.oresp = functionFor(b.FunctionAssociations, OriginResponse)
	return cb
}

// ID returns the distribution ID, such as "E2QWRUHAPOMQZL".
func (d *Distribution) ID() string { return d.id }

// DomainName returns the distribution's CloudFront domain name.
func (d *Distribution) DomainName() string { return d.domain }

// ARN returns "arn:aws:cloudfront::<account>:distribution/<id>", the
// SourceArn an S3 bucket policy checks for origin access control.
func (d *Distribution) ARN() string { return d.arn }

// Stats returns the distribution's counters so far.
func (d *Distribution) Stats() Stats { return d.stats }

// MatchBehavior returns the index in CacheBehaviors of the behaviour that
// serves path (first match in order), or -1 for the default behaviour.
func (d *Distribution) MatchBehavior(path string) int {
	b := d.match(path)
	if b == d.behaviors[len(d.behaviors)-1] {
		return -1
	}
	for i, x := range d.behaviors {
		if x == b {
			return i
		}
	}
	return -1
}

func (d *Distribution) match(path string) *behavior {
	last := len(d.behaviors) - 1
	for _, b := range d.behaviors[:last] {
		if MatchPathPattern(b.PathPattern, path) {
			return b
		}
	}
	return d.behaviors[last]
}

// servesHost reports whether the Host header names this distribution.
func (d *Distribution) servesHost(host string) bool {
	if host == "" || host == d.domain || strings.EqualFold(host, d.domain) {
		return true
	}
	if i := strings.IndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	return contains(d.cfg.Aliases, host, true)
}

// viewerReq is one viewer request in flight through the distribution.
type viewerReq struct {
	d      *Distribution
	req    *sim.Request
	reply  func(sim.Response)
	b      *behavior
	edge   *node
	conn   *viewerConn
	rtt    time.Duration // viewer ↔ edge
	arrive sim.Time      // when the request reached the edge
	https  bool

	key, url string
	stale    *Entry // the edge's expired copy, revalidated on this request
	resp     sim.Response
	result   string // x-edge-result-type
	detailed string // x-edge-detailed-result-type

	atEdgeFn, lookupFn, finishFn func()
}

// Serve answers a viewer request. The viewer reaches the edge location with
// the lowest RTT from its coordinates (see viewerPoint for viewers
// without); a new connection costs a TCP round trip plus the TLS
// handshake's (for HTTPS), then the request takes half a round trip to
// arrive and the answer half a round trip to return.
func (d *Distribution) Serve(req *sim.Request, reply func(sim.Response)) {
	s := d.cf.s
	c := d.last
	if p := viewerPoint(&req.Client); c.n == nil || p != d.lastPoint {
		c = d.cf.edgeFor(p, d.cfg.PriceClass)
		d.last, d.lastPoint = c, p
	}
	vr := d.newViewerReq()
	vr.req, vr.reply, vr.edge, vr.rtt = req, reply, c.n, c.rtt
	vr.https = req.Protocol == "" || !strings.EqualFold(req.Protocol, "HTTP")
	// b, key and url are set before they are read; stale is read only
	// after lookup sets it, but is cleared so an old entry is not kept.
	vr.stale = nil
	pre := c.rtt / 2
	// A new connection is held from now, so that requests the client
	// sends meanwhile reuse it.
	conn, opened := c.n.useViewer(req.Client.ID, s.Now(), d.cf.cfg.ViewerKeepAlive)
	if opened {
		rounds := 1 // TCP
		if vr.https {
			rounds += d.cf.cfg.TLSRoundTrips
		}
		pre += time.Duration(rounds) * c.rtt
	}
	vr.conn = conn
	s.After(pre, vr.atEdgeFn)
}

// viewerPoint is where a viewer is: its coordinates, or when it has none
// (0, 0) the location of its Region or, failing that, of its Country.
func viewerPoint(c *sim.Client) geo.Point {
	p := geo.Point{Lat: c.Lat, Lon: c.Lon}
	if p != (geo.Point{}) {
		return p
	}
	if r, ok := geo.LookupRegion(c.Region); ok {
		return r.Location
	}
	if k, ok := geo.LookupCountry(c.Country); ok {
		return k.Location
	}
	return p
}

// newViewerReq takes a recycled viewerReq, whose method values are bound
// once, so a request costs no allocation here in steady state.
func (d *Distribution) newViewerReq() *viewerReq {
	if n := len(d.free); n > 0 {
		vr := d.free[n-1]
		d.free = d.free[:n-1]
		return vr
	}
	vr := &viewerReq{d: d}
	vr.atEdgeFn, vr.lookupFn, vr.finishFn = vr.atEdge, vr.lookup, vr.finish
	return vr
}

// recycle returns vr for reuse; Serve resets every field a request reads.
func (d *Distribution) recycle(vr *viewerReq) {
	vr.req, vr.reply = nil, nil
	d.free = append(d.free, vr)
}

// atEdge runs when the request reaches the edge: the checks CloudFront
// makes in order (host, geo restriction, behaviour, protocol policy,
// methods, signed URL or cookies, viewer-request function), then the
// cache lookup.
func (vr *viewerReq) atEdge() {
	d, req := vr.d, vr.req
	s := d.cf.s
	vr.arrive = s.Now()
	vr.b = d.match(req.Path)
	b := vr.b
	switch {
	case !d.servesHost(req.Host):
		vr.fail(403, "BadRequest")
		return
	case d.cfg.GeoRestriction.blocks(req.Client.Country):
		vr.fail(403, "GeoRestricted")
		return
	case !vr.https && b.ViewerProtocolPolicy == RedirectToHTTPS:
		u := "https://" + req.Host + req.Path
		if req.Query != "" {
			u += "?" + req.Query
		}
		vr.respond(sim.Response{Status: 301, Headers: []sim.Header{{Name: "Location", Value: u}}}, ResultRedirect, ResultRedirect, d.cf.cfg.EdgeProcessing)
		return
	case !vr.https && b.ViewerProtocolPolicy == HTTPSOnly:
		vr.fail(403, "HTTPSRequired")
		return
	case !b.AllowedMethods.allows(req.Method):
		vr.fail(403, "MethodNotAllowed")
		return
	}
	if b.FieldLevelEncryption != nil && req.Method == "POST" {
		if req.Bytes > MaxFLERequestBytes {
			vr.fail(413, "RequestEntityTooLarge")
			return
		}
		d.bill.fle++
	}
	if len(b.keyGroups) > 0 {
		if err := VerifySignedRequest(req, b.keyGroups, s.Wall(s.Now())); err != nil {
			vr.fail(403, "AccessDenied")
			return
		}
	}
	if f := b.vreq; f != nil {
		ev := FunctionEvent{EventType: ViewerRequest, Request: req}
		took := d.runFunction(f, &ev)
		if took > f.budget(ViewerRequest) {
			vr.fail(503, f.failReason())
			return
		}
		if ev.Response != nil {
			vr.respond(*ev.Response, ResultHit, "FunctionGeneratedResponse", took)
			return
		}
		if took > 0 {
			s.After(took, vr.lookupFn)
			return
		}
	}
	vr.lookup()
}

// lookup consults the edge cache and, on a miss or an expired copy, sends
// the request up the tiers.
func (vr *viewerReq) lookup() {
	d, b := vr.d, vr.b
	if !cacheableMethod(vr.req.Method) || b.policy.MaxTTL <= 0 {
		vr.result = ResultMiss
		f := d.newFetch(vr, false)
		d.get(f, 0, vr.fetched)
		return
	}
	vr.key, vr.url = d.cacheKey(b, vr.req)
	e := vr.edge.cache.Get(vr.key)
	if e != nil && d.cf.s.Now() < e.Expires {
		vr.respondEntry(e, ResultHit)
		return
	}
	vr.stale = e
	f := d.newFetch(vr, true)
	d.get(f, 0, vr.fetched)
}

func cacheableMethod(m string) bool { return m == "GET" || m == "HEAD" || m == "" }

// fetched receives the answer from the tiers above the edge.
func (vr *viewerReq) fetched(r fetchResult) {
	if len(r.hops) > 0 {
		vr.req.Hops = append(vr.req.Hops, r.hops...)
	}
	result := ResultMiss
	if vr.stale != nil && r.entry != nil && r.entry.sameVersion(vr.stale) {
		result = ResultRefreshHit
	}
	if r.failed || r.resp.Status >= 500 && r.entry == nil {
		result = ResultError
	}
	if r.entry != nil {
		vr.respondEntry(r.entry, result)
		return
	}
	vr.respond(r.resp.WithHeader("X-Cache", result+" from cloudfront"), result, result, 0)
}

// respondEntry answers from a cached entry.
func (vr *viewerReq) respondEntry(e *Entry, result string) {
	vr.resp = e.Response
	if result != ResultMiss {
		vr.resp.From = vr.d.from // served from cache: CloudFront answered
	}
	delay := time.Duration(0)
	if result == ResultHit {
		vr.resp.Headers = e.hitHeaders(vr.edge.name)
		delay = vr.d.cf.cfg.EdgeProcessing
	} else {
		vr.resp = vr.resp.WithHeader("X-Cache", result+" from cloudfront")
	}
	vr.finishAtEdge(result, result, delay)
}

func (vr *viewerReq) fail(status int, reason string) {
	vr.respond(sim.Response{Status: status, Reason: reason, From: vr.d.from,
		Headers: []sim.Header{{Name: "X-Cache", Value: "Error from cloudfront"}}}, ResultError, ResultError, vr.d.cf.cfg.EdgeProcessing)
}

// respond finishes at the edge: compression, the response headers policy
// and the viewer-response function, then the answer travels half an RTT.
func (vr *viewerReq) respond(resp sim.Response, result, detailed string, delay time.Duration) {
	vr.resp = resp
	vr.finishAtEdge(result, detailed, delay)
}

// finishAtEdge is respond for the answer already in vr.resp. It works on
// vr.resp rather than a parameter because a function event takes its
// address, which would move a parameter to the heap on every request.
func (vr *viewerReq) finishAtEdge(result, detailed string, delay time.Duration) {
	d, b := vr.d, vr.b
	if b != nil {
		if b.Compress {
			vr.resp = d.compress(vr.req, vr.resp)
		}
		if b.ResponseHeadersPolicy != nil {
			vr.resp = b.ResponseHeadersPolicy.apply(vr.resp)
		}
		// Viewer-response functions do not run for answers of 400 and up.
		if f := b.vresp; f != nil && vr.resp.Status < 400 {
			// Cached responses share their headers: the function edits a copy.
			vr.resp.Headers = slices.Clone(vr.resp.Headers)
			ev := FunctionEvent{EventType: ViewerResponse, Request: vr.req, Response: &vr.resp}
			took := d.runFunction(f, &ev)
			delay += took
			if took > f.budget(ViewerResponse) {
				vr.resp = sim.Response{Status: 503, Reason: f.failReason(), From: d.from}
				result, detailed = ResultError, ResultError
			}
		}
	}
	if vr.resp.From == "" {
		vr.resp.From = d.from
	}
	if vr.req.Method == "HEAD" {
		vr.resp.Bytes = 0 // headers only
	}
	vr.result, vr.detailed = result, detailed
	d.cf.s.After(delay+vr.rtt/2, vr.finishFn)
}

// finish delivers the answer to the viewer and does the books.
func (vr *viewerReq) finish() {
	d := vr.d
	now := d.cf.s.Now()
	vr.edge.release(vr.conn, now)
	d.account(vr, now)
	vr.req.AddHop(sim.Hop{Service: "cloudfront", Name: d.id, Enter: vr.req.Start, Leave: now, Status: vr.resp.Status})
	reply, resp := vr.reply, vr.resp
	d.recycle(vr)
	reply(resp)
}

// hitHeaders returns the entry's headers plus X-Cache and X-Amz-Cf-Pop,
// built once per cached copy so hits do not allocate.
func (e *Entry) hitHeaders(pop string) []sim.Header {
	if e.hit == nil {
		e.hit = make([]sim.Header, 0, len(e.Response.Headers)+2)
		e.hit = append(e.hit, e.Response.Headers...)
		e.hit = append(e.hit, sim.Header{Name: "X-Cache", Value: "Hit from cloudfront"}, sim.Header{Name: "X-Amz-Cf-Pop", Value: pop})
	}
	return e.hit
}

// sameVersion reports whether two copies have the same validators.
func (e *Entry) sameVersion(o *Entry) bool {
	if e.ETag != "" || o.ETag != "" {
		return e.ETag == o.ETag
	}
	return e.LastModified != "" && e.LastModified == o.LastModified
}

// runFunction runs a function and counts it for billing.
func (d *Distribution) runFunction(f *Function, ev *FunctionEvent) time.Duration {
	took := max(f.Handler(ev), 0)
	if f.Type == CloudFrontFunction {
		d.bill.functions++
	} else {
		d.bill.lambdaRequests++
		mem := f.MemoryMB
		if mem == 0 {
			mem = 128
		}
		// Lambda bills duration rounded up to the millisecond.
		ms := (took + time.Millisecond - 1) / time.Millisecond
		d.bill.lambdaGBSeconds += float64(ms) / 1000 * float64(mem) / 1024
	}
	return took
}

// compress applies edge compression when CloudFront would: the viewer
// accepts br or gzip (br preferred), the answer is a 200 without
// Content-Encoding or no-transform, 1,000–10,000,000 bytes, of a
// compressible Content-Type.
func (d *Distribution) compress(req *sim.Request, resp sim.Response) sim.Response {
	if resp.Status != 200 || resp.Bytes < 1000 || resp.Bytes > 10_000_000 {
		return resp
	}
	if _, ok := resp.Header("Content-Encoding"); ok {
		return resp
	}
	if cc, ok := resp.Header("Cache-Control"); ok && ParseCacheControl(cc).NoTransform {
		return resp
	}
	ct, _ := resp.Header("Content-Type")
	if !compressible(ct) {
		return resp
	}
	ae, _ := req.Header("Accept-Encoding")
	enc, ratio := "", 0.0
	switch {
	case strings.Contains(ae, "br"):
		enc, ratio = "br", d.cf.cfg.CompressionRatioBrotli
	case strings.Contains(ae, "gzip"):
		enc, ratio = "gzip", d.cf.cfg.CompressionRatioGzip
	default:
		return resp
	}
	resp.Bytes = int64(float64(resp.Bytes)*ratio + 0.5)
	return resp.WithHeader("Content-Encoding", enc)
}

// compressible reports whether CloudFront compresses a content type (a
// representative subset of its documented list).
func compressible(ct string) bool {
	ct, _, _ = strings.Cut(strings.ToLower(ct), ";")
	ct = strings.TrimSpace(ct)
	switch {
	case strings.HasPrefix(ct, "text/"):
		return true
	case strings.HasSuffix(ct, "+json"), strings.HasSuffix(ct, "+xml"):
		return true
	}
	switch ct {
	case "application/json", "application/javascript", "application/x-javascript", "application/xml",
		"image/svg+xml", "application/wasm", "font/ttf", "font/otf", "application/vnd.ms-fontobject":
		return true
	}
	return false
}

// String describes the distribution.
func (d *Distribution) String() string {
	return fmt.Sprintf("distribution %s (%s)", d.id, d.domain)
}
