package s3

import (
	"math"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/nimbus-sim/nimbus/sim"
)

// errorBytes is the size of an XML error body (an assumption).
const errorBytes = 243

func logNormal(l Latency, src *rand.Rand) distuv.LogNormal {
	mu := math.Inf(-1)
	if l.Median > 0 {
		mu = math.Log(l.Median.Seconds())
	}
	return distuv.LogNormal{Mu: mu, Sigma: l.Sigma, Src: src}
}

func sample(d *distuv.LogNormal) time.Duration {
	if math.IsInf(d.Mu, -1) {
		return 0
	}
	if d.Sigma == 0 {
		return time.Duration(math.Exp(d.Mu) * 1e9)
	}
	return time.Duration(d.Rand() * 1e9)
}

// Serve answers a request for the bucket: REST by default, the website
// endpoint when the request's Host is the bucket's website endpoint or, for
// a website bucket, its own name (a custom domain). The key is the path
// without its leading '/'.
//
// REST requests: GET (range via the Range header, versionId, If-Match,
// If-None-Match), HEAD, PUT (size from req.Bytes; x-amz-storage-class,
// Content-Type, Cache-Control, x-amz-website-redirect-location,
// x-amz-meta-* headers; x-amz-copy-source "/bucket/key" copies), DELETE
// (versionId), multipart by query (POST ?uploads, PUT ?partNumber&uploadId,
// POST ?uploadId completes with every uploaded part, DELETE ?uploadId),
// POST ?restore&days=N&tier=Bulk, and listings (GET / or ?list-type=2 with
// prefix, delimiter, max-keys, continuation-token, start-after; ?versions).
// Callers identify themselves with HeaderPrincipal/HeaderSourceArn or a
// presigned query; others are anonymous. Requests are authorized by the
// bucket policy, then rate-limited per prefix (503 SlowDown), and answered
// after the first-byte latency plus the transfer time.
func (b *Bucket) Serve(req *sim.Request, reply func(sim.Response)) {
	website := b.website != nil && (req.Host == b.WebsiteEndpoint() || req.Host == b.cfg.Name)
	b.serve(req, req.Path, website, reply)
}

// answer is the outcome of a request before latency.
type answer struct {
	op       opKind
	status   int
	reason   string
	down, up int64
	write    bool
	headers  []sim.Header
}

func (a *answer) fail(e *Error) {
	a.status, a.reason, a.down = e.Status, e.Code, errorBytes
	a.headers = nil
}

func (b *Bucket) serve(req *sim.Request, path string, website bool, reply func(sim.Response)) {
	var a answer
	switch {
	case b.deleted:
		a.fail(ErrNoSuchBucket)
	case website:
		b.serveWebsite(req, path, &a)
	default:
		b.serveREST(req, path, &a)
	}
	b.hot = nil
	b.finish(req, &a, reply)
}

// finish schedules the reply after the modelled latency and records the
// hop and metrics.
func (b *Bucket) finish(req *sim.Request, a *answer, reply func(sim.Response)) {
	s := b.svc.s
	p := &b.svc.cfg.Performance
	var first, total time.Duration
	if !p.NoLatency {
		if a.write {
			first = sample(&b.writeLat)
		} else {
			first = sample(&b.readTTFB)
		}
		total = first
		if a.status < 400 {
			total += time.Duration(float64(a.down+a.up) / p.Throughput * 1e9)
		}
	}
	b.record(a.op, a.status, a.down, a.up, first, total)
	resp := sim.Response{Status: a.status, Bytes: a.down, From: b.from, Reason: a.reason, Headers: a.headers}
	enter := s.Now()
	if total == 0 {
		req.AddHop(sim.Hop{Service: "s3", Name: b.cfg.Name, Enter: enter, Leave: enter, Status: a.status})
		reply(resp)
		return
	}
	w := b.free
	if w == nil {
		w = &pending{b: b}
		w.fire = w.run
	} else {
		b.free = w.next
	}
	w.req, w.reply, w.resp, w.enter = req, reply, resp, enter
	s.After(total, w.fire)
}

// pending is a reply waiting out its latency. Buckets recycle them (with
// their bound fire func), so a delayed reply allocates no closure.
type pending struct {
	b     *Bucket
	req   *sim.Request
	reply func(sim.Response)
	resp  sim.Response
	enter sim.Time
	fire  func() // p.run, bound once
	next  *pending
}

func (p *pending) run() {
	b := p.b
	req, reply, resp, enter := p.req, p.reply, p.resp, p.enter
	// Recycle before replying: the reply may send another request here.
	p.req, p.reply, p.resp = nil, nil, sim.Response{}
	p.next, b.free = b.free, p
	req.AddHop(sim.Hop{Service: "s3", Name: b.cfg.Name, Enter: enter, Leave: b.svc.s.Now(), Status: resp.Status})
	reply(resp)
}

func (b *Bucket) serveREST(req *sim.Request, path string, a *answer) {
	key := strings.TrimPrefix(path, "/")
	if strings.IndexByte(key, '%') >= 0 {
		k, err := url.PathUnescape(key)
		if err != nil {
			a.fail(ErrInvalidArgument)
			return
		}
		key = k
	}
	var q url.Values
	if req.Query != "" {
		var err error
		if q, err = url.ParseQuery(req.Query); err != nil {
			a.fail(ErrInvalidArgument)
			return
		}
	}
	has := func(name string) bool { _, ok := q[name]; return ok }
	ar := AccessRequest{ResourceBase: b.arn, SourceIP: req.Client.IP, SecureTransport: req.Protocol != "HTTP"}
	if key != "" {
		ar.ResourceBase, ar.Key = b.objBase, key
	}
	switch req.Method {
	case "GET":
		a.op, ar.Action = opGet, "s3:GetObject"
		switch {
		case has("versions"):
			a.op, ar.Action, ar.ResourceBase, ar.Key = opList, "s3:ListBucketVersions", b.arn, ""
		case key == "" || has("list-type"):
			a.op, ar.Action, ar.ResourceBase, ar.Key = opList, "s3:ListBucket", b.arn, ""
		case has("versionId"):
			ar.Action = "s3:GetObjectVersion"
		}
	case "HEAD":
		a.op, ar.Action = opHead, "s3:GetObject"
		if key == "" {
			ar.Action = "s3:ListBucket"
		}
	case "PUT":
		a.op, a.write, ar.Action = opPut, true, "s3:PutObject"
	case "POST":
		a.op, a.write, ar.Action = opPost, true, "s3:PutObject"
		if has("restore") {
			ar.Action = "s3:RestoreObject"
		}
	case "DELETE":
		a.op, a.write, ar.Action = opDelete, true, "s3:DeleteObject"
		switch {
		case has("uploadId"):
			ar.Action = "s3:AbortMultipartUpload"
		case has("versionId"):
			ar.Action = "s3:DeleteObjectVersion"
		}
	default:
		a.fail(ErrMethodNotAllowed)
		return
	}
	if key == "" && a.op != opList && a.op != opHead {
		a.fail(ErrMethodNotAllowed)
		return
	}
	if has("X-Amz-Signature") {
		p, err := b.verifyPresigned(req, key, q)
		if err != nil {
			a.fail(err)
			return
		}
		ar.Principal = p
	} else if len(req.Headers) > 0 {
		if p, ok := req.Header(HeaderPrincipal); ok {
			ar.Principal = Principal(p)
		}
		if arn, ok := req.Header(HeaderSourceArn); ok {
			ar.SourceArn = arn
			ar.SourceAccount = Principal(arn).Account()
		}
		ar.Referer, _ = req.Header("Referer")
		ar.UserAgent, _ = req.Header("User-Agent")
	}
	if !b.Authorize(&ar) {
		a.fail(ErrAccessDenied)
		return
	}
	if !b.admit(key, a.write, b.svc.s.Now()) {
		a.fail(ErrSlowDown)
		return
	}
	a.status = 200
	switch a.op {
	case opGet:
		b.restGet(req, key, q, false, a)
	case opList:
		b.restList(q, ar.Action == "s3:ListBucketVersions", a)
	case opHead:
		if key == "" {
			return
		}
		b.restGet(req, key, q, true, a)
	case opPut:
		b.restPut(req, key, q, a)
	case opPost:
		b.restPost(key, q, a)
	case opDelete:
		if has("uploadId") {
			if err := b.AbortMultipartUpload(key, q.Get("uploadId")); err != nil {
				a.fail(err.(*Error))
				return
			}
			a.status = 204
			return
		}
		out, err := b.DeleteObject(key, q.Get("versionId"))
		if err != nil {
			a.fail(err.(*Error))
			return
		}
		a.status = 204
		if out.DeleteMarker {
			a.headers = append(a.headers, sim.Header{Name: "x-amz-delete-marker", Value: "true"})
		}
		if out.VersionID != "" {
			a.headers = append(a.headers, sim.Header{Name: "x-amz-version-id", Value: out.VersionID})
		}
	}
}

func (b *Bucket) restGet(req *sim.Request, key string, q url.Values, head bool, a *answer) {
	var in GetObjectInput
	if q != nil {
		in.VersionID = q.Get("versionId")
	}
	if len(req.Headers) > 0 {
		in.Range, _ = req.Header("Range")
		in.IfMatch, _ = req.Header("If-Match")
		in.IfNoneMatch, _ = req.Header("If-None-Match")
	}
	if b.svc.cfg.Performance.InjectUnavailability {
		if _, v, err, _ := b.lookup(key, in.VersionID); err == nil && b.outage.Float64() >= v.class.Info().Availability {
			a.fail(ErrServiceUnavailable)
			return
		}
	}
	v, n, cr, err, marker := b.getObject(key, &in, head)
	if err != nil {
		a.fail(err)
		if err == ErrNotModified {
			a.down = 0
			a.headers = []sim.Header{{Name: "ETag", Value: v.ETag()}}
		}
		if marker {
			a.headers = []sim.Header{{Name: "x-amz-delete-marker", Value: "true"}}
		}
		return
	}
	a.down = n
	if cr != "" {
		a.status = 206
	}
	a.headers = b.objectHeaders(v, cr)
}

// objectHeaders returns the response headers caches and clients read.
func (b *Bucket) objectHeaders(v *version, contentRange string) []sim.Header {
	versioned := b.versioning != Unversioned
	if v.x == nil && contentRange == "" {
		if c := v.hdr; c != nil && c.versioned == versioned && c.class == v.class {
			return c.hs[:c.n:c.n]
		}
		c := &plainHeaders{versioned: versioned, class: v.class}
		etag := v.appendETag(c.etag[:0])
		hs := append(c.hs[:0], sim.Header{Name: "ETag", Value: unsafe.String(unsafe.SliceData(etag), len(etag))})
		if versioned {
			hs = append(hs, sim.Header{Name: "x-amz-version-id", Value: b.versionID(v)})
		}
		if v.class != Standard {
			hs = append(hs, sim.Header{Name: "x-amz-storage-class", Value: v.class.String()})
		}
		c.n, v.hdr = uint8(len(hs)), c
		return hs[:len(hs):len(hs)]
	}
	n := 1
	if v.x != nil {
		n += 3
	}
	if versioned {
		n++
	}
	if contentRange != "" {
		n++
	}
	if v.class != Standard {
		n++
	}
	hs, etag := newHeaders(n, v)
	hs = append(hs, sim.Header{Name: "ETag", Value: etag})
	if x := v.x; x != nil {
		if x.contentType != "" {
			hs = append(hs, sim.Header{Name: "Content-Type", Value: x.contentType})
		}
		if x.cacheControl != "" {
			hs = append(hs, sim.Header{Name: "Cache-Control", Value: x.cacheControl})
		}
		if x.restoring {
			hs = append(hs, sim.Header{Name: "x-amz-restore", Value: `ongoing-request="true"`})
		} else if x.restoredUntil > 0 {
			hs = append(hs, sim.Header{Name: "x-amz-restore", Value: `ongoing-request="false", expiry-date="` +
				b.svc.s.Wall(x.restoredUntil).UTC().Format(httpTime) + `"`})
		}
	}
	if versioned {
		hs = append(hs, sim.Header{Name: "x-amz-version-id", Value: b.versionID(v)})
	}
	if contentRange != "" {
		hs = append(hs, sim.Header{Name: "Content-Range", Value: contentRange})
	}
	if v.class != Standard {
		hs = append(hs, sim.Header{Name: "x-amz-storage-class", Value: v.class.String()})
	}
	return hs
}

// listEntryBytes and listBaseBytes estimate a listing's XML size (an
// assumption).
const listEntryBytes, listBaseBytes = 300, 400

func (b *Bucket) restList(q url.Values, versions bool, a *answer) {
	a.op = opList
	mk := 0
	if s := q.Get("max-keys"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			a.fail(ErrInvalidArgument)
			return
		}
		mk = n
	}
	if versions {
		out, err := b.ListObjectVersions(ListObjectVersionsInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"),
			MaxKeys: mk, KeyMarker: q.Get("key-marker"), VersionIDMarker: q.Get("version-id-marker")})
		if err != nil {
			a.fail(err.(*Error))
			return
		}
		a.down = listBaseBytes + listEntryBytes*int64(len(out.Versions)+len(out.CommonPrefixes))
		return
	}
	out, err := b.ListObjectsV2(ListObjectsV2Input{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: mk,
		ContinuationToken: q.Get("continuation-token"), StartAfter: q.Get("start-after")})
	if err != nil {
		a.fail(err.(*Error))
		return
	}
	a.down = listBaseBytes + listEntryBytes*int64(out.KeyCount)
	if out.IsTruncated {
		a.headers = []sim.Header{{Name: "x-nimbus-next-continuation-token", Value: out.NextContinuationToken}}
	}
}

func (b *Bucket) restPut(req *sim.Request, key string, q url.Values, a *answer) {
	a.up = req.Bytes
	if q != nil && q.Get("uploadId") != "" {
		n, _ := strconv.Atoi(q.Get("partNumber"))
		etag, err := b.UploadPart(key, q.Get("uploadId"), n, req.Bytes)
		if err != nil {
			a.fail(err.(*Error))
			return
		}
		a.headers = []sim.Header{{Name: "ETag", Value: etag}}
		return
	}
	var in PutObjectInput
	var err error
	in.Size = req.Bytes
	for _, h := range req.Headers {
		switch name := strings.ToLower(h.Name); {
		case name == "x-amz-storage-class":
			if in.StorageClass, err = ParseStorageClass(h.Value); err != nil {
				a.fail(err.(*Error))
				return
			}
		case name == "content-type":
			in.ContentType = h.Value
		case name == "cache-control":
			in.CacheControl = h.Value
		case name == "x-amz-website-redirect-location":
			in.WebsiteRedirectLocation = h.Value
		case strings.HasPrefix(name, "x-amz-meta-"):
			if in.Metadata == nil {
				in.Metadata = map[string]string{}
			}
			in.Metadata[name[len("x-amz-meta-"):]] = h.Value
		case name == "x-amz-tagging":
			tq, terr := url.ParseQuery(h.Value)
			if terr != nil {
				a.fail(ErrInvalidArgument)
				return
			}
			in.Tags = map[string]string{}
			for k := range tq {
				in.Tags[k] = tq.Get(k)
			}
		}
	}
	var out PutObjectOutput
	if src, ok := req.Header("x-amz-copy-source"); ok {
		a.up = 0
		src = strings.TrimPrefix(src, "/")
		srcVersion := ""
		if i := strings.Index(src, "?versionId="); i >= 0 {
			src, srcVersion = src[:i], src[i+len("?versionId="):]
		}
		bucket, skey, _ := strings.Cut(src, "/")
		out, err = b.CopyObject(key, CopyObjectInput{SourceBucket: bucket, SourceKey: skey, SourceVersionID: srcVersion,
			StorageClass: in.StorageClass, ReplaceMetadata: in.ContentType != "" || in.CacheControl != "" || in.Metadata != nil, Replacement: in})
	} else {
		out, err = b.PutObject(key, in)
	}
	if err != nil {
		a.fail(err.(*Error))
		return
	}
	a.headers = []sim.Header{{Name: "ETag", Value: out.ETag}}
	if out.VersionID != "" {
		a.headers = append(a.headers, sim.Header{Name: "x-amz-version-id", Value: out.VersionID})
	}
}

func (b *Bucket) restPost(key string, q url.Values, a *answer) {
	switch {
	case q.Has("uploads"):
		id, err := b.CreateMultipartUpload(key, PutObjectInput{})
		if err != nil {
			a.fail(err.(*Error))
			return
		}
		a.headers = []sim.Header{{Name: "x-nimbus-upload-id", Value: id}}
	case q.Get("uploadId") != "":
		u, uerr := b.upload(key, q.Get("uploadId"))
		if uerr != nil {
			a.fail(uerr)
			return
		}
		nums := make([]int, 0, len(u.parts))
		for n := range u.parts {
			nums = append(nums, n)
		}
		slices.Sort(nums)
		parts := make([]CompletedPart, len(nums))
		for i, n := range nums {
			parts[i] = CompletedPart{PartNumber: n}
		}
		out, err := b.CompleteMultipartUpload(key, q.Get("uploadId"), parts)
		if err != nil {
			a.fail(err.(*Error))
			return
		}
		a.headers = []sim.Header{{Name: "ETag", Value: out.ETag}}
	case q.Has("restore"):
		days, _ := strconv.Atoi(q.Get("days"))
		tier := RestoreStandard
		for t := range numRestoreTiers {
			if q.Get("tier") == t.String() {
				tier = t
			}
		}
		if err := b.RestoreObject(key, RestoreInput{VersionID: q.Get("versionId"), Days: days, Tier: tier}); err != nil {
			a.fail(err.(*Error))
			return
		}
		a.status = 202
	default:
		a.fail(ErrMethodNotAllowed)
	}
}

// parseRange parses a single HTTP byte range against an object of size
// bytes. Syntactically invalid or multi-range headers are ignored (ok =
// false), as S3 ignores them; unsatisfiable ranges are InvalidRange.
func parseRange(h string, size int64) (first, last int64, ok bool, err *Error) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	a, z, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	if a == "" { // suffix range: the last z bytes
		n, perr := strconv.ParseInt(z, 10, 64)
		if perr != nil || n < 0 {
			return 0, 0, false, nil
		}
		if n == 0 || size == 0 {
			return 0, 0, false, ErrInvalidRange
		}
		return max(0, size-n), size - 1, true, nil
	}
	first, perr := strconv.ParseInt(a, 10, 64)
	if perr != nil || first < 0 {
		return 0, 0, false, nil
	}
	last = size - 1
	if z != "" {
		if last, perr = strconv.ParseInt(z, 10, 64); perr != nil || last < first {
			return 0, 0, false, nil
		}
		last = min(last, size-1)
	}
	if first >= size {
		return 0, 0, false, ErrInvalidRange
	}
	return first, last, true, nil
}
