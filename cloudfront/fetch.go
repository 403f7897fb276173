package cloudfront

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nimbus-sim/nimbus/sim"
)

// flight is a miss in progress at one location: requests for the same key
// that arrive meanwhile wait for it (request collapsing).
type flight struct {
	waiters []func(fetchResult)
}

// fetchCtx is one request's trip up the tiers: the locations it may visit,
// from the edge (path[0]) towards the origin.
type fetchCtx struct {
	vr        *viewerReq
	b         *behavior
	req       *sim.Request
	key, url  string
	cacheable bool
	path      [3]*node
	n         int
	shield    *node
}

// fetchResult is what a tier hands down: the answer and, if cacheable, the
// entry to store.
type fetchResult struct {
	resp          sim.Response
	entry         *Entry
	failed        bool // connection failure or timeout
	fromOrigin    bool
	originLatency time.Duration
	hops          []sim.Hop
}

// newFetch plans the tiers for a request: edge, then its regional edge
// cache (cacheable requests only; skipped for an S3 origin in the REC's
// Region when there is no Origin Shield), then the Origin Shield location
// if the origin has one and it is not that REC.
func (d *Distribution) newFetch(vr *viewerReq, cacheable bool) *fetchCtx {
	f := &fetchCtx{vr: vr, b: vr.b, req: vr.req, key: vr.key, url: vr.url, cacheable: cacheable}
	f.path[0], f.n = vr.edge, 1
	o := d.primaryOrigin(vr.b.TargetOriginID)
	if o.OriginShield.Enabled {
		f.shield = d.cf.regional[o.OriginShield.Region]
	}
	if rec := vr.edge.rec; cacheable && rec != nil && !(o.S3 && f.shield == nil && rec.region == o.Region) {
		f.path[f.n] = rec
		f.n++
	}
	if f.shield != nil && f.path[f.n-1] != f.shield {
		f.path[f.n] = f.shield
		f.n++
	}
	return f
}

func (d *Distribution) primaryOrigin(target string) *originState {
	if g := d.groups[target]; g != nil {
		return d.origins[g.PrimaryOriginID]
	}
	return d.origins[target]
}

// get serves a fetch at tier i: from cache (above the edge), by joining a
// miss already in flight for the key, or by asking the next tier or the
// origin. A location spends Config.EdgeProcessing on each request it
// forwards or answers from cache; tiers talk over warm connections, half
// an RTT each way.
func (d *Distribution) get(f *fetchCtx, i int, done func(fetchResult)) {
	n := f.path[i]
	s := d.cf.s
	var stale *Entry
	if f.cacheable {
		if i == 0 {
			stale = f.vr.stale
		} else {
			e := n.cache.Get(f.key)
			if e != nil && s.Now() < e.Expires {
				d.stats.RegionalHits++
				s.After(d.cf.cfg.EdgeProcessing, func() { done(fetchResult{resp: e.Response, entry: e}) })
				return
			}
			stale = e
		}
		if fl := n.flights[f.key]; fl != nil {
			fl.waiters = append(fl.waiters, done)
			d.stats.CollapsedRequests++
			return
		}
		n.flights[f.key] = &flight{waiters: []func(fetchResult){done}}
		done = func(r fetchResult) { d.land(f, n, stale, r) }
	}
	if i+1 == f.n {
		d.fetchOrigin(f, n, stale, done)
		return
	}
	up := f.path[i+1]
	if up == f.shield && up.region != n.region {
		// Origin Shield is billed only where it is an extra layer.
		d.stats.OriginShieldRequests++
		d.bill.shield[geoIndex(up.geog)]++
	}
	half := d.cf.cfg.Latency.RTT(n.loc, up.loc) / 2
	s.After(d.cf.cfg.EdgeProcessing+half, func() {
		d.get(f, i+1, func(r fetchResult) { s.After(half, func() { done(r) }) })
	})
}

// land stores a result at location n and hands it to every request that
// waited for the key there.
func (d *Distribution) land(f *fetchCtx, n *node, stale *Entry, r fetchResult) {
	fl := n.flights[f.key]
	delete(n.flights, f.key)
	if r.entry != nil {
		e := &Entry{Key: f.key, Distribution: d.id, URL: f.url, Response: r.entry.Response, Stored: r.entry.Stored,
			Expires: r.entry.Expires, ETag: r.entry.ETag, LastModified: r.entry.LastModified}
		n.cache.Put(e)
		r.entry = e
	} else if stale != nil && !r.failed && r.resp.Status < 500 {
		// The origin no longer lets the object be cached.
		n.cache.Remove(f.key)
	}
	for i, w := range fl.waiters {
		if i == 1 {
			r.hops = nil // only the request that went to the origin carries its hops
		}
		w(r)
	}
}

// fetchOrigin asks the origin, or an origin group's primary and then, on a
// failover status, a connection failure or a timeout, its secondary (GET,
// HEAD and OPTIONS only).
func (d *Distribution) fetchOrigin(f *fetchCtx, n *node, stale *Entry, done func(fetchResult)) {
	g := d.groups[f.b.TargetOriginID]
	if g == nil {
		d.tryOrigin(f, n, d.origins[f.b.TargetOriginID], stale, 1, done)
		return
	}
	d.tryOrigin(f, n, d.origins[g.PrimaryOriginID], stale, 1, func(r fetchResult) {
		m := f.req.Method
		if (r.failed || containsInt(g.FailoverCriteria, r.resp.Status)) && (m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "") {
			d.stats.OriginFailovers++
			d.tryOrigin(f, n, d.origins[g.SecondaryOriginID], stale, 1, done)
			return
		}
		done(r)
	})
}

// tryOrigin sends one origin request from location n. A cold connection
// costs a TCP round trip plus the TLS handshake; a connection used within
// the origin's KeepAliveTimeout is reused for free. An answer with Status 0
// is a failed connection, noticed ConnectionTimeout after the attempt began
// and retried up to ConnectionAttempts times; no answer within
// ResponseTimeout is a timeout (504).
func (d *Distribution) tryOrigin(f *fetchCtx, n *node, o *originState, stale *Entry, attempt int, done func(fetchResult)) {
	s := d.cf.s
	begin := s.Now()
	oreq := d.originRequest(f, n, o, stale)
	var fnTook time.Duration
	if fn := f.b.oreq; fn != nil {
		ev := FunctionEvent{EventType: OriginRequest, Request: oreq}
		fnTook = d.runFunction(fn, &ev)
		switch {
		case fnTook > fn.budget(OriginRequest):
			done(fetchResult{resp: sim.Response{Status: 503, Reason: fn.failReason(), From: d.from}})
			return
		case ev.Response != nil:
			resp := *ev.Response
			s.After(fnTook, func() { d.originAnswered(f, n, stale, resp, 0, nil, done) })
			return
		}
	}
	rtt := d.cf.cfg.Latency.RTT(n.loc, o.Location)
	var handshake time.Duration
	if last, ok := n.warm[o]; !ok || s.Now().Sub(last) > o.KeepAliveTimeout {
		rounds := 1
		if o.https || (o.ProtocolPolicy == MatchViewer && f.vr.https) {
			rounds += d.cf.cfg.TLSRoundTrips
		}
		handshake = time.Duration(rounds) * rtt
	}
	n.warm[o] = s.Now()
	d.stats.OriginRequests++
	s.After(d.cf.cfg.EdgeProcessing+fnTook+handshake, func() {
		timedOut, answered := false, false
		timer := s.After(o.ResponseTimeout, func() {
			timedOut = true
			d.stats.OriginTimeouts++
			done(fetchResult{resp: sim.Response{Status: 504, Reason: "OriginResponseTimeout", From: d.from}, failed: true, fromOrigin: true})
		})
		s.After(rtt/2, func() {
			oreq.Start = s.Now()
			o.Handler.Serve(oreq, func(resp sim.Response) {
				if answered {
					panic("cloudfront: origin " + o.ID + " answered twice")
				}
				answered = true
				s.After(rtt/2, func() {
					if timedOut {
						return
					}
					s.Cancel(timer)
					n.warm[o] = s.Now()
					if resp.Status == 0 {
						delete(n.warm, o)
						wait := max(begin.Add(o.ConnectionTimeout).Sub(s.Now()), 0)
						s.After(wait, func() {
							if attempt < o.ConnectionAttempts {
								d.tryOrigin(f, n, o, stale, attempt+1, done)
								return
							}
							done(fetchResult{resp: sim.Response{Status: 502, Reason: "OriginConnectError", From: d.from}, failed: true, fromOrigin: true})
						})
						return
					}
					d.originAnswered(f, n, stale, resp, s.Now().Sub(begin), oreq.Hops, done)
				})
			})
		})
	})
}

// originAnswered runs the origin-response function, works out the edge
// TTL, and builds the entry to cache.
func (d *Distribution) originAnswered(f *fetchCtx, n *node, stale *Entry, resp sim.Response, lat time.Duration, hops []sim.Hop, done func(fetchResult)) {
	s := d.cf.s
	if lat > 0 {
		d.minute.recordOriginLatency(lat)
	}
	if fn := f.b.oresp; fn != nil {
		// The function may edit headers in place; the origin's may be
		// shared (S3 shares a version's headers between responses).
		resp.Headers = slices.Clone(resp.Headers)
		ev := FunctionEvent{EventType: OriginResponse, Request: f.req, Response: &resp}
		if took := d.runFunction(fn, &ev); took > fn.budget(OriginResponse) {
			resp = sim.Response{Status: 503, Reason: fn.failReason(), From: d.from}
		}
	}
	r := fetchResult{resp: resp, fromOrigin: lat > 0, originLatency: lat, hops: hops}
	if !f.cacheable {
		done(r)
		return
	}
	now := s.Now()
	wall := s.Wall(now)
	var ttl time.Duration
	var ok bool
	switch {
	case resp.Status == http.StatusNotModified && stale != nil:
		// The cached copy is current: keep its body, take fresh caching
		// headers if the 304 sent any.
		hs := stale.Response.Headers
		if hasCachingHeaders(resp.Headers) {
			hs = mergeCachingHeaders(hs, resp.Headers)
		}
		body := stale.Response
		body.Headers = hs
		r.resp = body
		ttl, ok = EdgeTTL(f.b.policy, hs, wall)
		resp = body
	case resp.Status == 200 || resp.Status == 203 || resp.Status == 300 || resp.Status == 301 || resp.Status == 410:
		ttl, ok = EdgeTTL(f.b.policy, resp.Headers, wall)
	case errorCacheable(resp.Status):
		ttl, ok = d.cfg.ErrorCachingMinTTL, d.cfg.ErrorCachingMinTTL > 0
	}
	if ok {
		etag, _ := resp.Header("ETag")
		lm, _ := resp.Header("Last-Modified")
		r.entry = &Entry{Key: f.key, Distribution: d.id, URL: f.url, Response: resp, Stored: now, Expires: now.Add(ttl), ETag: etag, LastModified: lm}
	}
	done(r)
}

// errorCacheable lists the 4xx/5xx codes CloudFront caches for the error
// caching minimum TTL.
func errorCacheable(status int) bool {
	switch status {
	case 400, 403, 404, 405, 414, 416, 500, 501, 502, 503, 504:
		return true
	}
	return false
}

func hasCachingHeaders(hs []sim.Header) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Cache-Control") || strings.EqualFold(h.Name, "Expires") {
			return true
		}
	}
	return false
}

// mergeCachingHeaders returns base with Cache-Control, Expires, ETag and
// Last-Modified replaced by those in upd.
func mergeCachingHeaders(base, upd []sim.Header) []sim.Header {
	out := make([]sim.Header, 0, len(base)+2)
	for _, h := range base {
		if !isCachingHeader(h.Name) {
			out = append(out, h)
		}
	}
	for _, h := range upd {
		if isCachingHeader(h.Name) {
			out = append(out, h)
		}
	}
	return out
}

func isCachingHeader(name string) bool {
	return strings.EqualFold(name, "Cache-Control") || strings.EqualFold(name, "Expires") ||
		strings.EqualFold(name, "ETag") || strings.EqualFold(name, "Last-Modified")
}

// cacheKey builds the cache key (distribution, path and the policy's query
// strings, headers, cookies and encodings) and the URL that invalidation
// paths match (path plus the query strings in the key). The first
// distribution of a network keys by path alone, the others prefix their ID
// (paths start with "/", IDs with "E", so keys never collide); that saves
// building a string on every hit of the common one-distribution run.
func (d *Distribution) cacheKey(b *behavior, req *sim.Request) (key, url string) {
	if !b.keyExtras {
		if d.keyPrefix == "" {
			return req.Path, req.Path
		}
		if k, ok := d.keys[req.Path]; ok {
			return k, req.Path
		}
		k := d.keyPrefix + req.Path
		if len(d.keys) < maxKeyMemo {
			d.keys[req.Path] = k
		}
		return k, req.Path
	}
	p := &b.policy
	url = req.Path
	if q := filterQuery(req.Query, p.QueryStrings, ParamsConfig{}); q != "" {
		url += "?" + q
	}
	var sb strings.Builder
	sb.WriteString(d.keyPrefix)
	sb.WriteString(url)
	if p.Headers.Behavior == ParamsWhitelist {
		for _, name := range p.Headers.Items {
			v, _ := d.viewerHeader(req, name)
			sb.WriteString("\x00h:")
			sb.WriteString(strings.ToLower(name))
			sb.WriteByte('=')
			sb.WriteString(v)
		}
	}
	for _, c := range req.Cookies {
		if p.Cookies.includes(c.Name, false) {
			sb.WriteString("\x00c:")
			sb.WriteString(c.Name)
			sb.WriteByte('=')
			sb.WriteString(c.Value)
		}
	}
	if p.EnableAcceptEncodingGzip || p.EnableAcceptEncodingBrotli {
		ae, _ := req.Header("Accept-Encoding")
		switch {
		case p.EnableAcceptEncodingBrotli && strings.Contains(ae, "br"):
			sb.WriteString("\x00e:br")
		case p.EnableAcceptEncodingGzip && strings.Contains(ae, "gzip"):
			sb.WriteString("\x00e:gzip")
		}
	}
	return sb.String(), url
}

// filterQuery keeps the query parameters either config includes, in the
// viewer's order.
func filterQuery(q string, a, b ParamsConfig) string {
	if q == "" || (a.Behavior == ParamsAll || b.Behavior == ParamsAll) {
		return q
	}
	var sb strings.Builder
	for len(q) > 0 {
		var kv string
		kv, q, _ = strings.Cut(q, "&")
		name, _, _ := strings.Cut(kv, "=")
		if a.includes(name, false) || b.includes(name, false) {
			if sb.Len() > 0 {
				sb.WriteByte('&')
			}
			sb.WriteString(kv)
		}
	}
	return sb.String()
}

// viewerHeader returns a viewer header, or the value CloudFront generates
// for a CloudFront-* header.
func (d *Distribution) viewerHeader(req *sim.Request, name string) (string, bool) {
	if !isCloudFrontHeader(name) {
		return req.Header(name)
	}
	ua, _ := req.Header("User-Agent")
	dev := deviceOf(ua)
	switch strings.ToLower(name) {
	case "cloudfront-viewer-country":
		return req.Client.Country, req.Client.Country != ""
	case "cloudfront-viewer-country-region":
		return req.Client.Subdivision, req.Client.Subdivision != ""
	case "cloudfront-is-mobile-viewer":
		return strconv.FormatBool(dev == deviceMobile), true
	case "cloudfront-is-tablet-viewer":
		return strconv.FormatBool(dev == deviceTablet), true
	case "cloudfront-is-smarttv-viewer":
		return strconv.FormatBool(dev == deviceSmartTV), true
	case "cloudfront-is-desktop-viewer":
		return strconv.FormatBool(dev == deviceDesktop), true
	case "cloudfront-forwarded-proto":
		if strings.EqualFold(req.Protocol, "HTTP") {
			return "http", true
		}
		return "https", true
	case "cloudfront-viewer-address":
		if !req.Client.IP.IsValid() {
			return "", false
		}
		return req.Client.IP.String() + ":" + strconv.Itoa(int(req.SrcPort)), true
	case "cloudfront-viewer-latitude":
		return strconv.FormatFloat(req.Client.Lat, 'f', 5, 64), true
	case "cloudfront-viewer-longitude":
		return strconv.FormatFloat(req.Client.Lon, 'f', 5, 64), true
	}
	return "", false
}

type device int

const (
	deviceDesktop device = iota
	deviceMobile
	deviceTablet
	deviceSmartTV
)

// deviceOf classifies a User-Agent the way CloudFront's device headers do,
// by keywords (CloudFront's exact database is not public).
func deviceOf(ua string) device {
	l := strings.ToLower(ua)
	switch {
	case strings.Contains(l, "smart-tv") || strings.Contains(l, "smarttv") || strings.Contains(l, "appletv") || strings.Contains(l, "googletv"):
		return deviceSmartTV
	case strings.Contains(l, "ipad") || strings.Contains(l, "tablet"):
		return deviceTablet
	case strings.Contains(l, "mobile") || strings.Contains(l, "iphone") || strings.Contains(l, "android"):
		return deviceMobile
	}
	return deviceDesktop
}

// cloudFrontHeaders are the generated headers a policy may name.
var cloudFrontHeaders = []string{
	"CloudFront-Viewer-Country", "CloudFront-Viewer-Country-Region", "CloudFront-Is-Mobile-Viewer",
	"CloudFront-Is-Tablet-Viewer", "CloudFront-Is-SmartTV-Viewer", "CloudFront-Is-Desktop-Viewer",
	"CloudFront-Forwarded-Proto", "CloudFront-Viewer-Address", "CloudFront-Viewer-Latitude", "CloudFront-Viewer-Longitude",
}

// originRequest builds the request a tier sends to an origin: what the
// cache key holds plus what the origin request policy forwards, the
// CloudFront-* viewer headers either policy names, X-Forwarded-For, Via
// and X-Amz-Cf-Id, the origin's custom headers, origin access control
// identity and, when revalidating, conditional headers.
func (d *Distribution) originRequest(f *fetchCtx, n *node, o *originState, stale *Entry) *sim.Request {
	req := f.req
	cp := f.b.policy
	var orp OriginRequestPolicy
	if f.b.OriginRequestPolicy != nil {
		orp = *f.b.OriginRequestPolicy
	}
	proto := "HTTPS"
	if !o.https || (o.ProtocolPolicy == MatchViewer && !f.vr.https) {
		proto = "HTTP"
	}
	or := &sim.Request{ID: req.ID, Protocol: proto, Method: req.Method, Host: o.DomainName, Path: o.OriginPath + req.Path,
		Bytes: req.Bytes, Work: req.Work, SrcPort: req.SrcPort, DstPort: req.DstPort,
		Client: sim.Client{ID: req.Client.ID, IP: n.ip, Country: n.country, Region: n.region, Lat: n.loc.Lat, Lon: n.loc.Lon}}
	or.Query = filterQuery(req.Query, cp.QueryStrings, orp.QueryStrings)
	fwd := func(name string) bool {
		return (cp.Headers.Behavior == ParamsWhitelist && contains(cp.Headers.Items, name, true)) || orp.Headers.includes(name, true)
	}
	for _, h := range req.Headers {
		if isCloudFrontHeader(h.Name) || !fwd(h.Name) {
			continue
		}
		if strings.EqualFold(h.Name, "Host") {
			or.Host = h.Value
			continue
		}
		if strings.EqualFold(h.Name, "Authorization") && o.OriginAccessControl != nil && o.OriginAccessControl.SigningBehavior != SignNoOverride {
			continue
		}
		or.Headers = append(or.Headers, h)
	}
	if fwd("Host") && req.Host != "" {
		or.Host = req.Host
	}
	for _, name := range cloudFrontHeaders {
		if fwd(name) {
			if v, ok := d.viewerHeader(req, name); ok {
				or.Headers = append(or.Headers, sim.Header{Name: name, Value: v})
			}
		}
	}
	for _, c := range req.Cookies {
		if cp.Cookies.includes(c.Name, false) || orp.Cookies.includes(c.Name, false) {
			or.Cookies = append(or.Cookies, c)
		}
	}
	if req.Client.IP.IsValid() {
		or.Headers = append(or.Headers, sim.Header{Name: "X-Forwarded-For", Value: req.Client.IP.String()})
	}
	or.Headers = append(or.Headers,
		sim.Header{Name: "Via", Value: "1.1 " + d.domain + " (CloudFront)"},
		sim.Header{Name: "X-Amz-Cf-Id", Value: d.id + "-" + strconv.FormatUint(req.ID, 36)})
	or.Headers = append(or.Headers, o.CustomHeaders...)
	if oac := o.OriginAccessControl; oac != nil && oac.SigningBehavior != SignNever {
		_, viewerAuth := or.Header("Authorization")
		if oac.SigningBehavior != SignNoOverride || !viewerAuth {
			or.Headers = append(or.Headers,
				sim.Header{Name: HeaderPrincipal, Value: "cloudfront.amazonaws.com"},
				sim.Header{Name: HeaderSourceArn, Value: d.arn})
		}
	}
	if stale != nil {
		if stale.ETag != "" {
			or.Headers = append(or.Headers, sim.Header{Name: "If-None-Match", Value: stale.ETag})
		}
		if stale.LastModified != "" {
			or.Headers = append(or.Headers, sim.Header{Name: "If-Modified-Since", Value: stale.LastModified})
		}
	}
	return or
}
