package s3

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/nimbus-sim/nimbus/sim"
)

// WebsiteConfiguration is a bucket's static website hosting setup.
type WebsiteConfiguration struct {
	// IndexDocument is the suffix served for requests ending in '/', such
	// as "index.html" (required unless RedirectAllRequestsTo is set).
	IndexDocument string
	// ErrorDocument is the key served with 4xx errors (optional).
	ErrorDocument string
	// RedirectAllRequestsTo redirects every request to another host.
	RedirectAllRequestsTo *RedirectAll
	// RoutingRules redirect requests by key prefix or error code (≤ 50).
	RoutingRules []RoutingRule
}

// RedirectAll redirects every request of a website bucket.
type RedirectAll struct {
	HostName string // host to redirect to
	// Protocol is "http" or "https"; empty keeps the request's.
	Protocol string
}

// RoutingRule is one website redirect rule; the first matching rule wins.
type RoutingRule struct {
	Condition RoutingCondition // when the rule applies
	Redirect  Redirect         // where it sends the request
}

// RoutingCondition says when a rule applies; empty fields match all.
type RoutingCondition struct {
	KeyPrefixEquals string // key prefix to match
	// HTTPErrorCodeReturnedEquals applies the rule only when S3 would
	// answer with this 4xx status (0 = before the lookup).
	HTTPErrorCodeReturnedEquals int
}

// Redirect says where a rule sends the request.
type Redirect struct {
	HostName string // host to redirect to ("" = the request's)
	Protocol string // "http" or "https" ("" = the request's)
	// ReplaceKeyPrefixWith replaces the matched KeyPrefixEquals;
	// ReplaceKeyWith replaces the whole key. At most one may be set.
	ReplaceKeyPrefixWith, ReplaceKeyWith string
	// HTTPRedirectCode is the 3xx status (default 301).
	HTTPRedirectCode int
}

// PutBucketWebsite enables static website hosting. Errors wrap
// ErrInvalidConfig.
func (b *Bucket) PutBucketWebsite(w WebsiteConfiguration) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("s3: bucket %q: website: %s: %w", b.cfg.Name, fmt.Sprintf(format, args...), ErrInvalidConfig)
	}
	switch {
	case w.RedirectAllRequestsTo == nil && (w.IndexDocument == "" || strings.Contains(w.IndexDocument, "/")):
		return bad("IndexDocument %q must be a non-empty suffix without '/'", w.IndexDocument)
	case w.RedirectAllRequestsTo != nil && (w.RedirectAllRequestsTo.HostName == "" || w.IndexDocument != "" || len(w.RoutingRules) > 0):
		return bad("RedirectAllRequestsTo needs a HostName and excludes other settings")
	case len(w.RoutingRules) > 50:
		return bad("%d routing rules > 50", len(w.RoutingRules))
	}
	for i, r := range w.RoutingRules {
		c, rd := r.Condition, r.Redirect
		switch {
		case rd.ReplaceKeyPrefixWith != "" && rd.ReplaceKeyWith != "":
			return bad("routing rule %d: ReplaceKeyPrefixWith and ReplaceKeyWith are exclusive", i)
		case rd.HTTPRedirectCode != 0 && (rd.HTTPRedirectCode < 300 || rd.HTTPRedirectCode > 399):
			return bad("routing rule %d: HTTPRedirectCode %d is not 3xx", i, rd.HTTPRedirectCode)
		case c.HTTPErrorCodeReturnedEquals != 0 && (c.HTTPErrorCodeReturnedEquals < 400 || c.HTTPErrorCodeReturnedEquals > 599):
			return bad("routing rule %d: HTTPErrorCodeReturnedEquals %d is not 4xx/5xx", i, c.HTTPErrorCodeReturnedEquals)
		case rd.Protocol != "" && rd.Protocol != "http" && rd.Protocol != "https":
			return bad("routing rule %d: Protocol %q", i, rd.Protocol)
		}
	}
	b.website = &w
	if b.svc.s.Tracing() {
		b.svc.s.Trace("s3", "PutBucketWebsite", b.cfg.Name, sim.F("index", w.IndexDocument))
	}
	return nil
}

// DeleteBucketWebsite turns website hosting off.
func (b *Bucket) DeleteBucketWebsite() { b.website = nil }

// Website returns the website configuration, if any.
func (b *Bucket) Website() (WebsiteConfiguration, bool) {
	if b.website == nil {
		return WebsiteConfiguration{}, false
	}
	return *b.website, true
}

// dashRegions use "s3-website-<region>"; later regions use
// "s3-website.<region>".
var dashRegions = map[string]bool{
	"us-east-1": true, "us-west-1": true, "us-west-2": true, "ap-southeast-1": true, "ap-southeast-2": true,
	"ap-northeast-1": true, "eu-west-1": true, "sa-east-1": true, "us-gov-west-1": true,
}

// WebsiteEndpoint returns the website endpoint host name as AWS forms it:
// "<bucket>.s3-website-<region>.amazonaws.com" in the older regions,
// "<bucket>.s3-website.<region>.amazonaws.com" elsewhere.
func (b *Bucket) WebsiteEndpoint() string { return b.webHost }

func (b *Bucket) websiteEndpoint() string {
	if dashRegions[b.cfg.Region] {
		return b.cfg.Name + ".s3-website-" + b.cfg.Region + ".amazonaws.com"
	}
	return b.cfg.Name + ".s3-website." + b.cfg.Region + ".amazonaws.com"
}

// defaultErrorPageBytes is the size of S3's built-in HTML error page (an
// assumption).
const defaultErrorPageBytes = 350

// serveWebsite answers as the website endpoint: GET and HEAD only, public
// content only (requests are anonymous), index documents, redirects and
// the error document.
func (b *Bucket) serveWebsite(req *sim.Request, path string, a *answer) {
	w := b.website
	a.op = opGet
	if req.Method == "HEAD" {
		a.op = opHead
	}
	if req.Method != "GET" && req.Method != "HEAD" {
		a.fail(ErrMethodNotAllowed)
		return
	}
	proto := "http"
	if req.Protocol == "HTTPS" {
		proto = "https"
	}
	if r := w.RedirectAllRequestsTo; r != nil {
		if r.Protocol != "" {
			proto = r.Protocol
		}
		a.redirect(301, proto+"://"+r.HostName+path)
		return
	}
	key := strings.TrimPrefix(path, "/")
	if b.routeRedirect(req, key, 0, proto, a) {
		return
	}
	folder := key == "" || strings.HasSuffix(key, "/")
	if folder {
		key += w.IndexDocument
	}
	ar := AccessRequest{Action: "s3:GetObject", ResourceBase: b.objBase, Key: key, SourceIP: req.Client.IP,
		SecureTransport: false}
	ar.Referer, _ = req.Header("Referer")
	if !b.Authorize(&ar) {
		b.websiteError(req, key, 403, ErrAccessDenied, proto, a)
		return
	}
	if !b.admit(key, false, b.svc.s.Now()) {
		a.fail(ErrSlowDown)
		return
	}
	_, v, err, _ := b.lookup(key, "")
	if err != nil {
		if !folder {
			if _, iv, ierr, _ := b.lookup(key+"/"+w.IndexDocument, ""); ierr == nil && iv != nil {
				a.redirect(302, "/"+key+"/")
				return
			}
		}
		b.websiteError(req, key, 404, ErrNoSuchKey, proto, a)
		return
	}
	if v.x != nil && v.x.redirect != "" {
		a.redirect(301, v.x.redirect)
		return
	}
	if !readable(v) {
		b.websiteError(req, key, 403, ErrInvalidObjectState, proto, a)
		return
	}
	a.status, a.down = 200, v.size
	if a.op == opHead {
		a.down = 0
		b.use.requests[v.class][1]++
	} else {
		b.touch(v, v.size)
	}
	a.headers = b.objectHeaders(v, "")
}

func (a *answer) redirect(status int, location string) {
	a.status, a.down = status, 0
	a.headers = []sim.Header{{Name: "Location", Value: location}}
}

// routeRedirect applies the first routing rule matching key and status (0
// before the lookup).
func (b *Bucket) routeRedirect(req *sim.Request, key string, status int, proto string, a *answer) bool {
	for _, r := range b.website.RoutingRules {
		c := r.Condition
		if c.HTTPErrorCodeReturnedEquals != status || !strings.HasPrefix(key, c.KeyPrefixEquals) {
			continue
		}
		rd := r.Redirect
		host := req.Host
		if rd.HostName != "" {
			host = rd.HostName
		}
		if rd.Protocol != "" {
			proto = rd.Protocol
		}
		switch {
		case rd.ReplaceKeyWith != "":
			key = rd.ReplaceKeyWith
		case rd.ReplaceKeyPrefixWith != "":
			key = rd.ReplaceKeyPrefixWith + key[len(c.KeyPrefixEquals):]
		}
		code := rd.HTTPRedirectCode
		if code == 0 {
			code = 301
		}
		a.redirect(code, proto+"://"+host+"/"+key)
		return true
	}
	return false
}

// websiteError answers a 403 or 404 with a routing-rule redirect, the
// error document, or S3's own HTML page.
func (b *Bucket) websiteError(req *sim.Request, key string, status int, e *Error, proto string, a *answer) {
	if b.routeRedirect(req, key, status, proto, a) {
		return
	}
	a.status, a.reason, a.down, a.headers = status, e.Code, defaultErrorPageBytes, nil
	if doc := b.website.ErrorDocument; doc != "" {
		ar := AccessRequest{Action: "s3:GetObject", ResourceBase: b.objBase, Key: doc, SourceIP: req.Client.IP}
		if _, v, err, _ := b.lookup(doc, ""); err == nil && b.Authorize(&ar) && readable(v) {
			b.touch(v, v.size)
			a.down = v.size
			a.headers = []sim.Header{{Name: "Content-Type", Value: "text/html"}, {Name: "x-nimbus-error-document", Value: strconv.Quote(doc)}}
		}
	}
	if req.Method == "HEAD" {
		a.down = 0
	}
}
